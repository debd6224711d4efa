package io.tributary.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.tributary.ConflictStrategy;
import io.tributary.CustomResolver;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.ProjectionPolicy;
import io.tributary.Uuid7;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.EntityRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The merge a shared store applies when two engines save folds of one entity ({@code ProjectionStore.merger}):
 * it equals folding the union of both folds' events, and it is commutative and idempotent, under every strategy
 * (a CUSTOM fold that throws on some events included). A seeded random loop: the seed is in every failure message;
 * rerun one with {@code -Dtributary.seed=<seed>}.
 */
class FoldMergeTest {

	private static final long T0 = 1_700_000_000_000L;
	private static final List<String> ORIGINS = List.of("a", "b", "c");

	/** Order-sensitive, and it throws on a payload with {@code "boom"}: such events stay out of the fold. */
	private static final CustomResolver ORDERED = (current, event, payload) -> {
		if (payload == null) {
			return null;
		}
		if (payload.has("boom")) {
			throw new IllegalArgumentException("boom");
		}
		ObjectNode doc = current != null ? current : JsonNodeFactory.instance.objectNode();
		doc.setAll(payload);
		doc.put("h", (doc.path("h").asLong() * 31 + event.origin().hashCode() * 7L + event.originSeq()) & 0xFFFFFFL);
		return doc;
	};

	private static ProjectionPolicy policy(ConflictStrategy strategy) {
		return strategy == ConflictStrategy.CUSTOM ? ProjectionPolicy.builder().custom("doc", ORDERED).build()
				: ProjectionPolicy.builder().defaultStrategy(strategy).originRanking(List.of("b", "a")).build();
	}

	private static List<Event> events(Random random) {
		List<Event> out = new ArrayList<>();
		long[] seq = new long[ORIGINS.size()];
		int n = 2 + random.nextInt(12);
		for (int i = 0; i < n; i++) {
			int o = random.nextInt(ORIGINS.size());
			long millis = T0 + random.nextInt(50);
			int kind = random.nextInt(10);
			Op op = kind < 4 ? Op.PUT : kind < 8 ? Op.PATCH : Op.DELETE;
			ObjectNode payload = JsonNodeFactory.instance.objectNode();
			payload.put(random.nextBoolean() ? "x" : "y", random.nextInt(5));
			if (random.nextInt(6) == 0) {
				payload.put("boom", true);
			}
			byte[] bytes = op == Op.DELETE ? null : payload.toString().getBytes(StandardCharsets.UTF_8);
			out.add(new Event(Uuid7.create(millis), ORIGINS.get(o), ++seq[o], Hlc.pack(millis, random.nextInt(3)), "doc",
					"e", op, bytes, null, null, 1, 0));
		}
		return out;
	}

	/** The saved fold of a set of events, folded in the given order. */
	private static EntityRecord fold(ProjectionPolicy policy, List<Event> events) {
		Projector p = new Projector(policy, new InMemoryStorage().projections(), 10, true);
		for (Event e : events) {
			try {
				p.apply(e);
			}
			catch (RuntimeException thrown) {
				// a custom fold that throws: the event stays out, as on every replica
			}
		}
		List<Projector.FoldSnapshot> saved = p.snapshotDirty();
		return saved.isEmpty() ? null : saved.get(0).encode();
	}

	private static String describe(Projector reader, EntityRecord r) {
		if (r == null) {
			return "nothing folds";
		}
		EntityState s = reader.state(r);
		return (s == null ? "nothing folds" : s.json() + " deleted=" + s.deleted() + " version=" + s.version())
				+ " document=" + (r.document() == null ? "null" : new String(r.document(), StandardCharsets.UTF_8))
				+ " user=" + r.userId() + " fold=" + Arrays.hashCode(r.fold());
	}

	@ParameterizedTest
	@EnumSource(ConflictStrategy.class)
	void mergeEqualsFoldingTheUnionAndIsCommutativeAndIdempotent(ConflictStrategy strategy) {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		ProjectionPolicy policy = policy(strategy);
		Projector merger = new Projector(policy, new InMemoryStorage().projections(), 10, true);
		int compared = 0;
		for (int c = 0; c < 300; c++) {
			Random random = new Random(seed + c);
			String where = strategy + ", case " + c + ", seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
			List<Event> all = events(random);
			// two overlapping subsets, each folded in an order of its own
			List<Event> left = new ArrayList<>();
			List<Event> right = new ArrayList<>();
			Set<Event> covered = new HashSet<>();
			for (Event e : all) {
				int side = random.nextInt(3);
				if (side != 1) {
					left.add(e);
					covered.add(e);
				}
				if (side != 0) {
					right.add(e);
					covered.add(e);
				}
			}
			java.util.Collections.shuffle(left, random);
			java.util.Collections.shuffle(right, random);
			EntityRecord l = fold(policy, left);
			EntityRecord r = fold(policy, right);
			EntityRecord union = fold(policy, new ArrayList<>(covered));
			if (l == null || r == null || union == null) {
				continue; // nothing of one side folds: a store has no row to merge with
			}
			compared++;
			EntityRecord lr = merger.merge(l, r);
			EntityRecord rl = merger.merge(r, l);
			assertEquals(describe(merger, union), describe(merger, lr), where + ": merge equals the fold of the union");
			assertEquals(describe(merger, lr), describe(merger, rl), where + ": commutative");
			assertEquals(describe(merger, l), describe(merger, merger.merge(l, l)), where + ": idempotent");
			assertEquals(describe(merger, lr), describe(merger, merger.merge(lr, r)), where + ": merging again adds nothing");
		}
		assertTrue(compared > 100, "enough cases had folds on both sides: " + compared);
	}
}
