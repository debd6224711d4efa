package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.tributary.memory.InMemoryStorage;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replicas that hold the same events hold the same state, whatever order, batching and duplication the
 * events arrived in, and however skewed their wall clocks are. A seeded random loop: the seed is in every
 * failure message; rerun one with {@code -Dtributary.seed=<seed>}.
 */
class ConvergencePropertyTest {

	private static final int CASES_PER_STRATEGY = 250;
	private static final int REPLICAS = 3;
	private static final long T0 = 1_700_000_000_000L;
	private static final String TYPE = "doc";
	private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3");
	private static final String[] TEXTS = { "", "plain", "\u00E9t\u00E9", "\u05E9\u05DC\u05D5\u05DD\u200F",
			"\uD83D\uDE80", "a\u0000b" };

	/** An order-sensitive fold: {@code n} counts events since the last delete, {@code h} hashes their order. */
	private static final CustomResolver ORDERED = (current, event, payload) -> {
		if (payload == null) {
			return null;
		}
		ObjectNode doc = current != null ? current : JsonNodeFactory.instance.objectNode();
		if (event.op() == Op.PUT) {
			doc.removeAll();
		}
		long n = doc.path("n").asLong();
		long h = doc.path("h").asLong();
		payload.properties().forEach(f -> {
			if (f.getValue().isNull()) {
				doc.remove(f.getKey());
			}
			else {
				doc.set(f.getKey(), f.getValue());
			}
		});
		doc.put("n", n + 1);
		doc.put("h", (h * 31 + event.origin().hashCode() * 7L + event.originSeq()) & 0xFFFFFFL);
		return doc;
	};

	/** The documents of {@link #TYPED_ORDERED}: the payloads' fields (null when absent), whatever their JSON kind, and the
	 * counters (boxed: a payload proposes none, and a missing primitive is a mismatch). */
	record Doc(com.fasterxml.jackson.databind.JsonNode a,
			com.fasterxml.jackson.databind.JsonNode b,
			com.fasterxml.jackson.databind.JsonNode c,
			com.fasterxml.jackson.databind.JsonNode o, Long n, Long h) {
	}

	/** {@link #ORDERED} written against a record: the typed resolver's proposal already holds the patched fields. */
	private static final CustomResolver TYPED_ORDERED = CustomResolver.typed(Doc.class, (mine, theirs, event) -> {
		if (theirs == null) {
			return null;
		}
		boolean fresh = mine == null || event.op() == Op.PUT;
		long n = fresh ? 0 : mine.n();
		long h = fresh ? 0 : mine.h();
		return new Doc(theirs.a(), theirs.b(), theirs.c(), theirs.o(), n + 1,
				(h * 31 + event.origin().hashCode() * 7L + event.originSeq()) & 0xFFFFFFL);
	});

	private static long baseSeed() {
		return Long.getLong("tributary.seed", System.nanoTime());
	}

	@ParameterizedTest
	@EnumSource(ConflictStrategy.class)
	void replicasConvergeWhateverTheDeliveryOrder(ConflictStrategy strategy) {
		long seed = baseSeed();
		for (int c = 0; c < CASES_PER_STRATEGY; c++) {
			long caseSeed = seed + 1_000_003L * c + strategy.ordinal();
			String where = "strategy " + strategy + ", case " + c + ", seed " + seed
					+ " (rerun with -Dtributary.seed=" + seed + ")";
			try {
				new Case(strategy, new Random(caseSeed), where).run();
			}
			catch (AssertionError e) {
				throw e;
			}
			catch (RuntimeException e) {
				fail(where + ": " + e, e);
			}
		}
	}

