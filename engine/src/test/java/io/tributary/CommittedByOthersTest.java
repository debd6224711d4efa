package io.tributary;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.spi.EntityRecord;
import io.tributary.memory.InMemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A store that other processes write to as well reports their commits ({@code EventStore.committedByOthers()});
 * the engine folds them in and serves them live exactly as its own.
 */
class CommittedByOthersTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	/** A shared store: what the other process appends goes to the same events; its commits come through a sink. */
	private static class SharedStorage extends ForwardingStorage {
		final Sinks.Many<List<Event>> others = Sinks.many().multicast().onBackpressureBuffer();

		SharedStorage(InMemoryStorage shared) {
			super(shared);
		}

		@Override
		protected Flux<List<Event>> committedByOthers() {
			return others.asFlux();
		}

		/** Another process commits an event to the shared store and the store reports it. */
		List<Event> commitElsewhere(Event e) {
			List<Event> stored = await(delegate.events().append(List.of(e)));
			report(stored);
			return stored;
		}

		void report(List<Event> stored) {
			assertEquals(Sinks.EmitResult.OK, others.tryEmitNext(stored));
		}
	}

	@Test
	void eventsAnotherProcessCommittedAreProjectedCountedAndServedLive() {
		SharedStorage storage = new SharedStorage(new InMemoryStorage());
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = engines.open(SyncEngine.builder().storage(storage).origin("a")
				.checkpointInterval(Duration.ofHours(1)).meterRegistry(registry));
		await(engine.put("doc", "mine", "{\"v\":1}"));
		Event theirs = TestEvents.put("b", 1, T0, "theirs", "{\"v\":2}");

		engine.events(0).map(e -> e.origin() + "@" + e.position()).as(StepVerifier::create)
				.expectNext("a@1")
				.then(() -> storage.commitElsewhere(theirs))
				.expectNext("b@2")
				.thenCancel()
				.verify(TIMEOUT);

		assertEquals("{\"v\":2}", await(engine.get("doc", "theirs")).json(), "folded into the projection");
		assertEquals(VersionVector.empty().with("a", 1).with("b", 1), engine.vector());
		assertEquals(2, engine.lastPosition());
		assertEquals(1.0, registry.get("tributary.events.committed").tag("source", "remote").counter().count());
	}

	@Test
	void aReportedBatchIsFoldedOnceAndTheEngineKeepsCommittingAfterIt() {
		SharedStorage storage = new SharedStorage(new InMemoryStorage());
		SyncEngine engine = engines.open(SyncEngine.builder().storage(storage).origin("a")
				.checkpointInterval(Duration.ofHours(1)));

		engine.changes("doc").map(c -> c.event().origin() + ":" + c.state().entityId()).as(StepVerifier::create)
				.then(() -> {
					List<Event> stored = storage.commitElsewhere(TestEvents.put("b", 1, T0, "x", "{\"v\":1}"));
					storage.report(stored); // reported twice: the vector covers it the second time
					await(engine.put("doc", "y", "{\"v\":2}"));
				})
				.expectNext("b:x", "a:y")
				.thenCancel()
				.verify(TIMEOUT);

		assertEquals(2, engine.lastPosition(), "the local write was stored after the other process's event");
		assertEquals(List.of("b@1", "a@2"),
				await(engine.read(0, 10).map(e -> e.origin() + "@" + e.position()).collectList()));
		assertEquals(VersionVector.empty().with("a", 1).with("b", 1), engine.vector());
	}

	/**
	 * A shared store whose positions are not in commit order: reads show only what lies below the horizon the test
	 * moves, and the feed reports every commit, the engine's own too, once the horizon passes it.
	 */
	private static final class HorizonStorage extends SharedStorage {
		volatile long horizon;

		HorizonStorage(InMemoryStorage shared) {
			super(shared);
		}

		@Override
		protected boolean shared() {
			return true;
		}

		@Override
		protected Flux<Event> read(long afterPosition, int limit) {
			return super.read(afterPosition, limit).takeWhile(e -> e.position() <= horizon);
		}

		/** The horizon passes {@code position}: the feed reports everything up to it. */
		void passTo(long position) {
			List<Event> stored = await(delegate.events().read(horizon, 1000)
					.takeWhile(e -> e.position() <= position).collectList());
			horizon = position;
			report(stored);
		}
	}

	@Test
	void onASharedStoreTheLiveTailFollowsTheHorizonAndOwnCommitsAreFoldedAtOnceAndOnce() {
		HorizonStorage storage = new HorizonStorage(new InMemoryStorage());
		SyncEngine engine = engines.open(SyncEngine.builder().storage(storage).origin("a")
				.checkpointInterval(Duration.ofHours(1)));
		// another process took position 1 and has not committed yet; this engine's write takes position 2
		await(storage.delegate.events().append(List.of(TestEvents.put("b", 1, T0, "theirs", "{\"v\":1}"))));
		await(engine.put("doc", "mine", "{\"v\":2}"));
		assertEquals("{\"v\":2}", await(engine.get("doc", "mine")).json(), "read-your-writes on the writing node");

		engine.changes("doc").map(c -> c.event().origin() + ":" + c.state().entityId()).as(StepVerifier::create)
				.then(() -> engine.events(0).map(e -> e.origin() + "@" + e.position()).as(StepVerifier::create)
						.then(() -> storage.passTo(2))
						.expectNext("b@1", "a@2")
						.thenCancel()
						.verify(TIMEOUT))
				.expectNext("b:theirs") // the engine's own event is not folded a second time
				.thenCancel()
				.verify(TIMEOUT);

		assertEquals(2, engine.lastPosition());
		assertEquals(VersionVector.empty().with("a", 1).with("b", 1), engine.vector());
		assertEquals("{\"v\":1}", await(engine.get("doc", "theirs")).json());
	}

	/**
	 * A fold of other nodes' commits that fails again and again (the store is down) does not hold local writes back
	 * until the store returns: each write is answered with the store's error; once it is back, both go on.
	 */
	@Test
	void whileTheStoreFailsAFoldOfOthersCommitsLocalWritersGetTheErrorAndEverythingGoesOnOnceItIsBack() {
		AtomicBoolean down = new AtomicBoolean();
		SharedStorage storage = new SharedStorage(new InMemoryStorage()) {
			@Override
			protected boolean shared() {
				return true;
			}

			@Override
			protected Flux<EntityRecord> lookup(String type, Collection<String> entityIds) {
				return down.get() ? Flux.error(new StorageUnavailableException("the store is down", null))
						: super.lookup(type, entityIds);
			}

			@Override
			protected Mono<List<Event>> append(List<Event> batch) {
				return down.get() ? Mono.error(new StorageUnavailableException("the store is down", null))
						: super.append(batch);
			}
		};
		SyncEngine engine = engines.open(SyncEngine.builder().storage(storage).origin("a")
				.checkpointInterval(Duration.ofHours(1)));
		List<Event> theirs = await(storage.delegate.events().append(List.of(TestEvents.put("b", 1, T0, "theirs",
				"{\"v\":1}"))));
		down.set(true);
		// the fold of their commit needs the store (the entity is not cached) and fails, again and again
		storage.report(theirs);
		for (int i = 0; i < 3; i++) {
			engine.put("doc", "mine-" + i, "{\"v\":2}").as(StepVerifier::create)
					.expectError(StorageUnavailableException.class)
					.verify(TIMEOUT);
		}

		down.set(false);
		await(engine.put("doc", "mine", "{\"v\":3}"));
		assertEquals("{\"v\":3}", await(engine.get("doc", "mine")).json());
		engine.get("doc", "theirs").map(EntityState::json)
				.repeatWhenEmpty(100, r -> r.delayElements(Duration.ofMillis(20)))
				.as(StepVerifier::create)
				.expectNext("{\"v\":1}")
				.expectComplete()
				.verify(TIMEOUT);
	}
}
