package io.tributary.transport.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.VersionVector;

/**
 * Encodes and decodes peer-protocol frames. Wire form: a 4-byte big-endian length (of what follows), a
 * type byte, then a UTF-8 JSON body. Event payloads travel as embedded JSON objects and are sliced back
 * out byte for byte, so a replica stores exactly the bytes the writer stored. Slicing a payload out checks it
 * against {@link Limits} ({@link Limits#checkPayload(JsonParser)}), so it is not parsed a second time
 * ({@link io.tributary.SyncEngine#applyChecked(List)}). An event that is over a limit, or whose fields cannot
 * be decoded, is refused alone: it stands in the decoded frame as a blank at its address, listed in
 * {@link Frame.Events#refused()}, and the rest of the frame decodes. Stateless, thread-safe.
 */
public final class FrameCodec {

	/** The protocol versions this implementation speaks. */
	public static final List<Integer> VERSIONS = List.of(1, 2);

	private final JsonFactory json;
	/**
	 * Reads payloads one after the other, each exactly as deep as {@link #json} reads one inside a frame (no
	 * bound on the stream's length).
	 */
	private final JsonFactory payloadStream;
	private final int maxFrameBytes;

	/**
	 * A codec for frames up to a size.
	 *
	 * @param maxFrameBytes the largest frame (type byte and body) accepted or produced
	 */
	public FrameCodec(int maxFrameBytes) {
		this.maxFrameBytes = maxFrameBytes;
		// a payload sits three levels down (frame, events, event); the factory is wider than the payload limits,
		// which the decoder checks event by event (Limits.checkPayload), so one event over a limit is refused
		// alone and the rest of its frame applies
		this.json = Limits.jsonFactory(3, maxFrameBytes);
		this.payloadStream = Limits.jsonFactory(0, -1);
	}

	/**
	 * The largest frame accepted or produced.
	 *
	 * @return bytes of type and body
	 */
	public int maxFrameBytes() {
		return maxFrameBytes;
	}

	/**
	 * Encodes a frame with its length prefix.
	 *
	 * @param frame the frame
	 * @return the bytes to write
	 * @throws IllegalArgumentException when the frame exceeds the maximum size
	 */
	public byte[] encode(Frame frame) {
		Scratch out = Scratch.take();
		out.write(0);
		out.write(0);
		out.write(0);
		out.write(0);
		out.write(frame.type().code());
		try (JsonGenerator g = json.createGenerator(out)) {
			g.writeStartObject();
			if (frame instanceof Frame.Hello) {
				Frame.Hello h = (Frame.Hello) frame;
				g.writeArrayFieldStart("versions");
				for (int v : h.versions()) {
					g.writeNumber(v);
				}
				g.writeEndArray();
				g.writeStringField("nodeId", h.nodeId());
				if (h.token() != null) {
					g.writeStringField("token", h.token());
				}
				writeVector(g, "vector", h.vector());
				writeTypes(g, h.types());
				if (h.mode() != null) {
					g.writeStringField("mode", h.mode());
				}
				if (h.policy() != null) {
					g.writeStringField("policy", h.policy());
				}
			}
			else if (frame instanceof Frame.Welcome) {
				Frame.Welcome w = (Frame.Welcome) frame;
				g.writeNumberField("version", w.version());
				g.writeStringField("nodeId", w.nodeId());
				writeVector(g, "vector", w.vector());
				writeTypes(g, w.types());
				if (w.policy() != null) {
					g.writeStringField("policy", w.policy());
				}
			}
			else if (frame instanceof Frame.Events) {
				g.writeArrayFieldStart("events");
				for (Event e : ((Frame.Events) frame).events()) {
					writeEvent(g, out, e);
				}
				g.writeEndArray();
			}
			else if (frame instanceof Frame.Ack) {
				writeVector(g, "vector", ((Frame.Ack) frame).vector());
			}
			else if (frame instanceof Frame.CaughtUp) {
				writeVector(g, "vector", ((Frame.CaughtUp) frame).vector());
			}
			else if (frame instanceof Frame.Rejected) {
				g.writeArrayFieldStart("rejections");
				for (Frame.Rejection r : ((Frame.Rejected) frame).rejections()) {
					g.writeStartObject();
					g.writeStringField("origin", r.origin());
					g.writeNumberField("seq", r.seq());
					g.writeStringField("code", r.code());
					g.writeStringField("reason", r.reason());
					g.writeEndObject();
				}
				g.writeEndArray();
			}
			else if (frame instanceof Frame.Ping) {
				g.writeNumberField("nanos", ((Frame.Ping) frame).nanos());
			}
			else if (frame instanceof Frame.Pong) {
				g.writeNumberField("nanos", ((Frame.Pong) frame).nanos());
			}
			else if (frame instanceof Frame.Error) {
				Frame.Error e = (Frame.Error) frame;
				g.writeStringField("code", e.code().name());
				g.writeStringField("message", e.message());
			}
			g.writeEndObject();
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot encode " + frame.type(), e);
		}
		byte[] bytes = out.toByteArray();
		out.release();
		int length = bytes.length - 4;
		if (length > maxFrameBytes) {
			throw new IllegalArgumentException(frame.type() + " frame of " + length + " bytes exceeds the maximum of "
					+ maxFrameBytes);
		}
		bytes[0] = (byte) (length >>> 24);
		bytes[1] = (byte) (length >>> 16);
		bytes[2] = (byte) (length >>> 8);
		bytes[3] = (byte) length;
		return bytes;
	}

