package io.tributary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.internal.Bytes;
import io.tributary.internal.Json;

import org.jspecify.annotations.Nullable;

/**
 * Which payload fields are sensitive: their values are replaced by the string {@value #REDACTED} before an
 * event is stored, so they never reach the store, a peer, a log line or an exception message.
 * <p>
 * A <em>field</em> is a key matched at any depth of the payload (inside nested objects and arrays of
 * objects); a <em>path</em> is a dot-separated chain of keys from the payload's root ({@code "card.number"}).
 * Each applies to every entity type, or to one. Any value of a matched key is replaced (a string, number,
 * object or array) except JSON {@code null}, which carries nothing (in a PATCH it removes the field).
 * Immutable and thread-safe; build with {@link #builder()}.
 *
 * <pre>{@code
 * Redaction r = Redaction.builder().field("password").path("patient", "contact.email").build();
 * }</pre>
 */
public final class Redaction {

	/** What a sensitive value is replaced with. */
	public static final String REDACTED = "[REDACTED]";

	private static final Redaction NONE = new Redaction(Set.of(), Map.of(), Set.of(), Map.of());

	private final Set<String> fields;
	private final Map<String, Set<String>> typeFields;
	private final Set<List<String>> paths;
	private final Map<String, Set<List<String>>> typePaths;
	/** Every key of every rule, as quoted UTF-8, for the cheap check that skips payloads without one. */
	private final List<byte[]> quotedKeys;

	private Redaction(Set<String> fields, Map<String, Set<String>> typeFields, Set<List<String>> paths,
			Map<String, Set<List<String>>> typePaths) {
		this.fields = fields;
		this.typeFields = typeFields;
		this.paths = paths;
		this.typePaths = typePaths;
		Set<String> keys = new HashSet<>(fields);
		typeFields.values().forEach(keys::addAll);
		paths.forEach(keys::addAll);
		typePaths.values().forEach(s -> s.forEach(keys::addAll));
		List<byte[]> quoted = new ArrayList<>();
		for (String k : keys) {
			quoted.add(("\"" + k + "\"").getBytes(StandardCharsets.UTF_8));
		}
		this.quotedKeys = quoted;
	}

	/**
	 * No sensitive fields: payloads are stored as written.
	 *
	 * @return the empty configuration
	 */
	public static Redaction none() {
		return NONE;
	}

	/**
	 * A builder.
	 *
	 * @return a new, empty builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Whether no field is configured.
	 *
	 * @return true when payloads are never changed
	 */
	public boolean isEmpty() {
		return quotedKeys.isEmpty();
	}

	/**
	 * A payload with its sensitive values replaced. A payload without any configured key is returned as is
	 * (the same array), without being parsed.
	 *
	 * @param type the entity type of the event
	 * @param payload a UTF-8 JSON object, or {@code null}
	 * @return the redacted payload, or {@code payload} itself when nothing is sensitive in it
	 * @throws ValidationException when the payload must be inspected and is not a JSON object; the message never
	 *         quotes the payload
	 */
	public byte @Nullable [] redact(String type, byte @Nullable [] payload) {
		if (payload == null || isEmpty() || !mayContainKey(payload)) {
			return payload;
		}
		ObjectNode root;
		try {
			JsonNode tree = Json.MAPPER.readTree(payload);
			if (tree == null || !tree.isObject()) {
				throw new ValidationException("payload must be a JSON object");
			}
			root = (ObjectNode) tree;
		}
		catch (IOException e) {
			// the parser's message may quote the payload: only say where it failed
			throw new ValidationException("payload is not valid JSON");
		}
		Set<String> anyDepth = union(fields, typeFields.get(type));
		boolean changed = redactFields(root, anyDepth);
		for (List<String> path : paths) {
			changed |= redactPath(root, path);
		}
		for (List<String> path : typePaths.getOrDefault(type, Set.of())) {
			changed |= redactPath(root, path);
		}
		return changed ? Json.bytes(root) : payload;
	}

	/**
	 * Without a backslash, a key can only appear in the bytes as its quoted UTF-8 text; with one it may be
	 * escaped (<code>"pass&#92;u0077ord"</code>), so the payload is parsed.
	 */
	private boolean mayContainKey(byte[] payload) {
		for (byte b : payload) {
			if (b == '\\') {
				return true;
			}
		}
		for (byte[] key : quotedKeys) {
			if (Bytes.indexOf(payload, key) >= 0) {
				return true;
			}
		}
		return false;
	}


