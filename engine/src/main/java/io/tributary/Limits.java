package io.tributary;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import org.jspecify.annotations.Nullable;

/**
 * Every input limit of Tributary, defined once. The engine's writes, the events it takes from peers, the HTTP
 * API, the peer protocol's frame codec and {@code SyncClient} all check input against these, so that what one
 * entry path accepts every other path and every peer accepts: an event one node stored never becomes one that
 * its peers cannot take. The table in {@code docs/RELIABILITY.md} lists them.
 * <p>
 * Payload limits are checked by one walk over the JSON ({@link #checkPayload(byte[])}, or
 * {@link #checkPayload(JsonParser)} for a payload inside a larger document such as a peer frame). Parsers that
 * read documents holding payloads are built from {@link #jsonFactory(int, int)}, whose own constraints are
 * wider than these limits, so that they never refuse a payload these limits accept and a payload over a limit
 * is refused by the walk with a message naming the limit.
 * <p>
 * Only the payload size is settable ({@code SyncEngine.Builder.maxPayloadBytes}); nodes that replicate with
 * each other should use the same size. A peer with a smaller size (or an older peer with tighter limits)
 * refuses such an event on its own, and the link goes on with the next events.
 */
public final class Limits {

	/** Longest number in a payload, in characters (sign, digits, fraction and exponent). */
	public static final int MAX_NUMBER_LENGTH = 1000;

	/** Deepest nesting of a payload: the payload object itself is depth 1. */
	public static final int MAX_NESTING = 64;

	/** Most fields in one object of a payload. Field names in one object are unique. */
	public static final int MAX_KEYS = 10_000;

	/** Longest string value or field name in a payload, in UTF-16 characters. */
	public static final int MAX_STRING_LENGTH = 1 << 20;

	/** The default largest payload, in UTF-8 bytes as stored; settable per engine. */
	public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

	/** Longest entity type, in characters. A type holds no control characters. */
	public static final int MAX_TYPE_LENGTH = 128;

	/** Longest entity id, in characters. */
	public static final int MAX_ENTITY_ID_LENGTH = 512;

	/** Longest user id, in characters. */
	public static final int MAX_USER_ID_LENGTH = 256;

	/** Longest project id, in characters. */
	public static final int MAX_PROJECT_LENGTH = 128;

	/** Longest origin (replica id), in characters. */
	public static final int MAX_ORIGIN_LENGTH = 255;

	/** The default largest peer-protocol frame (type byte and body), in bytes. */
	public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

	/**
	 * Bytes an event takes in a frame besides its payload, at most: the field names, numbers and ids, and the
	 * names escaped at up to six bytes a character.
	 */
	public static final int MAX_EVENT_OVERHEAD_BYTES = 512
			+ 6 * (MAX_ORIGIN_LENGTH + MAX_TYPE_LENGTH + MAX_ENTITY_ID_LENGTH + MAX_USER_ID_LENGTH + MAX_PROJECT_LENGTH);

	/**
	 * How much deeper than {@link #MAX_NESTING} a parser of documents holding payloads lets a payload go, so
	 * that a payload from a peer with looser limits is refused by the walk, event by event, rather than by the
	 * parser, which would refuse the whole document.
	 */
	private static final int NESTING_MARGIN = 16 * MAX_NESTING;

	private static final JsonFactory PAYLOADS = jsonFactory(0, Integer.MAX_VALUE);

	/** Each thread's field-name sets by depth, reused: checking a payload allocates nothing for small objects. */
	private static final ThreadLocal<Names[]> NAMES = ThreadLocal.withInitial(() -> new Names[8]);

	private Limits() {
	}

	/**
	 * The smallest frame that carries any event whose payload is within a size.
	 *
	 * @param maxPayloadBytes the payload size limit
	 * @return bytes of a frame's type and body
	 */
	public static int frameBytesFor(int maxPayloadBytes) {
		return (int) Math.min(Integer.MAX_VALUE, 64L + maxPayloadBytes + MAX_EVENT_OVERHEAD_BYTES);
	}

