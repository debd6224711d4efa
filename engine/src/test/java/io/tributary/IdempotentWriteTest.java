package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes that carry an id of the writer's choosing are stored once: a repeat, in a later commit, in the same
 * commit, concurrently or after a restart, completes with the stored event.
 */
class IdempotentWriteTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();
	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@AfterEach
	void close() {
		engines.closeAll();
	}

	private SyncEngine open(Storage storage) {
		return engines.open(SyncEngine.builder().storage(storage).origin("a").clock(new MutableClock(T0))
				.meterRegistry(registry).checkpointInterval(Duration.ofHours(1)));
	}

	private static List<Event> log(SyncEngine engine) {
		return engine.read(0, 1000).collectList().block(TIMEOUT);
	}

	@Test
	void writeWithAStoredIdStoresNothingAndAnswersTheStoredEvent() {
		SyncEngine engine = open(new InMemoryStorage());
		UUID id = UUID.randomUUID();
		Event first = await(engine.write(WriteRequest.put("doc", "1", "{\"v\":1}").withId(id)));
		assertEquals(id, first.id(), "the writer's id is the event's id");

		Event again = await(engine.write(WriteRequest.put("doc", "1", "{\"v\":1}").withId(id)));

		assertEquals(first, again);
		assertEquals(1, log(engine).size());
		assertEquals(1.0, registry.get("tributary.writes.deduplicated").counter().count());
	}

	@Test
	void sameIdWithOtherContentAnswersTheStoredEventUnchanged() {
		SyncEngine engine = open(new InMemoryStorage());
		UUID id = UUID.randomUUID();
		Event first = await(engine.write(WriteRequest.put("doc", "1", "{\"v\":1}").withId(id)));

		Event other = await(engine.write(WriteRequest.put("doc", "2", "{\"v\":2}").withId(id)));

		assertEquals(first, other);
		assertEquals(List.of(first), log(engine));
		assertEquals("{\"v\":1}", await(engine.get("doc", "1")).json());
		StepVerifier.create(engine.get("doc", "2")).verifyComplete();
	}

	@Test
	void writesOfOneIdInTheSameCommitStoreOneEvent() {
		GatedStorage gated = new GatedStorage(new InMemoryStorage());
		SyncEngine engine = open(gated);
		// the first commit waits at the gate: the writes after it gather into the next batch
		CompletableFuture<Event> blocker = engine.put("doc", "first", "{}").toFuture();
		UUID id = UUID.randomUUID();
		List<CompletableFuture<Event>> same = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			same.add(engine.write(WriteRequest.put("doc", "x", "{\"i\":" + i + "}").withId(id)).toFuture());
		}
		CompletableFuture<Event> other = engine.put("doc", "y", "{}").toFuture();
		assertEquals(1, gated.appendsCalled());

		gated.openAll();

		Event stored = same.get(0).orTimeout(10, TimeUnit.SECONDS).join();
		for (CompletableFuture<Event> f : same) {
			assertEquals(stored, f.orTimeout(10, TimeUnit.SECONDS).join());
		}
		other.orTimeout(10, TimeUnit.SECONDS).join();
		blocker.orTimeout(10, TimeUnit.SECONDS).join();
		assertEquals("{\"i\":0}", stored.payloadJson(), "the first write of the id in the batch is the one stored");
		assertEquals(3, log(engine).size(), "first, x once, y");
		assertEquals(2, gated.appendsCalled(), "the five writes and y shared one commit");
	}

	@Test
	void concurrentWritesOfOneIdFromManyThreadsStoreOneEvent() throws InterruptedException {
		SyncEngine engine = open(new InMemoryStorage());
		UUID id = UUID.randomUUID();
		int writers = 64;
		ExecutorService pool = Executors.newFixedThreadPool(8);
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Event>> results = new ArrayList<>();
		try {
			for (int i = 0; i < writers; i++) {
				int n = i;
				results.add(CompletableFuture.supplyAsync(() -> {
					try {
						assertTrue(start.await(10, TimeUnit.SECONDS));
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						throw new IllegalStateException(e);
					}
					return engine.write(WriteRequest.put("doc", "x", "{\"n\":" + n + "}").withId(id)).block(TIMEOUT);
				}, pool));
			}
			start.countDown();
			Event stored = results.get(0).orTimeout(20, TimeUnit.SECONDS).join();
			for (CompletableFuture<Event> r : results) {
				assertEquals(stored, r.orTimeout(20, TimeUnit.SECONDS).join());
			}
		}
		finally {
			pool.shutdown();
			assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
		}
		assertEquals(1, log(engine).size());
		assertEquals(writers - 1.0, registry.get("tributary.writes.deduplicated").counter().count());
	}

	@Test
	void idIsRememberedAcrossARestart() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = open(storage);
		UUID id = UUID.randomUUID();
		Event first = await(engine.write(WriteRequest.patch("doc", "1", "{\"v\":1}").withId(id)));
		engines.close(engine);

		SyncEngine reopened = open(storage);
		Event again = await(reopened.write(WriteRequest.patch("doc", "1", "{\"v\":1}").withId(id)));

		assertEquals(first, again);
		assertEquals(1, log(reopened).size());
	}

	@Test
	void writeAllKeepsEachIdOnceAndOrder() {
		SyncEngine engine = open(new InMemoryStorage());
		UUID a = UUID.randomUUID();
		UUID b = UUID.randomUUID();
		List<WriteRequest> batch = List.of(WriteRequest.put("doc", "a", "{}").withId(a),
				WriteRequest.put("doc", "b", "{}").withId(b), WriteRequest.put("doc", "c", "{}"));
		List<Event> first = engine.writeAll(batch).collectList().block(TIMEOUT);

		List<Event> retry = engine.writeAll(batch).collectList().block(TIMEOUT);

		assertEquals(first.subList(0, 2), retry.subList(0, 2));
		assertEquals(List.of(a, b), List.of(first.get(0).id(), first.get(1).id()));
		assertEquals(4, log(engine).size(), "a and b once; c has no id of its own, so it is written twice");
	}

	@Test
	void writesWithoutAnIdNeverLookUpTheStore() {
		AtomicInteger lookups = new AtomicInteger();
		Storage counting = new ForwardingStorage(new InMemoryStorage()) {
			@Override
			protected Mono<Event> eventById(UUID id) {
				lookups.incrementAndGet();
				return super.eventById(id);
			}

			@Override
			protected Mono<List<Event>> append(List<Event> batch, Set<UUID> keptIds) {
				assertTrue(keptIds.isEmpty() || batch.stream().anyMatch(e -> keptIds.contains(e.id())));
				return super.append(batch, keptIds);
			}
		};
		SyncEngine engine = open(counting);
		for (int i = 0; i < 20; i++) {
			await(engine.put("doc", "k" + i, "{}"));
		}
		assertEquals(0, lookups.get());

		await(engine.write(WriteRequest.put("doc", "k", "{}").withId(UUID.randomUUID())));
		assertEquals(1, lookups.get());
	}

	@Test
	void anotherUsersIdIsRefusedAndShowsNothingOfTheirChange() {
		SyncEngine engine = open(new InMemoryStorage());
		UUID id = UUID.randomUUID();
		await(engine.forUser("alice").write(WriteRequest.put("note", "a1", "{\"secret\":1}").withId(id)));

		engine.forUser("bob").write(WriteRequest.put("note", "b1", "{}").withId(id)).as(StepVerifier::create)
				.expectError(RowLevelSecurityException.class)
				.verify(TIMEOUT);
		assertEquals(1, log(engine).size());
	}
}