	private static Set<String> union(Set<String> a, @Nullable Set<String> b) {
		if (b == null || b.isEmpty()) {
			return a;
		}
		Set<String> u = new HashSet<>(a);
		u.addAll(b);
		return u;
	}

	private static boolean redactFields(JsonNode node, Set<String> keys) {
		if (keys.isEmpty()) {
			return false;
		}
		boolean changed = false;
		if (node instanceof ObjectNode) {
			ObjectNode o = (ObjectNode) node;
			List<String> names = new ArrayList<>();
			o.fieldNames().forEachRemaining(names::add);
			for (String name : names) {
				JsonNode value = o.get(name);
				if (keys.contains(name)) {
					if (!value.isNull() && !(value.isTextual() && REDACTED.equals(value.textValue()))) {
						o.put(name, REDACTED);
						changed = true;
					}
				}
				else {
					changed |= redactFields(value, keys);
				}
			}
		}
		else if (node instanceof ArrayNode) {
			for (JsonNode element : node) {
				changed |= redactFields(element, keys);
			}
		}
		return changed;
	}

	private static boolean redactPath(ObjectNode root, List<String> path) {
		JsonNode node = root;
		for (int i = 0; i < path.size() - 1; i++) {
			node = node.get(path.get(i));
			if (node == null || !node.isObject()) {
				return false;
			}
		}
		ObjectNode parent = (ObjectNode) node;
		String last = path.get(path.size() - 1);
		JsonNode value = parent.get(last);
		if (value == null || value.isNull() || (value.isTextual() && REDACTED.equals(value.textValue()))) {
			return false;
		}
		parent.put(last, REDACTED);
		return true;
	}

	@Override
	public String toString() {
		return "Redaction{fields=" + fields + ", typeFields=" + typeFields + ", paths=" + paths + ", typePaths="
				+ typePaths + "}";
	}

	/**
	 * Collects sensitive fields and paths; {@link #build()} makes an immutable {@link Redaction}.
	 */
	public static final class Builder {
		private final Set<String> fields = new HashSet<>();
		private final Map<String, Set<String>> typeFields = new HashMap<>();
		private final Set<List<String>> paths = new HashSet<>();
		private final Map<String, Set<List<String>>> typePaths = new HashMap<>();

		private Builder() {
		}

		/**
		 * A key that is sensitive at any depth of every type's payloads.
		 *
		 * @param name the key
		 * @return this builder
		 */
		public Builder field(String name) {
			fields.add(requireKey(name));
			return this;
		}

		/**
		 * A key that is sensitive at any depth of one type's payloads.
		 *
		 * @param type the entity type
		 * @param name the key
		 * @return this builder
		 */
		public Builder field(String type, String name) {
			typeFields.computeIfAbsent(Objects.requireNonNull(type, "type"), t -> new HashSet<>()).add(requireKey(name));
			return this;
		}

		/**
		 * A dot-separated path from the root of every type's payloads ({@code "card.number"}).
		 *
		 * @param dotted the path
		 * @return this builder
		 */
		public Builder path(String dotted) {
			paths.add(split(dotted));
			return this;
		}

		/**
		 * A dot-separated path from the root of one type's payloads.
		 *
		 * @param type the entity type
		 * @param dotted the path
		 * @return this builder
		 */
		public Builder path(String type, String dotted) {
			typePaths.computeIfAbsent(Objects.requireNonNull(type, "type"), t -> new HashSet<>()).add(split(dotted));
			return this;
		}

		/**
		 * The configuration.
		 *
		 * @return an immutable redaction
		 */
		public Redaction build() {
			Map<String, Set<String>> tf = new HashMap<>();
			typeFields.forEach((t, s) -> tf.put(t, Set.copyOf(s)));
			Map<String, Set<List<String>>> tp = new HashMap<>();
			typePaths.forEach((t, s) -> tp.put(t, Set.copyOf(s)));
			return new Redaction(Set.copyOf(fields), Map.copyOf(tf), Set.copyOf(paths), Map.copyOf(tp));
		}

		private static String requireKey(String name) {
			if (name == null || name.isEmpty()) {
				throw new IllegalArgumentException("a sensitive field needs a name");
			}
			return name;
		}

		private static List<String> split(String dotted) {
			List<String> segments = List.of(requireKey(dotted).split("\\.", -1));
			for (String s : segments) {
				requireKey(s);
			}
			return segments;
		}
	}
}
