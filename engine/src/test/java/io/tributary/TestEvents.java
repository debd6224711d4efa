package io.tributary;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import reactor.core.publisher.Mono;

/**
 * Builds events as a remote replica would have written them, and small helpers shared by the engine tests.
 */
public final class TestEvents {

	/** Upper bound for any single blocking wait in a test. */
	public static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private TestEvents() {
	}

	/**
	 * An event of a remote origin, not yet stored (position 0).
	 *
	 * @param origin origin
	 * @param seq origin sequence
	 * @param millis wall-clock millis of its stamp (counter 0)
	 * @param type entity type
	 * @param entityId entity id
	 * @param op operation
	 * @param json payload JSON, {@code null} for a delete
	 * @param base the head the writer saw, or {@code null}
	 * @return the event
	 */
	public static Event event(String origin, long seq, long millis, String type, String entityId, Op op, String json,
			UUID base) {
		return new Event(Uuid7.create(millis), origin, seq, Hlc.pack(millis, 0), type, entityId, op,
				json == null ? null : json.getBytes(StandardCharsets.UTF_8), base, null, 1, 0);
	}

	/**
	 * A PUT of a remote origin without a base.
	 *
	 * @param origin origin
	 * @param seq origin sequence
	 * @param millis stamp millis
	 * @param entityId entity id of type {@code doc}
	 * @param json payload
	 * @return the event
	 */
	public static Event put(String origin, long seq, long millis, String entityId, String json) {
		return event(origin, seq, millis, "doc", entityId, Op.PUT, json, null);
	}

	/**
	 * Parses JSON text into a tree, for comparisons that ignore field order.
	 *
	 * @param json the text
	 * @return the tree
	 */
	public static JsonNode tree(String json) {
		try {
			return MAPPER.readTree(json);
		}
		catch (java.io.IOException e) {
			throw new IllegalArgumentException(json, e);
		}
	}

	/**
	 * Waits for a {@code Mono} with the test timeout.
	 *
	 * @param <T> value type
	 * @param mono the publisher
	 * @return its value
	 */
	public static <T> T await(Mono<T> mono) {
		return mono.block(TIMEOUT);
	}
}
