package io.tributary.perf;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * What the writers write, generated once from a seed so that payload generation costs nothing while a
 * phase is timed: a key space of entity ids and a pool of JSON payloads of about the requested size.
 * Event {@code i} of a run always gets the same entity and payload, whatever the number of writers.
 * Immutable and thread-safe.
 */
final class Workload {

	/** The entity type every event is written to. */
	static final String TYPE = "task";

	private static final String[] TAGS = { "home", "work", "errand", "urgent", "later", "red", "green", "blue" };
	private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz      ";
	private static final int POOL_BYTES = 16 * 1024 * 1024;
	private static final long GOLDEN = 0x9E3779B97F4A7C15L;

	private final long seed;
	private final String[] entityIds;
	private final byte[][] payloads;

	Workload(int entities, int payloadBytes, long seed) {
		this(entities, payloadBytes, seed, "t-");
	}

	/**
	 * A workload whose entity ids start with a prefix of its own: writers with different prefixes never write
	 * the same entity.
	 *
	 * @param entities entity key space
	 * @param payloadBytes payload size
	 * @param seed the seed of the entities' and payloads' choice
	 * @param idPrefix what each entity id starts with
	 */
	Workload(int entities, int payloadBytes, long seed, String idPrefix) {
		if (entities < 1) {
			throw new IllegalArgumentException("entities must be at least 1: " + entities);
		}
		if (payloadBytes < 1) {
			throw new IllegalArgumentException("payloadBytes must be at least 1: " + payloadBytes);
		}
		this.seed = seed;
		this.entityIds = new String[entities];
		int width = Integer.toString(entities - 1).length();
		for (int i = 0; i < entities; i++) {
			entityIds[i] = idPrefix + "0".repeat(width - Integer.toString(i).length()) + i;
		}
		// enough distinct payloads that no two neighbours repeat, without holding more than ~16 MiB
		int pool = Math.max(16, Math.min(1024, POOL_BYTES / payloadBytes));
		SplittableRandom random = new SplittableRandom(seed);
		this.payloads = new byte[pool][];
		for (int i = 0; i < pool; i++) {
			payloads[i] = payload(random, payloadBytes);
		}
	}

	/**
	 * A JSON object like {@code {"title":"...","n":123,"done":false,"tags":["work"]}}, its title padded so
	 * the whole is {@code size} bytes (it is longer only when {@code size} is below the fields' minimum).
	 */
	static byte[] payload(SplittableRandom random, int size) {
		StringBuilder tags = new StringBuilder();
		int tagCount = 1 + random.nextInt(3);
		for (int t = 0; t < tagCount; t++) {
			tags.append(t == 0 ? "" : ",").append('"').append(TAGS[random.nextInt(TAGS.length)]).append('"');
		}
		String rest = "\",\"n\":" + random.nextInt(1_000_000) + ",\"done\":" + random.nextBoolean() + ",\"tags\":["
				+ tags + "]}";
		String head = "{\"title\":\"";
		int titleLength = Math.max(0, size - head.length() - rest.length());
		StringBuilder json = new StringBuilder(size).append(head);
		for (int c = 0; c < titleLength; c++) {
			// a title neither starts nor ends with a blank
			json.append(c == 0 || c == titleLength - 1 ? (char) ('a' + random.nextInt(26))
					: LETTERS.charAt(random.nextInt(LETTERS.length())));
		}
		return json.append(rest).toString().getBytes(StandardCharsets.UTF_8);
	}

	/** The entity index of event {@code i}: uniform over the key space. */
	int entityOf(long i) {
		return (int) Long.remainderUnsigned(mix(seed + (i + 1) * GOLDEN), entityIds.length);
	}

	/** The payload index of event {@code i}. */
	int payloadOf(long i) {
		return (int) Long.remainderUnsigned(mix(~seed + (i + 1) * GOLDEN), payloads.length);
	}

	String entityId(int entity) {
		return entityIds[entity];
	}

	/** A pooled payload: shared, must not be modified. */
	byte[] payload(int index) {
		return payloads[index];
	}

	int entities() {
		return entityIds.length;
	}

	/** The mean size of the pooled payloads, in bytes. */
	double meanPayloadBytes() {
		long sum = 0;
		for (byte[] p : payloads) {
			sum += p.length;
		}
		return (double) sum / payloads.length;
	}

	/** SplitMix64's finalizer: a well-mixed 64-bit value of any input. */
	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}
}
