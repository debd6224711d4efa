package io.tributary.storage.h2;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100,000 durable local writes on H2 files with bounded memory: the heap after the run is what the projection
 * needs, not a function of how many events went through. The figures are printed for the record.
 */
class ManyWritesIntegrationTest {

	private static final Duration T = Duration.ofMinutes(5);
	private static final int WRITES = 100_000;
	private static final int ENTITIES = 2_000;
	private static final int ROUNDS = 10;
	/** How much the retained heap may grow from the first round to the last. */
	private static final long MAX_GROWTH = 48L * 1024 * 1024;

	@TempDir
	Path dir;

	/** One entity in ten belongs to the user that is erased at the end. */
	private static String owner(int i) {
		return i % ENTITIES < ENTITIES / 10 ? "erased-user" : "kept-user";
	}

	@Test
	void hundredThousandWritesKeepTheHeapBoundedAndAllAreDurable() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		SyncEngine engine = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T))
				.origin("writer").checkpointInterval(Duration.ofSeconds(1)).open().block(T);
		List<Long> retained = new ArrayList<>();
		long start = System.nanoTime();
		try {
			int perRound = WRITES / ROUNDS;
			for (int round = 0; round < ROUNDS; round++) {
				int base = round * perRound;
				// a bounded number of writes in flight, as a busy application would have
				Flux.range(base, perRound)
						.flatMap(i -> engine.write(WriteRequest.put("doc", "e" + (i % ENTITIES),
								"{\"i\":" + i + ",\"pad\":\"" + "x".repeat(64) + "\"}").withUserId(owner(i))), 256)
						.blockLast(T);
				memory.gc();
				retained.add(memory.getHeapMemoryUsage().getUsed());
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			assertEquals(WRITES, engine.lastPosition());
			assertEquals(WRITES, engine.vector().get("writer"));
			long growth = retained.get(ROUNDS - 1) - retained.get(0);
			System.out.printf("%d writes in %.1f s (%.0f/s); heap retained after each 10,000 (MiB): %s; growth %.1f MiB;"
					+ " max heap %d MiB%n", WRITES, seconds, WRITES / seconds,
					retained.stream().map(b -> String.format("%.1f", b / 1048576.0)).toList(), growth / 1048576.0,
					memory.getHeapMemoryUsage().getMax() / 1048576);
			assertTrue(growth < MAX_GROWTH, "retained heap grew by " + growth + " bytes over " + WRITES + " writes");
		}
		finally {
			engine.closeAsync().block(T);
		}

		SyncEngine reopened = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T))
				.origin("writer").open().block(T);
		try {
			assertEquals(WRITES, reopened.lastPosition());
			List<EntityState> docs = reopened.query("doc").collectList().block(T);
			assertEquals(ENTITIES, docs.size());
			long t0 = System.nanoTime();
			long erased = reopened.erase(owner(0)).block(T);
			System.out.printf("erase of %d of %d events (rewrite of the H2 file included): %.2f s%n", erased, WRITES,
					(System.nanoTime() - t0) / 1e9);
			assertEquals(WRITES / 10, erased);
			docs = reopened.query("doc").collectList().block(T);
			assertEquals(ENTITIES - ENTITIES / 10, docs.size());
			// writes are submitted in order, so each entity holds its last write
			for (EntityState s : docs) {
				int k = Integer.parseInt(s.entityId().substring(1));
				assertEquals("{\"i\":" + (WRITES - ENTITIES + k) + ",\"pad\":\"" + "x".repeat(64) + "\"}", s.json());
				assertEquals("kept-user", s.userId());
			}
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}
}