	@org.junit.jupiter.api.Test
	void replicasConvergeUnderATypedCustomFoldOfRecords() {
		ProjectionPolicy typed = ProjectionPolicy.builder().custom(TYPE, TYPED_ORDERED).build();
		try (SyncEngine one = await(SyncEngine.builder().storage(new InMemoryStorage()).projection(typed).open())) {
			await(one.put(TYPE, "k", "{\"a\":1,\"o\":{\"x\":\"y\"}}").then(one.patch(TYPE, "k", "{\"a\":null,\"b\":\"t\"}")));
			Doc doc = await(one.get(TYPE, "k", Doc.class));
			assertEquals(2L, doc.n(), "both events folded through the record");
			assertTrue(doc.a() == null || doc.a().isNull(), "the patch's null cleared the field");
			assertEquals("t", doc.b().asText());
			assertEquals("y", doc.o().get("x").asText());
		}
		long seed = baseSeed();
		for (int c = 0; c < CASES_PER_STRATEGY; c++) {
			long caseSeed = seed + 1_000_003L * c + 97;
			String where = "typed CUSTOM, case " + c + ", seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
			try {
				new Case(ProjectionPolicy.builder().custom(TYPE, TYPED_ORDERED).build(), new Random(caseSeed), where).run();
			}
			catch (AssertionError e) {
				throw e;
			}
			catch (RuntimeException e) {
				fail(where + ": " + e, e);
			}
		}
	}

	private static final class Case {
		private final Random random;
		private final String where;
		private final ProjectionPolicy policy;
		private final InMemoryStorage[] storages = new InMemoryStorage[REPLICAS];
		private final MutableClock[] clocks = new MutableClock[REPLICAS];
		private final SyncEngine[] engines = new SyncEngine[REPLICAS];

		Case(ConflictStrategy strategy, Random random, String where) {
			this.random = random;
			this.where = where;
			this.policy = policy(strategy);
		}

		Case(ProjectionPolicy policy, Random random, String where) {
			this.random = random;
			this.where = where;
			this.policy = policy;
		}

		private ProjectionPolicy policy(ConflictStrategy strategy) {
			if (strategy == ConflictStrategy.CUSTOM) {
				return ProjectionPolicy.builder().custom(TYPE, ORDERED).build();
			}
			List<String> origins = new ArrayList<>(List.of("r0", "r1", "r2"));
			Collections.shuffle(origins, random);
			return ProjectionPolicy.builder().defaultStrategy(strategy)
					.originRanking(origins.subList(0, random.nextInt(REPLICAS + 1))).build();
		}

		private SyncEngine open(int i) {
			return await(SyncEngine.builder().storage(storages[i]).origin("r" + i).clock(clocks[i]).projection(policy)
					.checkpointInterval(Duration.ofHours(1)).open());
		}

		void run() {
			for (int i = 0; i < REPLICAS; i++) {
				storages[i] = new InMemoryStorage();
				// skewed by up to 5 s either way, so a replica's stamps may trail another's by seconds
				clocks[i] = new MutableClock(T0 + random.nextInt(10_001) - 5_000);
				engines[i] = open(i);
			}
			try {
				int rounds = 1 + random.nextInt(3);
				for (int r = 0; r < rounds; r++) {
					for (int i = 0; i < REPLICAS; i++) {
						writeRandomly(i, random.nextInt(7));
					}
					exchangePartially();
					if (random.nextInt(10) == 0) {
						restart(random.nextInt(REPLICAS));
					}
				}
				exchangeUntilEqualVectors();
				assertSameState();
			}
			finally {
				for (SyncEngine e : engines) {
					await(e.closeAsync());
				}
			}
		}

		private void restart(int i) {
			if (random.nextBoolean()) {
				await(engines[i].closeAsync());
			}
			else {
				await(engines[i].checkpoint());
			}
			engines[i] = open(i);
		}

		private void writeRandomly(int i, int writes) {
			for (int w = 0; w < writes; w++) {
				int step = random.nextInt(10);
				// mostly forward, sometimes the same millisecond, sometimes a backward jump
				clocks[i].advance(step < 6 ? random.nextInt(4) : step < 9 ? 0 : -random.nextInt(200));
				String key = KEYS.get(random.nextInt(KEYS.size()));
				int op = random.nextInt(20);
				if (op < 10) {
					await(engines[i].put(TYPE, key, payload(false)));
				}
				else if (op < 17) {
					await(engines[i].patch(TYPE, key, payload(true)));
				}
				else {
					await(engines[i].delete(TYPE, key));
				}
			}
		}