	/**
	 * A JSON factory for documents that hold payloads {@code depth} levels down (a peer frame holds them three
	 * down): its constraints are wider than the payload limits, so the walk of {@link #checkPayload(JsonParser)}
	 * decides, and only a document that could not come from any Tributary node is refused as a whole.
	 *
	 * @param depth how deep in the document a payload object starts, 0 for a payload alone
	 * @param maxDocumentBytes the document size limit, 0 or less for none (a stream of payloads)
	 * @return the factory
	 */
	public static JsonFactory jsonFactory(int depth, int maxDocumentBytes) {
		int wide = maxDocumentBytes > 0 ? maxDocumentBytes : Integer.MAX_VALUE;
		return JsonFactory.builder()
				.streamReadConstraints(StreamReadConstraints.builder()
						.maxDocumentLength(maxDocumentBytes)
						.maxNestingDepth(depth + MAX_NESTING + NESTING_MARGIN)
						.maxNumberLength(Math.max(MAX_NUMBER_LENGTH, wide))
						.maxStringLength(Math.max(MAX_STRING_LENGTH, wide))
						.maxNameLength(Math.max(MAX_STRING_LENGTH, wide))
						.build())
				.build();
	}

	/**
	 * Checks a payload: one JSON object, well-formed UTF-8, within every payload limit but the size (which
	 * the engine checks with its own setting). Does not build a tree.
	 *
	 * @param json UTF-8 JSON
	 * @throws ValidationException naming the limit or what is malformed; the message quotes no value
	 */
	public static void checkPayload(byte[] json) {
		try (JsonParser p = PAYLOADS.createParser(json)) {
			if (p.nextToken() != JsonToken.START_OBJECT) {
				throw new ValidationException("payload must be a JSON object");
			}
			String violation = checkPayload(p);
			if (violation != null) {
				throw new ValidationException(violation);
			}
			if (p.nextToken() != null) {
				throw new ValidationException("payload has content after its JSON object");
			}
		}
		catch (com.fasterxml.jackson.core.JsonProcessingException e) {
			throw malformed(e);
		}
		catch (IOException e) {
			throw new ValidationException("payload could not be read: " + e.getMessage(), e);
		}
	}

	/**
	 * Checks the payload object a parser is on, reading it through its closing brace whatever it finds, so the
	 * parser can go on with what follows (a frame's next event, say).
	 *
	 * @param p a parser on the payload's {@code START_OBJECT}
	 * @return {@code null} when the payload is within the limits, else what is wrong, naming the limit
	 * @throws IOException when the JSON is malformed (the document cannot be read on)
	 */
	public static @Nullable String checkPayload(JsonParser p) throws IOException {
		@Nullable String violation = null;
		// the field names of each open object, by depth (an array's slot is left as it is)
		Names[] names = NAMES.get();
		int depth = 1;
		open(names, 0);
		while (depth > 0) {
			JsonToken t = p.nextToken();
			if (t == null) {
				throw new com.fasterxml.jackson.core.JsonParseException(p, "payload ends before its closing brace");
			}
			if (violation != null) {
				// only the end of the payload matters now
				if (t.isStructStart()) {
					depth++;
				}
				else if (t.isStructEnd()) {
					depth--;
				}
				continue;
			}
			switch (t) {
				case START_OBJECT:
				case START_ARRAY:
					if (++depth > MAX_NESTING) {
						violation = "payload nests deeper than the limit of " + MAX_NESTING + " levels";
					}
					else {
						if (depth > names.length) {
							names = java.util.Arrays.copyOf(names, names.length * 2);
							NAMES.set(names);
						}
						if (t == JsonToken.START_OBJECT) {
							open(names, depth - 1);
						}
					}
					break;
				case END_OBJECT:
				case END_ARRAY:
					depth--;
					break;
				case FIELD_NAME:
					violation = checkText(p, "field name");
					if (violation == null) {
						violation = names[depth - 1].add(p.currentName());
					}
					break;
				case VALUE_STRING:
					violation = checkText(p, "string");
					break;
				case VALUE_NUMBER_INT:
				case VALUE_NUMBER_FLOAT:
					if (p.getTextLength() > MAX_NUMBER_LENGTH) {
						violation = "payload has a number of " + p.getTextLength() + " characters, over the limit of "
								+ MAX_NUMBER_LENGTH;
					}
					break;
				default:
					// true, false, null
			}
		}
		return violation;
	}

	private static void open(Names[] names, int slot) {
		if (names[slot] == null) {
			names[slot] = new Names();
		}
		names[slot].clear();
	}

