package io.tributary;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The Jackson configuration of typed payloads: how records, POJOs, {@code java.time} values and {@code Optional}
 * are written by {@link ReplicaView#put(String, String, Object)} and read back by
 * {@link ReplicaView#get(String, String, Class)} and its siblings. An engine uses {@link #defaults()} unless its
 * builder is given a mapper of the application's ({@link SyncEngine.Builder#objectMapper(ObjectMapper)}).
 */
public final class JsonMapping {

	private JsonMapping() {
	}

	/**
	 * A new mapper with the engine's defaults, which an application may configure further:
	 * <ul>
	 * <li>{@code JavaTimeModule} and {@code Jdk8Module} registered: {@code Instant}, {@code LocalDate} and the other
	 * {@code java.time} types, and {@code Optional} (empty is written as {@code null}), work in records;</li>
	 * <li>dates and times are written as ISO-8601 strings ({@code "2026-12-03T18:04:24Z"}), not numbers, and
	 * read back without being moved to the mapper's time zone;</li>
	 * <li>unknown properties fail a typed read ({@link DocumentMismatchException}): a document that holds a field
	 * the class lacks is a mismatch to see (an upcaster missing, a class behind the schema), not data to drop;</li>
	 * <li>a {@code null} or missing value for a primitive field fails a typed read rather than becoming 0 or
	 * {@code false}; a missing field of a reference type reads as {@code null} (or an empty {@code Optional});</li>
	 * <li>every property is written, {@code null} ones included: in a patch a {@code null} removes the field.</li>
	 * </ul>
	 *
	 * @return a new mapper; thread-safe once configured
	 */
	public static ObjectMapper defaults() {
		return JsonMapper.builder()
				.addModule(new JavaTimeModule())
				.addModule(new Jdk8Module())
				.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
				.disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
				.disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
				.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
				.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
				.build();
	}
}