		private ObjectNode payload(boolean patch) {
			ObjectNode o = JsonNodeFactory.instance.objectNode();
			for (String field : List.of("a", "b", "c", "o")) {
				int pick = random.nextInt(6);
				if (pick == 0 || pick == 1) {
					continue;
				}
				if (pick == 2 && patch) {
					o.putNull(field);
				}
				else if (field.equals("o")) {
					ObjectNode nested = o.putObject("o");
					for (String sub : List.of("x", "y", "z")) {
						int p = random.nextInt(4);
						if (p == 0 && patch) {
							nested.putNull(sub);
						}
						else if (p == 1) {
							nested.put(sub, random.nextInt(100));
						}
						else if (p == 2) {
							nested.put(sub, TEXTS[random.nextInt(TEXTS.length)]);
						}
					}
				}
				else if (pick == 3) {
					o.put(field, random.nextInt(1000));
				}
				else {
					o.put(field, TEXTS[random.nextInt(TEXTS.length)]);
				}
			}
			return o;
		}

		private List<Event> everything(SyncEngine source) {
			return source.lacking(VersionVector.empty(), Integer.MAX_VALUE).collectList().block(TIMEOUT);
		}

		private void deliver(List<Event> events, SyncEngine target, boolean lossy) {
			List<Event> shuffled = new ArrayList<>(events);
			if (!shuffled.isEmpty() && random.nextInt(3) == 0) {
				// duplicates inside the delivery
				for (int d = random.nextInt(4); d >= 0; d--) {
					shuffled.add(shuffled.get(random.nextInt(shuffled.size())));
				}
			}
			Collections.shuffle(shuffled, random);
			int from = 0;
			while (from < shuffled.size()) {
				int to = Math.min(shuffled.size(), from + 1 + random.nextInt(6));
				List<Event> batch = shuffled.subList(from, to);
				if (!lossy || random.nextInt(4) != 0) {
					await(target.apply(List.copyOf(batch)));
				}
				from = to;
			}
		}

		private void exchangePartially() {
			int exchanges = random.nextInt(4);
			for (int x = 0; x < exchanges; x++) {
				int src = random.nextInt(REPLICAS);
				int dst = random.nextInt(REPLICAS);
				if (src == dst) {
					continue;
				}
				List<Event> events = random.nextBoolean() ? everything(engines[src])
						: engines[src].lacking(engines[dst].vector(), 1 + random.nextInt(10)).collectList().block(TIMEOUT);
				deliver(events, engines[dst], true);
			}
		}

		private void exchangeUntilEqualVectors() {
			for (int pass = 0; pass < 4; pass++) {
				for (int dst = 0; dst < REPLICAS; dst++) {
					for (int src = 0; src < REPLICAS; src++) {
						if (src != dst) {
							deliver(everything(engines[src]), engines[dst], false);
						}
					}
				}
				if (engines[0].vector().equals(engines[1].vector()) && engines[1].vector().equals(engines[2].vector())) {
					return;
				}
			}
			fail(where + ": vectors did not converge: " + engines[0].vector() + " " + engines[1].vector() + " "
					+ engines[2].vector());
		}

		private void assertSameState() {
			List<String> reference = describe(engines[0]);
			for (int i = 1; i < REPLICAS; i++) {
				assertEquals(reference, describe(engines[i]), where + ": replica r" + i + " differs from r0");
			}
		}

		private List<String> describe(SyncEngine engine) {
			List<String> out = new ArrayList<>();
			for (EntityState s : engine.query(TYPE).collectList().block(TIMEOUT)) {
				out.add("live " + s.entityId() + " " + s.json() + " deleted=" + s.deleted() + " version=" + s.version());
			}
			for (String key : KEYS) {
				EntityState s = await(engine.get(TYPE, key));
				out.add(s == null ? key + " unknown"
						: key + " " + s.json() + " deleted=" + s.deleted() + " version=" + s.version() + " hlc="
								+ Hlc.toString(s.hlc()) + " origin=" + s.origin());
			}
			return out;
		}
	}
}