	private static void writeTypes(JsonGenerator g, Set<String> types) throws IOException {
		if (types != null) {
			g.writeArrayFieldStart("types");
			for (String t : new java.util.TreeSet<>(types)) {
				g.writeString(t);
			}
			g.writeEndArray();
		}
	}

	private static void writeVector(JsonGenerator g, String field, VersionVector v) throws IOException {
		g.writeObjectFieldStart(field);
		for (Map.Entry<String, Long> e : v.entries().entrySet()) {
			g.writeNumberField(e.getKey(), e.getValue());
		}
		g.writeEndObject();
	}

	/** The buffer an encoding starts with: enough for a typical frame, so that it is rarely copied or oversized. */
	/**
	 * An upper bound of an event's encoded size: JSON escapes take at most six bytes a character.
	 *
	 * @param e the event
	 * @return bytes it takes at most in an {@link Frame.Events} frame
	 */
	static long maxEncodedSize(Event e) {
		long text = (long) e.origin().length() + e.type().length() + e.entityId().length()
				+ (e.userId() == null ? 0 : e.userId().length());
		return 256 + 6 * text + (e.payload() == null ? 0 : e.payload().length);
	}

	private static void writeEvent(JsonGenerator g, Scratch out, Event e) throws IOException {
		g.writeStartObject();
		g.writeStringField("id", e.id().toString());
		g.writeStringField("origin", e.origin());
		g.writeNumberField("seq", e.originSeq());
		g.writeNumberField("hlc", e.hlc());
		g.writeStringField("type", e.type());
		g.writeStringField("entityId", e.entityId());
		g.writeStringField("op", e.op().name());
		if (e.payload() != null) {
			// the payload is a JSON value already: its UTF-8 bytes go out as they are, after the generator has
			// written the separator and counted the value (no String round trip)
			g.writeFieldName("payload");
			g.writeRawValue("");
			g.flush();
			out.write(e.payload(), 0, e.payload().length);
		}
		if (e.base() != null) {
			g.writeStringField("base", e.base().toString());
		}
		if (e.userId() != null) {
			g.writeStringField("userId", e.userId());
		}
		g.writeNumberField("schemaVersion", e.schemaVersion());
		g.writeEndObject();
	}

