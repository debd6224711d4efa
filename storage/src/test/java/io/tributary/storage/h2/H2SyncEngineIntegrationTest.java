package io.tributary.storage.h2;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.ConflictStrategy;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.ProjectionPolicy;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine on H2 files: restarts, projection checkpoints and their compaction, conflicts and reads.
 */
class H2SyncEngineIntegrationTest {

	private static final Duration T = Duration.ofSeconds(60);

	@TempDir
	Path dir;

	private SyncEngine open(Path path, ProjectionPolicy policy) {
		return SyncEngine.builder()
				.storage(H2Storage.builder().directory(path).open().block(T))
				.origin("h2-test")
				.projection(policy)
				.checkpointInterval(Duration.ofHours(1))
				.open()
				.block(T);
	}

	@Test
	void concurrentWritesOfFewIdsAmongOthersStoreEachIdOnceAlsoAfterARestart() {
		SyncEngine engine = open(dir, ProjectionPolicy.defaults());
		List<java.util.UUID> ids = List.of(java.util.UUID.randomUUID(), java.util.UUID.randomUUID(),
				java.util.UUID.randomUUID());
		// 600 writes from 32 concurrent writers: every third carries one of three ids, the others none
		List<Event> written = Flux.range(0, 600)
				.flatMap(i -> engine.write(i % 3 == 0
						? io.tributary.WriteRequest.put("doc", "d" + i, "{\"i\":" + i + "}").withId(ids.get(i % 9 / 3))
						: io.tributary.WriteRequest.put("doc", "d" + i, "{\"i\":" + i + "}")), 32)
				.collectList()
				.block(T);
		assertEquals(600, written.size());
		for (java.util.UUID id : ids) {
			assertEquals(1, written.stream().filter(e -> e.id().equals(id)).map(Event::position).distinct().count(),
					"every write of " + id + " answered with one event");
		}
		assertEquals(400 + 3, engine.lastPosition(), "400 writes without an id, one event per id");
		engine.closeAsync().block(T);

		SyncEngine reopened = open(dir, ProjectionPolicy.defaults());
		try {
			Event again = reopened.write(io.tributary.WriteRequest.put("doc", "other", "{}").withId(ids.get(1))).block(T);
			assertEquals(ids.get(1), again.id());
			assertEquals(403, reopened.lastPosition());
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}

	@Test
	void projectionSurvivesRestartAcrossManyCheckpointsAndCompactions() {
		ProjectionPolicy policy = ProjectionPolicy.builder().strategy("doc", ConflictStrategy.FIELD_MERGE).build();
		SyncEngine engine = open(dir, policy);
		AtomicInteger checkpoints = new AtomicInteger();
		// the signal of a checkpoint may come just after the checkpoint's Mono completes: wait for the 60th
		Mono<Long> sixty = engine.signals().ofType(SyncSignal.ProjectionCheckpointed.class)
				.doOnNext(s -> checkpoints.incrementAndGet()).take(60).count().cache();
		sixty.subscribe();
		// 60 rounds x 100 entities: 6000 saved folds, more than twice 1024, so at least one compaction
		for (int round = 0; round < 60; round++) {
			int r = round;
			Flux.range(0, 100)
					.concatMap(i -> i % 3 == 0 ? engine.patch("doc", "d" + i, "{\"nested\":{\"r" + (r % 4) + "\":" + r + "}}")
							: engine.put("item", "i" + i, "{\"round\":" + r + "}"))
					.then(engine.checkpoint())
					.block(T);
		}
		engine.delete("item", "i1").block(T);
		List<EntityState> items = engine.query("item").collectList().block(T);
		List<EntityState> docs = engine.query("doc").collectList().block(T);
		assertEquals(65, items.size());
		assertEquals(34, docs.size());
		assertEquals(60L, sixty.block(T), "checkpoints: " + checkpoints.get());
		engine.closeAsync().block(T);

		SyncEngine reopened = open(dir, policy);
		try {
			assertEquals(items, reopened.query("item").collectList().block(T));
			assertEquals(docs, reopened.query("doc").collectList().block(T));
			assertTrue(reopened.get("item", "i1").block(T).deleted(), "tombstone kept");
			assertEquals("{\"nested\":{\"r0\":56,\"r1\":57,\"r2\":58,\"r3\":59}}",
					reopened.get("doc", "d0").block(T).json());

			// the reopened projection equals the fold of the whole log
			List<Event> log = reopened.events(0).take(reopened.lastPosition()).collectList().block(T);
			List<EntityState> expected = ReferenceFold.fold(log, policy, "item");
			assertEquals(expected, collectAll(reopened, expected));
			assertEquals(6001, log.size());
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}

	private static List<EntityState> collectAll(SyncEngine engine, List<EntityState> expected) {
		List<EntityState> out = new ArrayList<>();
		for (EntityState s : expected) {
			out.add(engine.get(s.type(), s.entityId()).block(T));
		}
		return out;
	}

	@Test
	void eventsBeyondTheProjectionCheckpointAreReplayedOnOpen() {
		SyncEngine engine = open(dir, ProjectionPolicy.defaults());
		Event first = engine.put("item", "a", "{\"v\":1}").block(T);
		engine.closeAsync().block(T);
		// events appended to the log that no checkpoint covers, as when a crash follows a commit
		H2Storage storage = H2Storage.builder().directory(dir).open().block(T);
		Event second = new Event(io.tributary.Uuid7.create(System.currentTimeMillis()), "h2-test", 2, first.hlc() + 1,
				"item", "a", io.tributary.Op.PUT, "{\"v\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
				first.id(), null, 1, 0);
		Event third = new Event(io.tributary.Uuid7.create(System.currentTimeMillis()), "h2-test", 3, first.hlc() + 2,
				"item", "b", io.tributary.Op.PUT, "{\"v\":3}".getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
				null, 1, 0);
		storage.events().append(List.of(second, third)).block(T);
		assertEquals(1L, storage.projections().checkpoint().block(T));
		storage.close().block(T);

		SyncEngine again = open(dir, ProjectionPolicy.defaults());
		try {
			assertEquals("{\"v\":2}", again.get("item", "a").block(T).json());
			assertEquals("{\"v\":3}", again.get("item", "b").block(T).json());
			assertEquals(3, again.vector().get("h2-test"));
			// the next local write continues the sequence
			assertEquals(4, again.put("item", "c", "{}").block(T).originSeq());
		}
		finally {
			again.closeAsync().block(T);
		}
	}

	@Test
	void aDirectoryCanBeOpenedByOneStorageAtATime() {
		H2Storage first = H2Storage.builder().directory(dir).open().block(T);
		try {
			H2Storage.builder().directory(dir.resolve("..").resolve(dir.getFileName())).open()
					.as(StepVerifier::create)
					.expectErrorSatisfies(e -> {
						assertTrue(e instanceof IllegalStateException, e.toString());
						assertTrue(e.getMessage().contains("already open"), e.getMessage());
					})
					.verify(T);
		}
		finally {
			first.close().block(T);
		}
		// once closed, it can be opened again
		H2Storage.builder().directory(dir).open().flatMap(H2Storage::close).block(T);
	}

	@Test
	void conflictsAreStoredAndSurviveRestart() {
		SyncEngine engine = open(dir, ProjectionPolicy.defaults());
		Event first = engine.put("item", "x", "{\"v\":1}").block(T);
		// a peer's write that did not see `first`
		Event remote = new Event(io.tributary.Uuid7.create(System.currentTimeMillis()), "peer", 1,
				first.hlc() + 1, "item", "x", io.tributary.Op.PUT, "{\"v\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
				null, null, 1, 0);
		engine.apply(List.of(remote)).block(T);
		engine.conflicts("item", 10).as(StepVerifier::create)
				.assertNext(c -> {
					assertEquals(remote.id(), c.incoming().id());
					assertEquals(first.id(), c.head().id());
					assertEquals(remote.id(), c.winner());
				})
				.verifyComplete();
		engine.closeAsync().block(T);
		SyncEngine reopened = open(dir, ProjectionPolicy.defaults());
		try {
			assertEquals(1L, reopened.conflicts(null, 10).count().block(T));
			assertEquals("{\"v\":2}", reopened.get("item", "x").block(T).json());
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}

	@Test
	void readsRunOffTheCallersThreadAndPageThroughLargeLogs() {
		SyncEngine engine = open(dir, ProjectionPolicy.defaults());
		try {
			Flux.range(0, 5000).flatMap(i -> engine.put("item", "k" + (i % 50), "{\"i\":" + i + "}"), 256).blockLast(T);
			List<String> threads = new ArrayList<>();
			engine.events(0).take(5000).doOnNext(e -> {
				if (threads.isEmpty()) {
					threads.add(Thread.currentThread().getName());
				}
			}).as(StepVerifier::create).expectNextCount(5000).verifyComplete();
			assertTrue(threads.get(0).startsWith("tributary-h2-reader"), threads.get(0));
			assertEquals(5000, engine.lacking(io.tributary.VersionVector.empty(), 10_000).count().block(T));
			assertEquals(1000, engine.lacking(io.tributary.VersionVector.empty().with("h2-test", 4000), 10_000)
					.count().block(T));
			Mono<Long> none = engine.lacking(engine.vector(), 10).count();
			assertEquals(0L, none.block(T));
		}
		finally {
			engine.closeAsync().block(T);
		}
	}
}
