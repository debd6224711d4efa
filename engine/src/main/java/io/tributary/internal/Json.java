package io.tributary.internal;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.Limits;
import io.tributary.ValidationException;

/**
 * JSON helpers shared by the engine: one configured mapper and merge patches (payloads are checked by
 * {@link Limits#checkPayload(byte[])}). Internal: not part of the API.
 */
public final class Json {

	/**
	 * The engine's mapper. Thread-safe. Its parser is wider than {@link Limits} (it reads stored payloads,
	 * which the limits checked on the way in), and numbers keep their exact value: a float with more digits
	 * than a double holds, or beyond a double's range, folds into the projection as it was written.
	 */
	public static final ObjectMapper MAPPER = new ObjectMapper(Limits.jsonFactory(0, Integer.MAX_VALUE))
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
			.configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

	private Json() {
	}

	/**
	 * Turns a payload in one of the accepted forms into UTF-8 JSON bytes, without checking them.
	 *
	 * @param payload a {@code String}, {@code byte[]}, {@code JsonNode} or {@code Map}
	 * @return UTF-8 JSON
	 * @throws ValidationException for another type, or a tree that is not an object
	 */
	public static byte[] toBytes(Object payload) {
		try {
			if (payload instanceof byte[]) {
				return (byte[]) payload;
			}
			if (payload instanceof String) {
				return ((String) payload).getBytes(java.nio.charset.StandardCharsets.UTF_8);
			}
			if (payload instanceof JsonNode) {
				if (!((JsonNode) payload).isObject()) {
					throw new ValidationException("payload must be a JSON object, was " + ((JsonNode) payload).getNodeType());
				}
				return MAPPER.writeValueAsBytes(payload);
			}
			if (payload instanceof Map) {
				return MAPPER.writeValueAsBytes(payload);
			}
		}
		catch (IOException e) {
			throw new ValidationException("payload could not be written as JSON: " + e.getMessage(), e);
		}
		throw new ValidationException("payload must be a JSON object as String, byte[], JsonNode or Map, was "
				+ (payload == null ? "null" : payload.getClass().getName()));
	}

	/**
	 * Parses a stored JSON object.
	 *
	 * @param bytes UTF-8 JSON of an object
	 * @return a new mutable node
	 */
	public static ObjectNode parseObject(byte[] bytes) {
		try {
			return (ObjectNode) MAPPER.readTree(bytes);
		}
		catch (IOException | ClassCastException e) {
			throw new IllegalStateException("stored payload is not a JSON object", e);
		}
	}

	/**
	 * Writes a node as UTF-8 JSON.
	 *
	 * @param node the node
	 * @return the bytes
	 */
	public static byte[] bytes(JsonNode node) {
		try {
			return MAPPER.writeValueAsBytes(node);
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/**
	 * Applies a patch's top-level fields: a {@code null} value removes the field, any other replaces it.
	 *
	 * @param target the document, modified
	 * @param patch the patch
	 */
	public static void shallowMerge(ObjectNode target, ObjectNode patch) {
		for (Map.Entry<String, JsonNode> f : patch.properties()) {
			if (f.getValue().isNull()) {
				target.remove(f.getKey());
			}
			else {
				target.set(f.getKey(), f.getValue().deepCopy());
			}
		}
	}

	/**
	 * Applies a JSON merge patch (RFC 7386) recursively.
	 *
	 * @param target the document, modified
	 * @param patch the patch
	 */
	public static void deepMerge(ObjectNode target, ObjectNode patch) {
		for (Map.Entry<String, JsonNode> f : patch.properties()) {
			JsonNode value = f.getValue();
			if (value.isNull()) {
				target.remove(f.getKey());
			}
			else if (value.isObject()) {
				JsonNode existing = target.get(f.getKey());
				ObjectNode child = existing != null && existing.isObject() ? (ObjectNode) existing : target.objectNode();
				deepMerge(child, (ObjectNode) value);
				target.set(f.getKey(), child);
			}
			else {
				target.set(f.getKey(), value.deepCopy());
			}
		}
	}
}
