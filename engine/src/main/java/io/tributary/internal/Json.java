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
		return toBytes(payload, null);
	}

	/**
	 * Turns a payload into UTF-8 JSON bytes, without checking them: JSON text, UTF-8 bytes and trees as they are,
	 * maps, records and other objects through the application's mapper.
	 *
	 * @param payload a {@code String}, {@code byte[]}, {@code JsonNode}, or, with a mapper, any object the mapper
	 *        writes as a JSON object
	 * @param mapper the application's mapper, or {@code null} to accept only the forms above and {@code Map}
	 * @return UTF-8 JSON
	 * @throws ValidationException for an object the mapper cannot write, or that is not written as an object
	 */
	public static byte[] toBytes(Object payload, ObjectMapper mapper) {
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
			if (payload != null && mapper != null) {
				byte[] bytes = mapper.writeValueAsBytes(payload);
				if (bytes.length == 0 || bytes[0] != '{') {
					throw new ValidationException("payload must be a JSON object; the "
							+ payload.getClass().getName() + " was written as "
							+ new String(bytes, 0, Math.min(bytes.length, 40), java.nio.charset.StandardCharsets.UTF_8));
				}
				return bytes;
			}
			if (payload instanceof Map) {
				return MAPPER.writeValueAsBytes(payload);
			}
		}
		catch (IOException e) {
			throw new ValidationException("payload of " + payload.getClass().getName() + " could not be written as JSON: "
					+ (e instanceof com.fasterxml.jackson.core.JsonProcessingException
							? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()
							: e.getMessage()), e);
		}
		throw new ValidationException("payload must be a JSON object as String, byte[], JsonNode or Map, was "
				+ (payload == null ? "null" : payload.getClass().getName()));
	}

	/**
	 * Reads a document as an application class.
	 *
	 * @param mapper the application's mapper
	 * @param type entity type, for the error
	 * @param entityId entity id, for the error
	 * @param document UTF-8 JSON of an object
	 * @param valueType the class
	 * @param <T> the class
	 * @return the value, never {@code null}
	 * @throws io.tributary.DocumentMismatchException when the document does not fit the class
	 */
	public static <T> T read(ObjectMapper mapper, String type, String entityId, byte[] document, Class<T> valueType) {
		try {
			T value = mapper.readValue(document, valueType);
			if (value == null) {
				throw new io.tributary.DocumentMismatchException(type, entityId, null, valueType,
						new IllegalStateException("the mapper read the document as null"));
			}
			return value;
		}
		catch (IOException e) {
			throw mismatch(type, entityId, valueType, e);
		}
	}

	/**
	 * Reads a tree as an application class.
	 *
	 * @param mapper the application's mapper
	 * @param type entity type, for the error
	 * @param entityId entity id, for the error
	 * @param tree a JSON object
	 * @param valueType the class
	 * @param <T> the class
	 * @return the value, never {@code null}
	 * @throws io.tributary.DocumentMismatchException when the tree does not fit the class
	 */
	public static <T> T read(ObjectMapper mapper, String type, String entityId, ObjectNode tree, Class<T> valueType) {
		try {
			T value = mapper.treeToValue(tree, valueType);
			if (value == null) {
				throw new io.tributary.DocumentMismatchException(type, entityId, null, valueType,
						new IllegalStateException("the mapper read the document as null"));
			}
			return value;
		}
		catch (IOException | IllegalArgumentException e) {
			throw mismatch(type, entityId, valueType, e);
		}
	}

	private static io.tributary.DocumentMismatchException mismatch(String type, String entityId, Class<?> valueType,
			Exception e) {
		String field = null;
		if (e instanceof com.fasterxml.jackson.databind.JsonMappingException) {
			StringBuilder path = new StringBuilder();
			for (com.fasterxml.jackson.databind.JsonMappingException.Reference r
					: ((com.fasterxml.jackson.databind.JsonMappingException) e).getPath()) {
				if (r.getFieldName() != null) {
					path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
				}
				else if (r.getIndex() >= 0) {
					path.append('[').append(r.getIndex()).append(']');
				}
			}
			field = path.length() == 0 ? null : path.toString();
		}
		return new io.tributary.DocumentMismatchException(type, entityId, field, valueType, e);
	}

	/**
	 * Writes an application value as a JSON object tree.
	 *
	 * @param mapper the application's mapper
	 * @param value the value
	 * @return a new mutable tree
	 * @throws IllegalStateException when the value is not written as an object
	 */
	public static ObjectNode tree(ObjectMapper mapper, Object value) {
		JsonNode node = mapper.valueToTree(value);
		if (!(node instanceof ObjectNode)) {
			throw new IllegalStateException(value.getClass().getName() + " is not written as a JSON object but as "
					+ (node == null ? "null" : node.getNodeType()));
		}
		return (ObjectNode) node;
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