	/**
	 * Decodes a frame without its length prefix (as the length-field decoder hands it over).
	 *
	 * @param frame the type byte and the body
	 * @return the frame
	 * @throws PeerProtocolException with {@link ErrorCode#BAD_FRAME} when it cannot be decoded
	 */
	public Frame decode(byte[] frame) {
		if (frame.length < 1) {
			throw bad("empty frame");
		}
		if (frame.length > maxFrameBytes) {
			throw new PeerProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame of " + frame.length
					+ " bytes exceeds the maximum of " + maxFrameBytes, false);
		}
		FrameType type = FrameType.of(frame[0] & 0xFF);
		if (type == null) {
			throw bad("unknown frame type " + (frame[0] & 0xFF));
		}
		try (JsonParser p = json.createParser(frame, 1, frame.length - 1)) {
			expect(p, JsonToken.START_OBJECT, "a JSON object body");
			Frame result;
			switch (type) {
				case EVENTS:
					result = readEvents(p, frame);
					break;
				default:
					result = readControl(type, p);
			}
			if (p.nextToken() != null) {
				throw bad("content after the body of a " + type + " frame");
			}
			return result;
		}
		catch (PeerProtocolException e) {
			throw e;
		}
		catch (IOException | RuntimeException e) {
			throw bad("malformed " + type + " frame: " + e.getMessage());
		}
	}

	private Frame readControl(FrameType type, JsonParser p) throws IOException {
		List<Integer> versions = null;
		String nodeId = null;
		String token = null;
		VersionVector vector = null;
		Set<String> types = null;
		Integer version = null;
		Long nanos = null;
		String code = null;
		String message = null;
		String mode = null;
		String policy = null;
		List<Frame.Rejection> rejections = null;
		while (p.nextToken() == JsonToken.FIELD_NAME) {
			String field = p.currentName();
			JsonToken t = p.nextToken();
			switch (field) {
				case "versions":
					versions = new ArrayList<>();
					requireToken(t, JsonToken.START_ARRAY, field);
					while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
						versions.add(p.getIntValue());
					}
					requireToken(p.currentToken(), JsonToken.END_ARRAY, field);
					break;
				case "types":
					if (t == JsonToken.VALUE_NULL) {
						break;
					}
					requireToken(t, JsonToken.START_ARRAY, field);
					types = new LinkedHashSet<>();
					while (p.nextToken() == JsonToken.VALUE_STRING) {
						types.add(p.getText());
					}
					requireToken(p.currentToken(), JsonToken.END_ARRAY, field);
					break;
				case "vector":
					vector = readVector(p, t);
					break;
				case "nodeId":
					nodeId = text(p, t, field);
					break;
				case "mode":
					mode = text(p, t, field);
					break;
				case "policy":
					policy = text(p, t, field);
					break;
				case "rejections":
					rejections = readRejections(p, t);
					break;
				case "token":
					token = text(p, t, field);
					break;
				case "message":
					message = text(p, t, field);
					break;
				case "code":
					code = text(p, t, field);
					break;
				case "version":
					requireToken(t, JsonToken.VALUE_NUMBER_INT, field);
					version = p.getIntValue();
					break;
				case "nanos":
					requireToken(t, JsonToken.VALUE_NUMBER_INT, field);
					nanos = p.getLongValue();
					break;
				default:
					p.skipChildren(); // unknown fields are ignored: newer peers may add some
			}
		}
		requireToken(p.currentToken(), JsonToken.END_OBJECT, "body");
		switch (type) {
			case HELLO:
				return new Frame.Hello(require(versions, "versions"), require(nodeId, "nodeId"), token,
						require(vector, "vector"), types == null ? null : Set.copyOf(types), mode, policy);
			case WELCOME:
				return new Frame.Welcome(require(version, "version"), require(nodeId, "nodeId"), require(vector, "vector"),
						types == null ? null : Set.copyOf(types), policy);
			case ACK:
				return new Frame.Ack(require(vector, "vector"));
			case CAUGHT_UP:
				return new Frame.CaughtUp(require(vector, "vector"));
			case REJECTED:
				return new Frame.Rejected(require(rejections, "rejections"));
			case PING:
				return new Frame.Ping(nanos == null ? 0 : nanos);
			case PONG:
				return new Frame.Pong(nanos == null ? 0 : nanos);
			case ERROR:
				ErrorCode errorCode;
				try {
					errorCode = ErrorCode.valueOf(require(code, "code"));
				}
				catch (IllegalArgumentException e) {
					errorCode = ErrorCode.INTERNAL;
				}
				return new Frame.Error(errorCode, message == null ? "" : message);
			default:
				throw bad("unexpected frame type " + type);
		}
	}

	private static List<Frame.Rejection> readRejections(JsonParser p, JsonToken t) throws IOException {
		requireToken(t, JsonToken.START_ARRAY, "rejections");
		List<Frame.Rejection> out = new ArrayList<>();
		while (p.nextToken() == JsonToken.START_OBJECT) {
			String origin = null;
			Long seq = null;
			String code = null;
			String reason = null;
			while (p.nextToken() == JsonToken.FIELD_NAME) {
				String field = p.currentName();
				JsonToken v = p.nextToken();
				switch (field) {
					case "origin":
						origin = text(p, v, field);
						break;
					case "seq":
						requireToken(v, JsonToken.VALUE_NUMBER_INT, field);
						seq = p.getLongValue();
						break;
					case "code":
						code = text(p, v, field);
						break;
					case "reason":
						reason = text(p, v, field);
						break;
					default:
						p.skipChildren();
				}
			}
			requireToken(p.currentToken(), JsonToken.END_OBJECT, "rejection");
			out.add(new Frame.Rejection(require(origin, "origin"), require(seq, "seq"), require(code, "code"),
					reason == null ? "" : reason));
		}
		requireToken(p.currentToken(), JsonToken.END_ARRAY, "rejections");
		return List.copyOf(out);
	}

	private static VersionVector readVector(JsonParser p, JsonToken t) throws IOException {
		requireToken(t, JsonToken.START_OBJECT, "vector");
		Map<String, Long> entries = new HashMap<>();
		while (p.nextToken() == JsonToken.FIELD_NAME) {
			String origin = p.currentName();
			requireToken(p.nextToken(), JsonToken.VALUE_NUMBER_INT, "vector entry");
			long seq = p.getLongValue();
			if (seq < 0) {
				throw bad("negative vector entry for " + origin);
			}
			entries.put(origin, seq);
		}
		return VersionVector.of(entries);
	}

	private Frame.Events readEvents(JsonParser p, byte[] frame) throws IOException {
		List<Event> events = null;
		List<Frame.Rejection> refused = new ArrayList<>(0);
		while (p.nextToken() == JsonToken.FIELD_NAME) {
			String field = p.currentName();
			JsonToken t = p.nextToken();
			if ("events".equals(field)) {
				requireToken(t, JsonToken.START_ARRAY, field);
				events = new ArrayList<>();
				while (p.nextToken() == JsonToken.START_OBJECT) {
					events.add(readEvent(p, frame, refused));
				}
				requireToken(p.currentToken(), JsonToken.END_ARRAY, field);
			}
			else {
				p.skipChildren();
			}
		}
		return new Frame.Events(require(events, "events"), refused.isEmpty() ? List.of() : List.copyOf(refused));
	}

	/**
	 * One event of a frame. A field that cannot be decoded, or a payload over a limit, refuses this event alone
	 * (a blank in its place, its refusal in {@code refused}) as long as its address can be read; the parser
	 * goes on to the end of the event either way. Malformed JSON ends the frame.
	 */
	private Event readEvent(JsonParser p, byte[] frame, List<Frame.Rejection> refused) throws IOException {
		UUID id = null;
		String origin = null;
		Long seq = null;
		Long hlc = null;
		String type = null;
		String entityId = null;
		Op op = null;
		byte[] payload = null;
		UUID base = null;
		String userId = null;
		int schemaVersion = 1;
		String problem = null;
		while (p.nextToken() == JsonToken.FIELD_NAME) {
			String field = p.currentName();
			JsonToken t = p.nextToken();
			try {
				switch (field) {
					case "id":
						id = UUID.fromString(text(p, t, field));
						break;
					case "origin":
						origin = text(p, t, field);
						break;
					case "seq":
						requireToken(t, JsonToken.VALUE_NUMBER_INT, field);
						seq = p.getLongValue();
						break;
					case "hlc":
						requireToken(t, JsonToken.VALUE_NUMBER_INT, field);
						hlc = p.getLongValue();
						break;
					case "type":
						type = text(p, t, field);
						break;
					case "entityId":
						entityId = text(p, t, field);
						break;
					case "op":
						op = Op.valueOf(text(p, t, field));
						break;
					case "payload":
						if (t == JsonToken.START_OBJECT) {
							// the source is a byte array: offsets are byte offsets into the frame
							int start = (int) p.currentTokenLocation().getByteOffset() + 1;
							String violation = Limits.checkPayload(p);
							if (violation != null) {
								problem = problem == null ? violation : problem;
							}
							else {
								int end = (int) p.currentLocation().getByteOffset() + 1;
								payload = java.util.Arrays.copyOfRange(frame, start, end);
							}
						}
						else if (t != JsonToken.VALUE_NULL) {
							throw bad("payload must be a JSON object");
						}
						break;
					case "base":
						base = t == JsonToken.VALUE_NULL ? null : UUID.fromString(text(p, t, field));
						break;
					case "userId":
						userId = t == JsonToken.VALUE_NULL ? null : text(p, t, field);
						break;
					case "schemaVersion":
						requireToken(t, JsonToken.VALUE_NUMBER_INT, field);
						schemaVersion = p.getIntValue();
						break;
					default:
						p.skipChildren();
				}
			}
			catch (PeerProtocolException | IllegalArgumentException | com.fasterxml.jackson.core.exc.InputCoercionException e) {
				// this field is wrong, the JSON is not: note it, and read on to the end of the event
				problem = problem == null ? "field " + field + ": " + e.getMessage() : problem;
				p.skipChildren();
			}
		}
		if (origin == null || seq == null || seq < 1) {
			throw bad("event without a valid origin and seq" + (problem == null ? "" : " (" + problem + ")"));
		}
		if (problem == null) {
			problem = id == null ? "missing field id"
					: hlc == null ? "missing field hlc"
					: type == null ? "missing field type"
					: entityId == null ? "missing field entityId"
					: op == null ? "missing field op" : null;
		}
		if (problem != null) {
			refused.add(new Frame.Rejection(origin, seq, ErrorCode.INVALID_EVENT.name(), problem));
			return refusedBlank(origin, seq, id, hlc);
		}
		return new Event(id, origin, seq, hlc, type, entityId, op, payload, base, userId, schemaVersion, 0);
	}

	/** The blank a refused event leaves at its address (an id derived from the address when its own is unreadable). */
	static Event refusedBlank(String origin, long seq, UUID id, Long hlc) {
		UUID blankId = id != null ? id
				: UUID.nameUUIDFromBytes((origin + "#" + seq).getBytes(StandardCharsets.UTF_8));
		return new Event(blankId, origin, seq, hlc == null ? 0 : hlc, Event.BLANK_TYPE, blankId.toString(), Op.PATCH,
				null, null, null, 0, 0);
	}

	/**
	 * Which events of a batch cannot travel in a frame at all ({@link #unsendable(Event)}), checked with one
	 * non-blocking parser fed one payload after the other, so that a batch costs one parser rather than one per
	 * event; only after a payload it cannot read does it start a new one.
	 *
	 * @param events events to send
	 * @return the reason for each index that cannot be sent; empty when all can
	 */
	public Map<Integer, String> unsendable(List<Event> events) {
		Map<Integer, String> out = Map.of();
		JsonParser p = null;
		try {
			for (int i = 0; i < events.size(); i++) {
				Event e = events.get(i);
				String why = maxEncodedSize(e) > maxFrameBytes - 64
						? "the event takes up to " + maxEncodedSize(e) + " bytes in a frame, over the maximum frame of "
								+ maxFrameBytes + " bytes"
						: null;
				if (why == null && e.payload() != null) {
					if (p == null) {
						p = payloadStream.createNonBlockingByteArrayParser();
					}
					why = readsAsOneObject(p, e.payload());
					if (why != null) {
						// what the parser read of this payload is lost: the next one gets a fresh parser
						p.close();
						p = null;
					}
				}
				if (why != null) {
					if (out.isEmpty()) {
						out = new HashMap<>();
					}
					out.put(i, why);
				}
			}
		}
		catch (IOException e) {
			throw new IllegalStateException("closing a parser of byte arrays", e);
		}
		finally {
			if (p != null) {
				try {
					p.close();
				}
				catch (IOException e) {
					// a parser of byte arrays holds nothing to release but its buffers
				}
			}
		}
		return out;
	}

	/** Feeds one payload and reads it through; the reason when it is not exactly one well-formed object. */
	private static String readsAsOneObject(JsonParser p, byte[] payload) {
		try {
			((com.fasterxml.jackson.core.async.ByteArrayFeeder) p.getNonBlockingInputFeeder())
					.feedInput(payload, 0, payload.length);
			JsonToken t = p.nextToken();
			if (t != JsonToken.START_OBJECT) {
				return t == JsonToken.NOT_AVAILABLE ? "the stored payload is empty" : "the stored payload is not a JSON object";
			}
			int depth = 1;
			while (depth > 0) {
				t = p.nextToken();
				if (t == JsonToken.NOT_AVAILABLE || t == null) {
					return "the stored payload is not well-formed JSON (it ends inside its object)";
				}
				if (t.isStructStart()) {
					depth++;
				}
				else if (t.isStructEnd()) {
					depth--;
				}
				else if (t == JsonToken.VALUE_STRING) {
					// decoded, so that bytes that are not UTF-8 are found here and not by the receiver
					p.getTextLength();
				}
			}
			t = p.nextToken();
			return t == JsonToken.NOT_AVAILABLE ? null : "the stored payload has content after its JSON object";
		}
		catch (IOException ex) {
			// the parser's message may quote the payload: say only what is wrong
			return "the stored payload is not well-formed JSON";
		}
	}

	/**
	 * Why an event cannot travel in a frame at all, if it cannot: its payload is not well-formed JSON (what a
	 * store damaged beneath the engine may hold) or nests deeper than any receiver's frame parser reads, or the
	 * event does not fit a frame. Limits a receiver may refuse the event for are its to decide, event by event.
	 *
	 * @param e an event to send
	 * @return the reason, {@code null} when it can be sent
	 */
	public String unsendable(Event e) {
		return unsendable(List.of(e)).get(0);
	}


	private static String text(JsonParser p, JsonToken t, String field) throws IOException {
		requireToken(t, JsonToken.VALUE_STRING, field);
		return p.getText();
	}

	private static void expect(JsonParser p, JsonToken expected, String what) throws IOException {
		if (p.nextToken() != expected) {
			throw bad("expected " + what);
		}
	}

	private static void requireToken(JsonToken actual, JsonToken expected, String field) {
		if (actual != expected) {
			throw bad("field " + field + ": expected " + expected + ", got " + actual);
		}
	}

	private static <T> T require(T value, String field) {
		if (value == null) {
			throw bad("missing field " + field);
		}
		return value;
	}

	private static PeerProtocolException bad(String message) {
		return new PeerProtocolException(ErrorCode.BAD_FRAME, message, false);
	}

	/**
	 * The buffer a frame is encoded into, one per thread and reused: a frame then costs one array of its exact
	 * size, where a fresh stream cost a first buffer, a copy each time it grew and the final copy.
	 */
	private static final class Scratch extends java.io.OutputStream {

		/** A larger buffer than this is not kept for the next frame. */
		private static final int KEEP_BYTES = 1 << 20;

		private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

		private byte[] buf = new byte[8192];
		private int count;

		static Scratch take() {
			Scratch s = LOCAL.get();
			s.count = 0;
			return s;
		}

		@Override
		public void write(int b) {
			ensure(1);
			buf[count++] = (byte) b;
		}

		@Override
		public void write(byte[] b, int off, int len) {
			ensure(len);
			System.arraycopy(b, off, buf, count, len);
			count += len;
		}

		private void ensure(int more) {
			if (buf.length - count < more) {
				buf = java.util.Arrays.copyOf(buf, Math.max(count + more, (int) Math.min(buf.length * 2L, Integer.MAX_VALUE - 8)));
			}
		}

		byte[] toByteArray() {
			return java.util.Arrays.copyOf(buf, count);
		}

		void release() {
			if (buf.length > KEEP_BYTES) {
				buf = new byte[8192];
			}
			count = 0;
		}
	}
}
