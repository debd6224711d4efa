package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A projection far larger than the engine's cache (100 folds, 10,000 entities) answers exactly as one held whole:
 * the same gets, queries, types, conflicts and changes, under all four strategies, across a restart, an erase and a
 * fill of entities long evicted. Two writers' events arrive interleaved, so their writes to one entity conflict.
 * A seeded random loop: the seed is in every failure message; rerun one with {@code -Dtributary.seed=<seed>}.
 */
class BoundedProjectionTest {

	private static final int ENTITIES_PER_TYPE = 2_500;
	private static final int CACHE = 100;
	private static final Map<String, ConflictStrategy> TYPES = Map.of("lww", ConflictStrategy.LAST_WRITE_WINS,
			"merge", ConflictStrategy.FIELD_MERGE, "ranked", ConflictStrategy.ORIGIN_PRIORITY, "custom",
			ConflictStrategy.CUSTOM);

	/** An order-sensitive fold: counts the events since the last delete and hashes their order. */
	private static final CustomResolver ORDERED = (current, event, payload) -> {
		if (payload == null) {
			return null;
		}
		ObjectNode doc = current != null ? current : JsonNodeFactory.instance.objectNode();
		doc.setAll(payload);
		doc.put("n", doc.path("n").asLong() + 1);
		doc.put("h", (doc.path("h").asLong() * 31 + event.origin().hashCode() * 7L + event.originSeq()) & 0xFFFFFFL);
		return doc;
	};

	private static final ProjectionPolicy POLICY = ProjectionPolicy.builder()
			.strategy("lww", ConflictStrategy.LAST_WRITE_WINS)
			.strategy("merge", ConflictStrategy.FIELD_MERGE)
			.strategy("ranked", ConflictStrategy.ORIGIN_PRIORITY)
			.custom("custom", ORDERED)
			.originRanking(List.of("w1", "w0"))
			.build();

	private final List<SyncEngine> open = new ArrayList<>();

	@AfterEach
	void closeEngines() {
		for (SyncEngine e : open) {
			e.closeAsync().onErrorResume(EngineClosedException.class, x -> reactor.core.publisher.Mono.empty()).block(TIMEOUT);
		}
	}

	private SyncEngine open(InMemoryStorage storage, String origin, int cache) {
		SyncEngine engine = await(SyncEngine.builder().storage(storage).origin(origin).projection(POLICY)
				.checkpointInterval(Duration.ofHours(1)).projectionCache(cache).open());
		open.add(engine);
		return engine;
	}

	private static String id(int i) {
		// ids of several lengths, so that String order differs from number order
		return "e" + (i % 7 == 0 ? " " : "") + i;
	}

	/** Writes through two replicas that do not see each other's events: their writes to one entity conflict. */
	private static List<Event> generate(Random random) {
		InMemoryStorage s0 = new InMemoryStorage();
		InMemoryStorage s1 = new InMemoryStorage();
		SyncEngine w0 = await(SyncEngine.builder().storage(s0).origin("w0").projection(POLICY).open());
		SyncEngine w1 = await(SyncEngine.builder().storage(s1).origin("w1").projection(POLICY).open());
		try {
			List<String> types = new ArrayList<>(new TreeMap<>(TYPES).keySet());
			List<WriteRequest> first0 = new ArrayList<>();
			List<WriteRequest> first1 = new ArrayList<>();
			for (String type : types) {
				for (int i = 0; i < ENTITIES_PER_TYPE; i++) {
					WriteRequest put = WriteRequest.put(type, id(i), payload(random));
					if (i % 10 == 3) {
						put = put.withUserId("erased");
					}
					(random.nextBoolean() ? first0 : first1).add(put);
				}
			}
			writeAll(w0, first0);
			writeAll(w1, first1);
			List<WriteRequest> more0 = new ArrayList<>();
			List<WriteRequest> more1 = new ArrayList<>();
			for (int n = 0; n < 6_000; n++) {
				String type = types.get(random.nextInt(types.size()));
				String id = id(random.nextInt(ENTITIES_PER_TYPE));
				int op = random.nextInt(10);
				WriteRequest r = op < 4 ? WriteRequest.patch(type, id, payload(random))
						: op < 8 ? WriteRequest.put(type, id, payload(random)) : WriteRequest.delete(type, id);
				if (random.nextInt(8) == 0) {
					r = r.withUserId("erased");
				}
				(random.nextBoolean() ? more0 : more1).add(r);
			}
			writeAll(w0, more0);
			writeAll(w1, more1);
			List<Event> all = new ArrayList<>(w0.lacking(VersionVector.empty(), Integer.MAX_VALUE).collectList()
					.block(TIMEOUT));
			all.addAll(w1.lacking(VersionVector.empty(), Integer.MAX_VALUE).collectList().block(TIMEOUT));
			return all;
		}
		finally {
			await(w0.closeAsync());
			await(w1.closeAsync());
		}
	}