	/**
	 * The field names of one object: a list while it is short (names from one parser are mostly the same
	 * canonical instances, so a scan is cheap), a set beyond.
	 */
	private static final class Names {

		private static final int SCAN = 16;

		private final String[] few = new String[SCAN];
		private java.util.@Nullable Set<String> many;
		private int count;

		void clear() {
			count = 0;
			many = null;
		}

		/** Adds a name; returns what is wrong when it repeats one or is one too many. */
		@Nullable String add(String name) {
			if (count == MAX_KEYS) {
				return "payload has an object with more than the limit of " + MAX_KEYS + " fields";
			}
			if (many != null) {
				if (!many.add(name)) {
					return duplicate();
				}
			}
			else {
				for (int i = 0; i < count; i++) {
					if (few[i].equals(name)) {
						return duplicate();
					}
				}
				if (count < SCAN) {
					few[count] = name;
				}
				else {
					many = new java.util.HashSet<>(java.util.Arrays.asList(few));
					many.add(name);
				}
			}
			count++;
			return null;
		}

		private static String duplicate() {
			return "payload has a duplicate field name in one object (names must be unique)";
		}
	}

	/** A string value or field name: its length, and Unicode that comes back as it was written. */
	private static @Nullable String checkText(JsonParser p, String what) throws IOException {
		int length = p.getTextLength();
		if (length > MAX_STRING_LENGTH) {
			return "payload has a " + what + " of " + length + " characters, over the limit of " + MAX_STRING_LENGTH;
		}
		char[] text = p.getTextCharacters();
		int end = p.getTextOffset() + length;
		for (int i = p.getTextOffset(); i < end; i++) {
			char c = text[i];
			if (Character.isSurrogate(c)) {
				if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text[i + 1])) {
					i++;
				}
				else {
					return "payload has a " + what + " that is not valid Unicode (a lone surrogate)";
				}
			}
		}
		return null;
	}

	/**
	 * Checks a name: present, within its length, valid Unicode (no lone surrogate), and for a type no control
	 * characters (a type is joined to an entity id with NUL in entity keys).
	 *
	 * @param field which name ({@code type}, {@code entityId}, {@code origin} or {@code userId})
	 * @param value the name
	 * @param max its limit, one of this class's
	 * @throws ValidationException naming the field and the limit
	 */
	public static void checkName(String field, String value, int max) {
		if (value == null || value.isEmpty()) {
			throw new ValidationException(field + " is required");
		}
		if (value.length() > max) {
			throw new ValidationException(field + " is longer than the limit of " + max + " characters");
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
				i++;
			}
			else if (Character.isSurrogate(c)) {
				throw new ValidationException(field + " is not valid Unicode (lone surrogate at index " + i + ")");
			}
			else if (("type".equals(field) || "project".equals(field)) && Character.isISOControl(c)) {
				throw new ValidationException(field + " must not contain control characters (found U+"
						+ String.format("%04X", (int) c) + " at index " + i + ")");
			}
		}
	}

	/**
	 * Checks a project id: 1 to {@link #MAX_PROJECT_LENGTH} characters of valid Unicode without control
	 * characters. Spaces, {@code @}, {@code /} and every other character a URL carries once decoded are allowed.
	 *
	 * @param project the project id
	 * @throws ValidationException when it is missing, too long, not valid Unicode or holds a control character
	 */
	public static void checkProject(String project) {
		checkName("project", project, MAX_PROJECT_LENGTH);
	}

	/**
	 * Checks a user id when one is given.
	 *
	 * @param userId the user id, {@code null} for none
	 * @throws ValidationException when it is empty, too long or not valid Unicode
	 */
	public static void checkUserId(@Nullable String userId) {
		if (userId != null) {
			if (userId.isEmpty()) {
				throw new ValidationException("userId, when given, must not be empty");
			}
			checkName("userId", userId, MAX_USER_ID_LENGTH);
		}
	}

	private static ValidationException malformed(com.fasterxml.jackson.core.JsonProcessingException e) {
		// the parser's message quotes the offending token, which may be a sensitive value: say only where
		com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
		return new ValidationException("payload is not valid JSON" + (at == null ? "" : " (at byte " + at.getByteOffset() + ")"));
	}
}
