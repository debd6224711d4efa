package io.tributary.spi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tributary.Conflict;
import io.tributary.ConflictStrategy;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.Uuid7;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class EventCodecTest {

	private static final long T0 = 1_700_000_000_000L;

	/** NUL, a right-to-left mark, a right-to-left override, Hebrew, an emoji with a skin-tone modifier, a flag. */
	private static final String TRICKY = "a\u0000b \u200F\u202E\u05E9\u05DC\u05D5\u05DD \uD83D\uDC4D\uD83C\uDFFD \uD83C\uDDE9\uD83C\uDDEA";

	private static Event full() {
		byte[] payload = ("{\"text\":\"" + TRICKY.replace("\u0000", "\\u0000") + "\",\"n\":1}")
				.getBytes(StandardCharsets.UTF_8);
		return new Event(Uuid7.create(T0), "origin-" + TRICKY, 42, Hlc.pack(T0, 3), "type-" + TRICKY,
				"entity-" + TRICKY, Op.PATCH, payload, Uuid7.create(T0 - 1), "user-" + TRICKY, 7, 0);
	}

	private static Event minimal() {
		return new Event(Uuid7.create(T0), "o", 1, Hlc.pack(T0, 0), "t", "e", Op.DELETE, null, null, null, 0, 0);
	}

	/** The format written field by field with {@code String.getBytes}: what {@link EventCodec#encode} must equal. */
	private static byte[] reference(Event e) {
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
		java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
		try {
			out.writeByte(1);
			out.writeLong(e.id().getMostSignificantBits());
			out.writeLong(e.id().getLeastSignificantBits());
			string(out, e.origin());
			out.writeLong(e.originSeq());
			out.writeLong(e.hlc());
			string(out, e.type());
			string(out, e.entityId());
			out.writeByte(e.op().code());
			out.writeByte((e.base() != null ? 1 : 0) | (e.userId() != null ? 2 : 0) | (e.payload() != null ? 4 : 0)
					| (e.inDefaultProject() ? 0 : 8));
			if (e.base() != null) {
				out.writeLong(e.base().getMostSignificantBits());
				out.writeLong(e.base().getLeastSignificantBits());
			}
			if (e.userId() != null) {
				string(out, e.userId());
			}
			out.writeInt(e.schemaVersion());
			if (e.payload() != null) {
				out.writeInt(e.payload().length);
				out.write(e.payload());
			}
			if (!e.inDefaultProject()) {
				string(out, e.project());
			}
		}
		catch (java.io.IOException impossible) {
			throw new java.io.UncheckedIOException(impossible);
		}
		return bytes.toByteArray();
	}

	private static void string(java.io.DataOutputStream out, String s) throws java.io.IOException {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		out.writeInt(b.length);
		out.write(b);
	}

	@Test
	void stringsAreEncodedExactlyAsTheirUtf8BytesLoneSurrogatesIncluded() {
		Event full = full();
		assertArrayEquals(reference(full), EventCodec.encode(full));
		Event minimal = minimal();
		assertArrayEquals(reference(minimal), EventCodec.encode(minimal));
		Random random = new Random(20261122);
		// ASCII, two- and three-byte characters, surrogate pairs, and lone or reversed surrogates
		char[] alphabet = { 'a', 'Z', '0', '\u0000', '\u007F', '\u0080', '\u00E9', '\u07FF', '\u0800', '\u05E9',
				'\uFFFF', '\uD83D', '\uDC4D', '\uDBFF', '\uDC00' };
		for (int round = 0; round < 2_000; round++) {
			String[] texts = new String[4];
			for (int t = 0; t < texts.length; t++) {
				StringBuilder b = new StringBuilder();
				int length = 1 + random.nextInt(12);
				for (int i = 0; i < length; i++) {
					b.append(alphabet[random.nextInt(alphabet.length)]);
				}
				texts[t] = b.toString();
			}
			Event e = new Event(Uuid7.create(T0 + round), texts[0], round + 1, Hlc.pack(T0, 0), texts[1], texts[2],
					Op.PUT, "{}".getBytes(StandardCharsets.UTF_8), null, texts[3], 1, 0);
			byte[] encoded = EventCodec.encode(e);
			assertArrayEquals(reference(e), encoded, "strings " + Arrays.toString(texts));
			Event back = EventCodec.decode(encoded, 5);
			assertEquals(new String(texts[2].getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), back.entityId());
		}
	}

	@Test
	void projectIsWrittenLastAndOnlyOutsideTheDefaultProject() {
		Event inDefault = full();
		Event inProject = full().withProject("team @ home/" + TRICKY);
		assertArrayEquals(reference(inDefault), EventCodec.encode(inDefault));
		assertArrayEquals(reference(inProject), EventCodec.encode(inProject));
		byte[] withProject = EventCodec.encode(inProject);
		byte[] without = EventCodec.encode(inDefault);
		assertTrue(withProject.length > without.length);
		Event decoded = EventCodec.decode(withProject, 3);
		assertEquals(inProject.withPosition(3), decoded);
		assertEquals("team @ home/" + TRICKY, decoded.project());
		assertEquals(Event.DEFAULT_PROJECT, EventCodec.decode(without, 3).project());
		assertEquals(List.of(inProject.withPosition(4), inDefault.withPosition(5)),
				EventCodec.decodeList(EventCodec.encodeList(List.of(inProject.withPosition(4), inDefault.withPosition(5)))));
	}

	@Test
	void eventWithEveryOptionalFieldRoundTrips() {
		Event e = full();
		Event decoded = EventCodec.decode(EventCodec.encode(e), 99);
		assertEquals(e.withPosition(99), decoded);
		assertEquals(e.payloadJson(), decoded.payloadJson());
		assertEquals(e.userId(), decoded.userId());
		assertEquals(e.base(), decoded.base());
	}

	@Test
	void eventWithoutOptionalFieldsRoundTrips() {
		Event e = minimal();
		Event decoded = EventCodec.decode(EventCodec.encode(e), 1);
		assertEquals(e.withPosition(1), decoded);
		assertNull(decoded.payload());
		assertNull(decoded.base());
		assertNull(decoded.userId());
	}

	@Test
	void eachOptionalFieldAloneRoundTrips() {
		Event base = minimal();
		UUID b = Uuid7.create(T0 - 5);
		List<Event> variants = List.of(
				new Event(base.id(), "o", 1, base.hlc(), "t", "e", Op.PUT, "{}".getBytes(StandardCharsets.UTF_8), null,
						null, 1, 0),
				new Event(base.id(), "o", 1, base.hlc(), "t", "e", Op.DELETE, null, b, null, 1, 0),
				new Event(base.id(), "o", 1, base.hlc(), "t", "e", Op.DELETE, null, null, "u", 1, 0),
				new Event(base.id(), "", Long.MAX_VALUE, Long.MAX_VALUE, "", "", Op.PUT, new byte[0], null, "",
						Integer.MIN_VALUE, 0));
		for (Event e : variants) {
			assertEquals(e.withPosition(5), EventCodec.decode(EventCodec.encode(e), 5), e.toString());
		}
	}

	@Test
	void payloadBytesRoundTripUnchangedIncludingRawNulAndInvalidUtf8() {
		byte[] payload = { '{', 0, (byte) 0xE2, (byte) 0x80, (byte) 0x8F, (byte) 0xF0, (byte) 0x9F, (byte) 0x8E,
				(byte) 0x89, (byte) 0xFF, '}' };
		Event e = new Event(Uuid7.create(T0), "o", 1, 1, "t", "e", Op.PUT, payload, null, null, 1, 0);
		assertArrayEquals(payload, EventCodec.decode(EventCodec.encode(e), 1).payload());
	}

	@Test
	void listRoundTripsWithPositions() {
		List<Event> events = List.of(full().withPosition(3), minimal().withPosition(4), full().withPosition(10));
		assertEquals(events, EventCodec.decodeList(EventCodec.encodeList(events)));
		assertEquals(List.of(), EventCodec.decodeList(EventCodec.encodeList(List.of())));
	}

	@Test
	void conflictRoundTrips() {
		Event incoming = full().withPosition(8);
		Event head = minimal().withPosition(5);
		for (ConflictStrategy s : ConflictStrategy.values()) {
			Conflict c = new Conflict(incoming.type(), incoming.entityId(), incoming, head, incoming.id(), s);
			assertEquals(c, EventCodec.decodeConflict(EventCodec.encodeConflict(c)));
		}
	}

	@Test
	void everyTruncationOfAnEventIsRejected() {
		byte[] bytes = EventCodec.encode(full());
		for (int len = 0; len < bytes.length; len++) {
			byte[] cut = Arrays.copyOf(bytes, len);
			assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(cut, 1), "prefix of " + len + " bytes");
		}
	}

	@Test
	void everyTruncationOfAListIsRejected() {
		byte[] bytes = EventCodec.encodeList(List.of(full(), minimal()));
		for (int len = 0; len < bytes.length; len++) {
			byte[] cut = Arrays.copyOf(bytes, len);
			assertThrows(IllegalArgumentException.class, () -> EventCodec.decodeList(cut), "prefix of " + len + " bytes");
		}
	}

	@Test
	void everyTruncationOfAConflictIsRejected() {
		Event incoming = full().withPosition(2);
		byte[] bytes = EventCodec.encodeConflict(new Conflict(incoming.type(), incoming.entityId(), incoming,
				minimal().withPosition(1), incoming.id(), ConflictStrategy.LAST_WRITE_WINS));
		for (int len = 0; len < bytes.length; len++) {
			byte[] cut = Arrays.copyOf(bytes, len);
			assertThrows(IllegalArgumentException.class, () -> EventCodec.decodeConflict(cut),
					"prefix of " + len + " bytes");
		}
	}

	@Test
	void trailingBytesAfterAnEventAreRejected() {
		byte[] bytes = EventCodec.encode(minimal());
		byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(longer, 1));
	}

	@Test
	void unknownFormatAndOpCodeAreRejected() {
		byte[] bytes = EventCodec.encode(minimal());
		byte[] badFormat = bytes.clone();
		badFormat[0] = 9;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(badFormat, 1));
		assertTrue(e.getMessage().contains("format"), e.getMessage());

		// layout: format 1, id 16, origin "o" 4+1, seq 8, hlc 8, type "t" 4+1, entity "e" 4+1, then op
		int opOffset = 1 + 16 + 5 + 8 + 8 + 5 + 5;
		assertEquals(Op.DELETE.code(), bytes[opOffset]);
		byte[] badOp = bytes.clone();
		badOp[opOffset] = 17;
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(badOp, 1));
	}

	@Test
	void hugeStringLengthIsRejectedAsIllegalArgument() {
		byte[] bytes = EventCodec.encode(minimal());
		// the origin's length prefix follows the format byte and the id
		ByteBuffer.wrap(bytes).putInt(1 + 16, Integer.MAX_VALUE);
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(bytes, 1));
	}

	@Test
	void negativeLengthsAreRejected() {
		byte[] bytes = EventCodec.encode(minimal());
		ByteBuffer.wrap(bytes).putInt(1 + 16, -1);
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(bytes, 1));
		byte[] list = EventCodec.encodeList(List.of(minimal()));
		ByteBuffer.wrap(list).putInt(0, -1);
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decodeList(list));
	}

	@Test
	void unknownConflictStrategyIsRejectedAsIllegalArgument() {
		Event incoming = minimal().withPosition(2);
		byte[] bytes = EventCodec.encodeConflict(new Conflict(incoming.type(), incoming.entityId(), incoming,
				minimal().withPosition(1), incoming.id(), ConflictStrategy.CUSTOM));
		bytes[0] = (byte) 200;
		assertThrows(IllegalArgumentException.class, () -> EventCodec.decodeConflict(bytes));
	}

	@Test
	void randomlyCorruptedBytesDecodeOrFailWithIllegalArgumentOnly() {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		Random random = new Random(seed);
		byte[] original = EventCodec.encode(full());
		for (int i = 0; i < 5_000; i++) {
			byte[] bytes = original.clone();
			int flips = 1 + random.nextInt(4);
			for (int f = 0; f < flips; f++) {
				bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
			}
			try {
				EventCodec.decode(bytes, 1);
			}
			catch (IllegalArgumentException expected) {
				// the only acceptable failure
			}
			catch (RuntimeException other) {
				fail("corrupted bytes gave " + other + " instead of IllegalArgumentException (seed " + seed + ", case "
						+ i + ", rerun with -Dtributary.seed=" + seed + ")", other);
			}
		}
		for (int i = 0; i < 1_000; i++) {
			byte[] garbage = new byte[random.nextInt(200)];
			random.nextBytes(garbage);
			assertThrows(IllegalArgumentException.class, () -> EventCodec.decode(garbage, 1),
					"seed " + seed + " case " + i);
		}
	}
}