	private static void writeAll(SyncEngine engine, List<WriteRequest> writes) {
		for (int from = 0; from < writes.size(); from += 500) {
			engine.writeAll(writes.subList(from, Math.min(writes.size(), from + 500))).then().block(TIMEOUT);
		}
	}

	private static ObjectNode payload(Random random) {
		ObjectNode o = JsonNodeFactory.instance.objectNode();
		o.put("a", random.nextInt(100));
		if (random.nextBoolean()) {
			o.putObject("o").put(random.nextBoolean() ? "x" : "y", random.nextInt(10));
		}
		return o;
	}

	/**
	 * Batches of the events, the two origins' interleaved at random (each origin's in its order, so that a restart
	 * loses no event held for a predecessor), with some events delivered again.
	 */
	private static List<List<Event>> batches(List<Event> events, Random random) {
		List<Event> w0 = events.stream().filter(e -> e.origin().equals("w0")).toList();
		List<Event> w1 = events.stream().filter(e -> e.origin().equals("w1")).toList();
		List<Event> merged = new ArrayList<>();
		int i = 0;
		int j = 0;
		while (i < w0.size() || j < w1.size()) {
			boolean left = j == w1.size() || (i < w0.size() && random.nextBoolean());
			merged.add(left ? w0.get(i++) : w1.get(j++));
			if (random.nextInt(50) == 0) {
				merged.add(merged.get(random.nextInt(merged.size())));
			}
		}
		List<List<Event>> out = new ArrayList<>();
		int from = 0;
		while (from < merged.size()) {
			int to = Math.min(merged.size(), from + 1 + random.nextInt(300));
			out.add(List.copyOf(merged.subList(from, to)));
			from = to;
		}
		return out;
	}

	private static List<String> changes(CompletableFuture<List<EntityChange>> f) {
		List<String> out = new ArrayList<>();
		try {
			for (EntityChange c : f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				out.add(c.event().id() + " -> " + describe(c.state()));
			}
		}
		catch (Exception e) {
			throw new AssertionError("the changes did not complete with the engine: " + e, e);
		}
		return out;
	}

	private static String describe(EntityState s) {
		return s == null ? "unknown"
				: s.type() + "/" + s.entityId() + " " + s.json() + " deleted=" + s.deleted() + " version="
						+ s.version() + " origin=" + s.origin() + " user=" + s.userId();
	}

	/** Everything a user of the engine can read about its projection. */
	private static List<String> view(SyncEngine engine) {
		List<String> out = new ArrayList<>();
		out.add("types " + engine.types().collectList().block(TIMEOUT));
		for (String type : new TreeMap<>(TYPES).keySet()) {
			for (EntityState s : engine.query(type).collectList().block(TIMEOUT)) {
				out.add("query " + describe(s));
			}
			for (int i = 0; i < ENTITIES_PER_TYPE; i++) {
				out.add("get " + describe(engine.get(type, id(i)).block(TIMEOUT)));
			}
		}
		for (Conflict c : engine.conflicts(null, Integer.MAX_VALUE).collectList().block(TIMEOUT)) {
			out.add("conflict " + c.incoming().id() + " head=" + c.head().id() + " winner=" + c.winner());
		}
		return out;
	}

