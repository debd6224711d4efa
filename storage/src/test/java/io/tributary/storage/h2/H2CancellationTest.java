package io.tributary.storage.h2;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancelling reads and writes from other threads while H2 works on them must never break the store (a
 * thread interrupted during file I/O closes H2's file channel).
 */
class H2CancellationTest {

	private static final Duration T = Duration.ofSeconds(60);

	@TempDir
	Path dir;

	@Test
	void cancellingInFlightReadsAndWritesLeavesTheStoreWorking() throws InterruptedException {
		SyncEngine engine = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T))
				.origin("c").open().block(T);
		try {
			String pad = "p".repeat(400);
			Flux.range(0, 20_000).flatMap(i -> engine.put("doc", "d" + i, "{\"pad\":\"" + pad + "\"}"), 256).blockLast(T);
			for (int round = 0; round < 40; round++) {
				CountDownLatch started = new CountDownLatch(1);
				Disposable read = engine.lacking(VersionVector.empty(), 20_000).doOnNext(e -> started.countDown())
						.subscribe();
				Disposable write = Flux.range(0, 200).flatMap(i -> engine.put("doc", "w" + i, "{}")).subscribe();
				assertTrue(started.await(30, TimeUnit.SECONDS));
				// cancelled from this thread while the reader thread is inside H2
				read.dispose();
				write.dispose();
			}
			engine.put("doc", "after", "{}").block(T);
			long expected = engine.lastPosition();
			assertEquals(expected, engine.read(0, 1_000_000).count().block(T), "the whole log still reads");
		}
		finally {
			engine.closeAsync().block(T);
		}
		SyncEngine reopened = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T)).open()
				.block(T);
		try {
			assertEquals(reopened.lastPosition(), reopened.read(0, 1_000_000).count().block(T));
			assertEquals("{}", reopened.get("doc", "after").block(T).json());
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}
}
