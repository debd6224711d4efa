package io.tributary.storage.h2;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.SyncEngine;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group commit, proven through the engine's own meters: many concurrent writers on a durable H2 store share
 * commits, so the store commits far fewer times than there are writes, and every write is durable and counted.
 */
class GroupCommitIntegrationTest {

	private static final Duration T = Duration.ofSeconds(120);

	@TempDir
	Path dir;

	@Test
	void concurrentWritersShareCommits() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		SyncEngine engine = SyncEngine.builder()
				.storage(H2Storage.builder().directory(dir).durability(Durability.POWER_LOSS).open().block(T))
				.origin("group")
				.meterRegistry(meters)
				.open()
				.block(T);
		try {
			int writers = 64;
			int writes = 4_000;
			Flux.range(0, writes)
					.flatMap(i -> engine.put("todo", "t" + (i % 500), "{\"i\":" + i + "}"), writers)
					.blockLast(T);

			double committed = meters.get("tributary.events.committed").tag("source", "local").counter().count();
			long commits = meters.get("tributary.commit.batch").summary().count();
			double largest = meters.get("tributary.commit.batch").summary().max();
			System.out.println("group commit: " + writes + " writes in " + commits + " commits, largest " + largest);
			assertEquals(writes, committed, "every write was made durable and counted");
			assertEquals(writes, engine.vector().get("group"));
			// with one commit per write this would be 4,000; writers that wait for a commit share the next one
			assertTrue(commits * 4 <= writes, commits + " commits for " + writes + " writes");
			assertTrue(largest > 1, "some commit carried several writes: largest " + largest);
		}
		finally {
			engine.closeAsync().block(T);
		}
	}
}