	private static void assertSameView(List<String> expected, List<String> actual, String where) {
		assertEquals(expected.size(), actual.size(), where + ": as many lines");
		for (int i = 0; i < expected.size(); i++) {
			if (!expected.get(i).equals(actual.get(i))) {
				assertEquals(expected.get(i), actual.get(i), where + ": line " + i);
			}
		}
	}

	@Test
	void aProjectionFarLargerThanTheCacheAnswersAsOneHeldWhole() {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		String where = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
		Random random = new Random(seed);
		List<Event> events = generate(random);
		List<List<Event>> batches = batches(events, random);

		InMemoryStorage wholeStorage = new InMemoryStorage();
		InMemoryStorage boundedStorage = new InMemoryStorage();
		SyncEngine whole = open(wholeStorage, "whole", 1_000_000);
		SyncEngine bounded = open(boundedStorage, "bounded", CACHE);
		CompletableFuture<List<EntityChange>> wholeChanges = whole.changes(null).collectList().toFuture();
		CompletableFuture<List<EntityChange>> boundedChanges = bounded.changes(null).collectList().toFuture();
		List<CompletableFuture<List<EntityChange>>> boundedParts = new ArrayList<>(List.of(boundedChanges));

		int restartAt = batches.size() / 2;
		for (int b = 0; b < batches.size(); b++) {
			await(whole.apply(batches.get(b)));
			await(bounded.apply(batches.get(b)));
			if (b == restartAt) {
				await(bounded.closeAsync());
				bounded = open(boundedStorage, "bounded", CACHE);
				boundedParts.add(bounded.changes(null).collectList().toFuture());
			}
		}
		assertEquals(whole.vector(), bounded.vector(), where);
		long entities = 4L * ENTITIES_PER_TYPE;
		assertTrue(await(boundedStorage.projections().count()) > entities - 10 * CACHE,
				where + ": the store holds nearly all entities before any checkpoint of the interval: "
						+ await(boundedStorage.projections().count()));
		List<String> expected = view(whole);
		assertSameView(expected, view(bounded), where + ", after the events");

		// a restart: the unsaved folds come back by replaying the log after the checkpoint
		await(bounded.closeAsync());
		bounded = open(boundedStorage, "bounded", CACHE);
		boundedParts.add(bounded.changes(null).collectList().toFuture());
		assertSameView(expected, view(bounded), where + ", after a restart");

		// an erase of a user whose events are spread over entities long evicted
		long erasedWhole = await(whole.erase("erased"));
		long erasedBounded = await(bounded.erase("erased"));
		assertEquals(erasedWhole, erasedBounded, where);
		assertTrue(erasedBounded > 100, where + ": many events erased");
		List<String> afterErase = view(whole);
		assertSameView(afterErase, view(bounded), where + ", after the erase");

		// a fill puts the erased events back: the projection is the one before the erase again
		List<Event> own = events.stream().filter(e -> "erased".equals(e.userId())).toList();
		assertEquals(await(whole.fill(own)), await(bounded.fill(own)), where);
		List<String> afterFill = view(whole);
		assertSameView(afterFill, view(bounded), where + ", after the fill");
		assertEquals(expected.stream().filter(l -> !l.startsWith("conflict")).toList(),
				afterFill.stream().filter(l -> !l.startsWith("conflict")).toList(),
				where + ": the fill restored the states the erase changed");

		await(bounded.closeAsync());
		bounded = open(boundedStorage, "bounded", CACHE);
		assertSameView(afterFill, view(bounded), where + ", after the fill and a restart");

		await(whole.closeAsync());
		await(bounded.closeAsync());
		List<String> boundedAll = new ArrayList<>();
		for (CompletableFuture<List<EntityChange>> part : boundedParts) {
			boundedAll.addAll(changes(part));
		}
		List<String> wholeAll = changes(wholeChanges);
		assertSameView(wholeAll, boundedAll, where + ", the changes");
	}
}
