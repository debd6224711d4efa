package io.tributary.transport.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import io.tributary.Conflict;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.VersionVector;
import io.tributary.Limits;
import io.tributary.spi.DeadLetter;

/**
 * The API's JSON: a mapper configured like the engine's (on {@link Limits#jsonFactory(int, int)}) plus a document length
 * limit, and the wire shapes of changes, entities and errors.
 */
final class ApiJson {

	/** The write operations of the change format, in the order stats report them. */
	static final String[] OPERATIONS = { "create", "update", "patch", "delete" };

	private final ObjectMapper mapper;

	ApiJson(int maxDocumentBytes) {
		// a change's data sits two levels down (the array, the change): the parser is wider than the payload
		// limits, which the engine checks on the data with Limits.checkPayload, naming the limit
		JsonFactory factory = Limits.jsonFactory(2, maxDocumentBytes).rebuild()
				.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
				.build();
		SimpleModule module = new SimpleModule("tributary-http");
		module.addSerializer(VersionVector.class, new VectorSerializer());
		this.mapper = new ObjectMapper(factory)
				.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
				.registerModule(module);
		try {
			// Jackson builds and caches its tree deserializer under a lock on first use: do it now, so that no
			// request ever waits for that lock on an event loop
			mapper.readTree("{}");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	ObjectMapper mapper() {
		return mapper;
	}

	/**
	 * Parses a request body.
	 *
	 * @throws IOException for malformed JSON, trailing content or a document over the limits
	 */
	JsonNode read(byte[] body) throws IOException {
		return mapper.readTree(body);
	}

	/** Writes a document with a generator into bytes. */
	byte[] write(Body body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(256);
		try (JsonGenerator g = mapper.createGenerator(out)) {
			body.write(g);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return out.toByteArray();
	}

	/**
	 * The bytes of each change's {@code data} object in a body of {@code POST /api/changes} that {@link #read}
	 * accepted, in change order ({@code null} for a change without one), sliced out as the client sent them.
	 *
	 * @throws IOException when the body cannot be read
	 */
	List<byte[]> dataSlices(byte[] body) throws IOException {
		List<byte[]> out = new ArrayList<>();
		try (JsonParser p = mapper.getFactory().createParser(body)) {
			JsonToken t = p.nextToken();
			if (t == JsonToken.START_OBJECT) {
				out.add(dataOf(p, body));
			}
			else if (t == JsonToken.START_ARRAY) {
				while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
					if (t == JsonToken.START_OBJECT) {
						out.add(dataOf(p, body));
					}
					else {
						p.skipChildren();
						out.add(null);
					}
				}
			}
		}
		return out;
	}

	private static byte[] dataOf(JsonParser p, byte[] body) throws IOException {
		byte[] data = null;
		while (p.nextToken() == JsonToken.FIELD_NAME) {
			String field = p.currentName();
			if (p.nextToken() == JsonToken.START_OBJECT && "data".equals(field)) {
				int start = (int) p.currentTokenLocation().getByteOffset();
				p.skipChildren();
				data = java.util.Arrays.copyOfRange(body, start, (int) p.currentLocation().getByteOffset());
			}
			else {
				p.skipChildren();
			}
		}
		return data;
	}

	/** Writes a value (records, maps, vectors) with the mapper. */
	byte[] value(Object value) {
		try {
			return mapper.writeValueAsBytes(value);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The change id: stable across replicas, unlike the position. */
	static String cid(Event e) {
		return e.origin() + ":" + e.originSeq();
	}

	/**
	 * A change id, {@code origin:originSeq}: the address of an event on every replica, and the id of a dead letter.
	 *
	 * @param origin the event's origin
	 * @param seq the event's sequence, at least 1
	 */
	record Cid(String origin, long seq) {

		/**
		 * Parses a change id; the origin is everything before the last colon.
		 *
		 * @return the id, {@code null} when malformed
		 */
		static Cid parse(String text) {
			int colon = text.lastIndexOf(':');
			if (colon <= 0 || colon == text.length() - 1) {
				return null;
			}
			long seq;
			try {
				seq = Long.parseLong(text.substring(colon + 1));
			}
			catch (NumberFormatException e) {
				return null;
			}
			return seq < 1 ? null : new Cid(text.substring(0, colon), seq);
		}

		@Override
		public String toString() {
			return origin + ":" + seq;
		}
	}

	/** The change format's operation: a PUT that saw no head created the entity. */
	static String operation(Event e) {
		if (e.op() == Op.PUT) {
			return e.base() == null ? "create" : "update";
		}
		return e.op() == Op.PATCH ? "patch" : "delete";
	}

	/** Index of an event's operation in {@link #OPERATIONS}. */
	static int operationIndex(Event e) {
		if (e.op() == Op.PUT) {
			return e.base() == null ? 0 : 1;
		}
		return e.op() == Op.PATCH ? 2 : 3;
	}

	static String timestamp(long hlc) {
		return Instant.ofEpochMilli(Hlc.millis(hlc)).toString();
	}

	/** One change, in sltt_core's format; the payload is embedded as JSON as stored. */
	static void writeChange(JsonGenerator g, Event e) throws IOException {
		g.writeStartObject();
		g.writeNumberField("seq", e.position());
		g.writeStringField("cid", cid(e));
		g.writeStringField("id", e.id().toString());
		g.writeStringField("entityType", e.type());
		g.writeStringField("operation", operation(e));
		g.writeStringField("entityId", e.entityId());
		g.writeStringField("timestamp", timestamp(e.hlc()));
		g.writeFieldName("data");
		if (e.payload() == null) {
			g.writeNull();
		}
		else {
			// stored payloads were checked to be one JSON object at write or apply: no re-parse
			g.writeRawValue(e.payloadJson());
		}
		g.writeStringField("origin", e.origin());
		g.writeNumberField("originSeq", e.originSeq());
		// the version the data was written with: the log keeps it as written, reads of entities upcast it
		g.writeNumberField("schemaVersion", e.schemaVersion());
		if (e.isStub()) {
			// held here without content: this node did not ask a peer for this type
			g.writeBooleanField("withheld", true);
		}
		if (e.userId() != null) {
			g.writeStringField("userId", e.userId());
		}
		g.writeEndObject();
	}

	/**
	 * A stored conflict: {@code {seq, entityType, entityId, strategy, winner, incoming, head}}, seq being the
	 * incoming change's (the conflicts' cursor) and both sides changes as {@link #writeChange} writes them.
	 */
	static void writeConflict(JsonGenerator g, Conflict c) throws IOException {
		g.writeStartObject();
		g.writeNumberField("seq", c.incoming().position());
		g.writeStringField("entityType", c.type());
		g.writeStringField("entityId", c.entityId());
		g.writeStringField("strategy", c.strategy().name());
		g.writeStringField("winner", c.winner() == null ? null : c.winner().toString());
		g.writeFieldName("incoming");
		writeChange(g, c.incoming());
		g.writeFieldName("head");
		writeChange(g, c.head());
		g.writeEndObject();
	}

	/** A dead letter: {@code {id, code, reason, rejectedAt, change}}, id being the refused change's cid. */
	static void writeDeadLetter(JsonGenerator g, DeadLetter d) throws IOException {
		g.writeStartObject();
		g.writeStringField("id", cid(d.event()));
		g.writeStringField("code", d.code());
		g.writeStringField("reason", d.reason());
		g.writeStringField("rejectedAt", d.rejectedAt().toString());
		g.writeFieldName("change");
		writeChange(g, d.event());
		g.writeEndObject();
	}

	static void writeEntity(JsonGenerator g, EntityState s) throws IOException {
		g.writeStartObject();
		g.writeStringField("type", s.type());
		g.writeStringField("id", s.entityId());
		g.writeStringField("version", s.version().toString());
		g.writeBooleanField("deleted", s.deleted());
		g.writeFieldName("data");
		if (s.document() == null) {
			g.writeNull();
		}
		else {
			g.writeRawValue(s.json());
		}
		g.writeStringField("origin", s.origin());
		g.writeNumberField("schemaVersion", s.schemaVersion());
		g.writeEndObject();
	}

	static void writeVector(JsonGenerator g, VersionVector v) throws IOException {
		g.writeStartObject();
		for (Map.Entry<String, Long> e : v.entries().entrySet()) {
			g.writeNumberField(e.getKey(), e.getValue());
		}
		g.writeEndObject();
	}

	/** Writes one JSON document. */
	@FunctionalInterface
	interface Body {
		void write(JsonGenerator g) throws IOException;
	}

	private static final class VectorSerializer extends StdSerializer<VersionVector> {
		private static final long serialVersionUID = 1L;

		VectorSerializer() {
			super(VersionVector.class);
		}

		@Override
		public void serialize(VersionVector value, JsonGenerator g, SerializerProvider provider) throws IOException {
			writeVector(g, value);
		}
	}
}
