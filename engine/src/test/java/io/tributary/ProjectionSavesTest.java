package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.EntityRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the projection asks of its store and saves to it: no lookup while the cache holds every entity the store
 * holds, and on a shared store only the folds of the engine's own commits, unless other engines' folds fill the
 * cache.
 */
class ProjectionSavesTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	/** Counts the projection's lookups and records what it saves. */
	private static class WatchedStorage extends ForwardingStorage {
		final AtomicInteger lookups = new AtomicInteger();
		final ConcurrentLinkedQueue<String> saved = new ConcurrentLinkedQueue<>();

		WatchedStorage(InMemoryStorage delegate) {
			super(delegate);
		}

		@Override
		protected Flux<EntityRecord> lookup(String type, Collection<String> entityIds) {
			lookups.incrementAndGet();
			return super.lookup(type, entityIds);
		}

		@Override
		protected Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<io.tributary.Conflict> conflicts,
				boolean replaceAll) {
			return super.save(checkpoint, entities, conflicts, replaceAll)
					.doOnSuccess(v -> entities.forEach(r -> saved.add(r.entityId())));
		}
	}

	private SyncEngine open(ForwardingStorage storage, int cache) {
		return engines.open(SyncEngine.builder().storage(storage).origin("a").checkpointInterval(Duration.ofHours(1))
				.projectionCache(cache));
	}

	@Test
	void aStoreTheCacheHoldsWholeIsNotAskedForEntitiesUntilTheCacheEvicts() {
		WatchedStorage storage = new WatchedStorage(new InMemoryStorage());
		SyncEngine engine = open(storage, 100);
		List<Event> first = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			first.add(await(engine.put("doc", "e" + i, "{\"v\":1}")));
		}
		await(engine.checkpoint());
		assertEquals(0, storage.lookups.get(), "a fresh store: every entity the cache lacks is new");
		await(engine.closeAsync());

		// the saved projection fits the cache: loaded whole at open, so writes to it need no lookup either
		engine = open(storage, 100);
		for (int i = 0; i < 50; i++) {
			Event second = await(engine.put("doc", "e" + i, "{\"v\":2}"));
			assertEquals(first.get(i).id(), second.base(), "the loaded fold's head is the write's base");
		}
		assertEquals(0, storage.lookups.get(), "the store was loaded whole when the engine opened");
		assertEquals("{\"v\":2}", await(engine.get("doc", "e7")).json());

		// more entities than the cache holds: once a fold is evicted, what the cache lacks is looked up again
		for (int i = 50; i < 400; i++) {
			await(engine.put("doc", "e" + i, "{\"v\":1}"));
		}
		await(engine.checkpoint());
		await(engine.put("doc", "e0", "{\"v\":3}"));
		for (int i = 1; i < 400; i++) {
			await(engine.put("doc", "e" + i, "{\"v\":3}"));
		}
		assertTrue(storage.lookups.get() > 0, "evicted entities are looked up");
		await(engine.closeAsync());

		SyncEngine reopened = open(storage, 100);
		for (int i = 0; i < 400; i++) {
			assertEquals("{\"v\":3}", await(reopened.get("doc", "e" + i)).json(), "e" + i);
		}
	}

	/** A store other engines share: the feed reports the other engines' commits and this engine's own. */
	private static final class SharedStorage extends WatchedStorage {
		final Sinks.Many<List<Event>> others = Sinks.many().multicast().onBackpressureBuffer();
		volatile long covered;

		SharedStorage(InMemoryStorage delegate) {
			super(delegate);
		}

		@Override
		protected boolean shared() {
			return true;
		}

		@Override
		protected Flux<List<Event>> committedByOthers() {
			return others.asFlux();
		}

		@Override
		protected Mono<Long> covered() {
			return Mono.fromCallable(() -> covered);
		}

		/** Another engine commits events; the feed reports them (and every commit before them). */
		void commitElsewhere(List<Event> events) {
			long from = await(delegate.events().lastPosition());
			await(delegate.events().append(events));
			List<Event> stored = await(delegate.events().read(from, 10_000).collectList());
			assertEquals(Sinks.EmitResult.OK, others.tryEmitNext(stored));
		}
	}

	private static List<Event> theirs(int from, int to, String json) {
		List<Event> out = new ArrayList<>();
		for (int i = from; i < to; i++) {
			out.add(TestEvents.put("b", i + 1, T0 + i, "t" + i, json));
		}
		return out;
	}

	@Test
	void onASharedStoreAnEngineSavesTheFoldsOfItsOwnCommitsAndServesTheOthersFromItsCache() {
		SharedStorage storage = new SharedStorage(new InMemoryStorage());
		SyncEngine engine = open(storage, 1_000);
		await(engine.put("doc", "mine", "{\"v\":1}"));
		storage.commitElsewhere(theirs(0, 20, "{\"v\":2}"));
		await(engine.put("doc", "mine", "{\"v\":3}"));
		await(engine.put("doc", "t3", "{\"v\":4}")); // its own commit to an entity another engine wrote

		for (int i = 0; i < 20; i++) {
			assertEquals(i == 3 ? "{\"v\":4}" : "{\"v\":2}", await(engine.get("doc", "t" + i)).json(), "t" + i);
		}
		storage.saved.clear();
		await(engine.checkpoint());
		assertEquals(Set.of("mine", "t3"), Set.copyOf(storage.saved),
				"the other engine saves the folds of its own commits; this one saves what it committed");
		storage.saved.clear();
		await(engine.checkpoint());
		assertEquals(List.of(), List.copyOf(storage.saved), "nothing saved twice");
	}

	@Test
	void onASharedStoreOtherEnginesFoldsAreSavedHereOnceTheyFillTheCache() {
		SharedStorage storage = new SharedStorage(new InMemoryStorage());
		SyncEngine engine = open(storage, 20);
		// the other engine never says it saved (covered stays 0): its folds wait here until they fill the cache
		storage.commitElsewhere(theirs(0, 60, "{\"v\":1}"));
		await(engine.put("doc", "mine", "{\"v\":1}")); // folded after the feed's batch
		await(engine.checkpoint());
		Set<String> saved = new TreeSet<>(storage.saved);
		assertTrue(saved.contains("mine"), "own fold saved: " + saved);
		assertTrue(saved.size() > 10, "the waiting folds were saved here once they filled the cache: " + saved);

		// nothing is lost: every entity answers, from the cache or from what this engine saved
		for (int i = 0; i < 60; i++) {
			assertEquals("{\"v\":1}", await(engine.get("doc", "t" + i)).json(), "t" + i);
		}
		assertNull(await(engine.get("doc", "never")));
	}
}
