package io.tributary.perf.jmh;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.Uuid7;

/**
 * Events for the benchmarks, generated from a fixed seed.
 */
final class BenchEvents {

	private static final long T0 = 1_700_000_000_000L;

	private BenchEvents() {
	}

	/**
	 * Events from {@code origins} origins over {@code entities} entities: puts and patches of small JSON
	 * objects, each origin's in sequence, interleaved, every third one written without seeing the entity's
	 * head (concurrent with the others).
	 */
	static List<Event> generate(int count, int origins, int entities, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<Event> events = new ArrayList<>(count);
		long[] seq = new long[origins];
		UUID[] heads = new UUID[entities];
		for (int i = 0; i < count; i++) {
			int o = random.nextInt(origins);
			int entity = random.nextInt(entities);
			long millis = T0 + i / 4;
			UUID id = Uuid7.create(millis);
			Op op = random.nextInt(3) == 0 ? Op.PATCH : Op.PUT;
			String json = "{\"title\":\"task " + i + "\",\"n\":" + random.nextInt(1000) + ",\"done\":"
					+ random.nextBoolean() + "}";
			UUID base = i % 3 == 0 ? null : heads[entity];
			events.add(new Event(id, "origin-" + o, ++seq[o], Hlc.pack(millis, i % 4), "task", "t-" + entity, op,
					json.getBytes(StandardCharsets.UTF_8), base, null, 1, i + 1L));
			heads[entity] = id;
		}
		return events;
	}
}
