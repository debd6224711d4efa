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
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.VersionVector;

/**
 * Reads peer-protocol frames in the wire form {@link FrameCodec} describes. Payloads are sliced out of the frame
 * byte for byte and checked against {@link Limits} on the way ({@link Limits#checkPayload(JsonParser)}); an event
 * over a limit, or with a field that cannot be decoded, is refused alone (a blank at its address, listed in
 * {@link Frame.Events#refused()}). Anything else that is wrong is a {@link PeerProtocolException} with
 * {@link ErrorCode#BAD_FRAME} or {@link ErrorCode#FRAME_TOO_LARGE}. Stateless, thread-safe.
 */
final class FrameDecoder {

	private final JsonFactory json;
	private final int maxFrameBytes;

	FrameDecoder(int maxFrameBytes) {
		this.maxFrameBytes = maxFrameBytes;
		this.json = FrameCodec.frameJson(maxFrameBytes);
	}

	/**
	 * Decodes a frame without its length prefix (as the length-field decoder hands it over).
	 *
	 * @param frame the type byte and the body
	 * @return the frame
	 * @throws PeerProtocolException with {@link ErrorCode#BAD_FRAME} when it cannot be decoded
	 */
	Frame decode(byte[] frame) {
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
		String project = Event.DEFAULT_PROJECT;
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
					case "project":
						project = text(p, t, field);
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
		return new Event(id, origin, seq, hlc, type, entityId, op, payload, base, userId, schemaVersion, 0, project);
	}

	/** The blank a refused event leaves at its address (an id derived from the address when its own is unreadable). */
	static Event refusedBlank(String origin, long seq, UUID id, Long hlc) {
		UUID blankId = id != null ? id
				: UUID.nameUUIDFromBytes((origin + "#" + seq).getBytes(StandardCharsets.UTF_8));
		return new Event(blankId, origin, seq, hlc == null ? 0 : hlc, Event.BLANK_TYPE, blankId.toString(), Op.PATCH,
				null, null, null, 0, 0);
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
}
