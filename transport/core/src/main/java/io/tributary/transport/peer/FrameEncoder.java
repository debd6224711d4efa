package io.tributary.transport.peer;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.VersionVector;

/**
 * Writes peer-protocol frames in the wire form {@link FrameCodec} describes, and tells which events of a batch
 * cannot travel in a frame at all. An event's payload goes out as the bytes it was stored as, with no String round
 * trip; a frame is encoded into a buffer of the thread's that is reused, so it costs one array of its exact size.
 * Stateless but for that buffer, thread-safe.
 */
final class FrameEncoder {

	private final JsonFactory json;
	/**
	 * Reads payloads one after the other, each exactly as deep as a receiver's {@link FrameDecoder} reads one inside
	 * a frame (no bound on the stream's length).
	 */
	private final JsonFactory payloadStream;
	private final int maxFrameBytes;

	FrameEncoder(int maxFrameBytes) {
		this.maxFrameBytes = maxFrameBytes;
		this.json = FrameCodec.frameJson(maxFrameBytes);
		this.payloadStream = Limits.jsonFactory(0, -1);
	}

	/**
	 * Encodes a frame with its length prefix.
	 *
	 * @param frame the frame
	 * @return the bytes to write
	 * @throws IllegalArgumentException when the frame exceeds the maximum size
	 */
	byte[] encode(Frame frame) {
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

	/**
	 * An upper bound of an event's encoded size: JSON escapes take at most six bytes a character.
	 *
	 * @param e the event
	 * @return bytes it takes at most in an {@link Frame.Events} frame
	 */
	static long maxEncodedSize(Event e) {
		long text = (long) e.origin().length() + e.type().length() + e.entityId().length()
				+ (e.userId() == null ? 0 : e.userId().length()) + e.project().length();
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
		if (!e.inDefaultProject()) {
			// absent for the default project: a peer that predates projects reads the same frames as before
			g.writeStringField("project", e.project());
		}
		g.writeEndObject();
	}

	/**
	 * Which events of a batch cannot travel in a frame at all ({@link FrameCodec#unsendable(Event)}), checked with one
	 * non-blocking parser fed one payload after the other, so that a batch costs one parser rather than one per
	 * event; only after a payload it cannot read does it start a new one.
	 *
	 * @param events events to send
	 * @return the reason for each index that cannot be sent; empty when all can
	 */
	Map<Integer, String> unsendable(List<Event> events) {
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
