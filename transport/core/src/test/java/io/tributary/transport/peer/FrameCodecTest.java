package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.Op;
import io.tributary.VersionVector;
import io.tributary.Limits;
import io.tributary.ValidationException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameCodecTest {

	private final FrameCodec codec = new FrameCodec(1 << 20);

	/** Strips the 4-byte length prefix, as the length-field decoder does, checking it. */
	private static byte[] unframe(byte[] wire) {
		int length = ((wire[0] & 0xFF) << 24) | ((wire[1] & 0xFF) << 16) | ((wire[2] & 0xFF) << 8) | (wire[3] & 0xFF);
		assertEquals(wire.length - 4, length, "length prefix");
		return Arrays.copyOfRange(wire, 4, wire.length);
	}

	private static Event event(long seq, String payload, UUID base, String userId) {
		return new Event(UUID.randomUUID(), "origin-a", seq, 12345L + seq, "todo", "id \"" + seq + "\" \u202e\u0000",
				payload == null ? Op.DELETE : Op.PUT, payload == null ? null : payload.getBytes(StandardCharsets.UTF_8),
				base, userId, 3, 0);
	}

	@Test
	void eventsRoundTripWithPayloadBytesPreservedExactly() {
		String odd = "{ \"a\" : [1, 2.50, {\"x\":null}] ,\"s\":\"\\u0000 \u00e9\u4e2d\ud83d\ude00 \\\"q\\\"\",  \"n\":-9223372036854775808 }";
		List<Event> events = List.of(event(1, odd, null, null), event(2, "{}", UUID.randomUUID(), "user-1"),
				event(3, null, UUID.randomUUID(), null), event(4, "{}", null, null).withProject("team @ home/ש 1"));
		Frame decoded = codec.decode(unframe(codec.encode(new Frame.Events(events))));
		List<Event> back = ((Frame.Events) decoded).events();
		assertEquals(events, back);
		assertArrayEquals(odd.getBytes(StandardCharsets.UTF_8), back.get(0).payload(), "payload bytes are kept as written");
	}

	@Test
	void controlFramesRoundTrip() {
		VersionVector v = VersionVector.of(Map.of("a", 3L, "b", 9L));
		List<Frame> frames = List.of(new Frame.Hello(List.of(1), "node-1", "secret", v, Set.of("todo", "note")),
				new Frame.Hello(List.of(1, 2), "node-2", null, VersionVector.empty(), null),
				new Frame.Welcome(1, "node-3", v, null), new Frame.Welcome(1, "node-4", v, Set.of("a")), new Frame.Ack(v),
				new Frame.CaughtUp(v), new Frame.Ping(42),
				new Frame.Pong(43), new Frame.Error(ErrorCode.UNAUTHORIZED, "wrong token"),
				new Frame.Hello(List.of(2), "device", "t", v, Set.of("todo"), Frame.Hello.PUSH),
				new Frame.Hello(List.of(1, 2), "device", null, v, null, Frame.Hello.PULL), new Frame.Welcome(2, "n", v, null),
				new Frame.Rejected(List.of(new Frame.Rejection("device", 7, "FORBIDDEN", "another user's \u05E9"),
						new Frame.Rejection("device", 9, "INVALID_EVENT", ""))),
				new Frame.Rejected(List.of()), new Frame.Error(ErrorCode.FORBIDDEN, "no"));
		for (Frame f : frames) {
			assertEquals(f, codec.decode(unframe(codec.encode(f))), f.type().name());
		}
	}

	@Test
	void helloToStringHidesTheToken() {
		Frame.Hello h = new Frame.Hello(List.of(1), "n", "s3cr3t-token", VersionVector.empty(), null);
		assertFalse(h.toString().contains("s3cr3t-token"), h.toString());
	}

	@Test
	void malformedFramesAreDeclaredProtocolErrors() {
		List<byte[]> bad = List.of(new byte[0], new byte[] { 99, '{', '}' }, bytes(3, "{\"events\":[{\"id\":\"x\"}]}"),
				bytes(3, "[1,2]"), bytes(1, "{\"versions\":[1]}"), bytes(4, "{\"vector\":{\"a\":-1}}"),
				bytes(4, "{\"vector\":{\"a\":\"x\"}}"), bytes(3, "{\"events\":[{}]}"), bytes(2, "{\"version\":1"),
				bytes(3, "{\"events\":[]} trailing"),
				bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":0,\"hlc\":1,"
						+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":{}}]}"),
				bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"seq\":3,\"hlc\":1,"
						+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":{}}]}"),
				bytes(3, "{\"events\":[{\"origin\":\"o\",\"seq\":1,\"payload\":{\"a\":1}]}"),
				bytes(5, "{" + "\"a\":[".repeat(200) + "]}"));
		for (byte[] frame : bad) {
			PeerProtocolException e = assertThrows(PeerProtocolException.class, () -> codec.decode(frame),
					new String(frame, StandardCharsets.UTF_8));
			assertEquals(ErrorCode.BAD_FRAME, e.code());
		}
	}

	/**
	 * An event that cannot be decoded, or whose payload is over a limit, is refused alone: it stands as a blank
	 * at its address, its refusal names what is wrong, and the events around it decode.
	 */
	@Test
	void anEventThatCannotBeTakenIsRefusedAloneAndTheFrameDecodes() {
		Map<String, String> bad = new java.util.LinkedHashMap<>();
		bad.put("\"op\":\"NUKE\",\"payload\":{}", "field op");
		bad.put("\"op\":\"PUT\",\"payload\":[1]", "payload must be a JSON object");
		bad.put("\"op\":\"PUT\",\"payload\":{\"n\":" + "7".repeat(Limits.MAX_NUMBER_LENGTH + 1) + "}",
				"limit of " + Limits.MAX_NUMBER_LENGTH);
		bad.put("\"op\":\"PUT\",\"payload\":" + nested(Limits.MAX_NESTING + 1), "limit of " + Limits.MAX_NESTING);
		bad.put("\"op\":\"PUT\",\"payload\":{\"a\":1,\"a\":2}", "duplicate field");
		bad.put("\"op\":\"PUT\",\"payload\":{\"s\":\"\\ud800\"}", "lone surrogate");
		bad.put("\"op\":\"PUT\",\"schemaVersion\":99999999999,\"payload\":{}", "field schemaVersion");
		for (Map.Entry<String, String> c : bad.entrySet()) {
			UUID id = UUID.randomUUID();
			String frame = "{\"events\":[" + event(1, "\"op\":\"PUT\",\"payload\":{\"ok\":1}") + ","
					+ "{\"id\":\"" + id + "\",\"origin\":\"o\",\"seq\":2,\"hlc\":5,\"type\":\"t\",\"entityId\":\"e\","
					+ c.getKey() + "}," + event(3, "\"op\":\"DELETE\"") + "]}";
			Frame.Events decoded = (Frame.Events) codec.decode(bytes(3, frame));
			assertEquals(3, decoded.events().size(), c.getKey());
			assertFalse(decoded.events().get(0).isBlank());
			Event blank = decoded.events().get(1);
			assertTrue(blank.isBlank(), c.getKey());
			assertEquals("o", blank.origin());
			assertEquals(2, blank.originSeq());
			assertEquals(id, blank.id());
			assertEquals(Op.DELETE, decoded.events().get(2).op());
			assertEquals(1, decoded.refused().size(), c.getKey());
			Frame.Rejection r = decoded.refused().get(0);
			assertEquals(List.of("o", 2L, "INVALID_EVENT"), List.of(r.origin(), r.seq(), r.code()));
			assertTrue(r.reason().contains(c.getValue()), r.reason() + " should name " + c.getValue());
		}
	}

	/**
	 * Both directions: a payload the decoder passes, the engine's own check passes, and a payload the engine
	 * refuses, the decoder refuses (alone); at, just under and just over each limit.
	 */
	@Test
	void theDecoderAndTheEngineAgreeOnEveryPayloadLimit() {
		List<String> payloads = new ArrayList<>();
		for (int depth = Limits.MAX_NESTING - 2; depth <= Limits.MAX_NESTING + 2; depth++) {
			payloads.add(nested(depth));
		}
		for (int digits = Limits.MAX_NUMBER_LENGTH - 1; digits <= Limits.MAX_NUMBER_LENGTH + 1; digits++) {
			payloads.add("{\"n\":" + "7".repeat(digits) + "}");
			payloads.add("{\"n\":-0." + "7".repeat(digits - 3) + "}");
		}
		for (int keys = Limits.MAX_KEYS - 1; keys <= Limits.MAX_KEYS + 1; keys++) {
			StringBuilder b = new StringBuilder("{");
			for (int k = 0; k < keys; k++) {
				b.append(k == 0 ? "" : ",").append("\"k").append(k).append("\":0");
			}
			payloads.add(b.append('}').toString());
		}
		int passed = 0;
		for (String payload : payloads) {
			boolean engine;
			try {
				Limits.checkPayload(payload.getBytes(StandardCharsets.UTF_8));
				engine = true;
			}
			catch (ValidationException e) {
				engine = false;
			}
			assertEquals(engine, decodesWithPayload(payload), payload.length() > 80 ? payload.substring(0, 80) : payload);
			passed += engine ? 1 : 0;
		}
		assertEquals(3 + 4 + 2, passed, "at and under each limit pass (three depths, four numbers, two key counts); over it, none");
	}

	/**
	 * A sender finds, with one parser for a whole batch, each event that would break the frame it travels in,
	 * and only those: an event over a receiver's limits is the receiver's to refuse. Every event it passes
	 * decodes on the other side.
	 */
	@Test
	void theSenderFindsExactlyTheEventsThatCannotTravel() {
		List<byte[]> payloads = List.of(
				bytesOf("{\"ok\":1}"),
				bytesOf("{\"title\":\"cut off"),
				bytesOf("{\"s\":\"\u00e9\u20ac\ud83d\ude00\"}"),
				bytesOf("[1,2]"),
				new byte[] { '{', '"', 's', '"', ':', '"', (byte) 0xC3, '(', '"', '}' },
				bytesOf(nested(16 * Limits.MAX_NESTING + Limits.MAX_NESTING + 1)),
				bytesOf("{\"n\":" + "9".repeat(5 * Limits.MAX_NUMBER_LENGTH) + "}"),
				bytesOf("{\"a\":1} {\"b\":2}"),
				bytesOf("{\"after\":\"the bad ones\",\"deep\":" + nested(Limits.MAX_NESTING) + "}"),
				bytesOf("{\"a\":1 \"b\":2}"),
				bytesOf(""));
		List<Event> batch = new ArrayList<>();
		for (int i = 0; i < payloads.size(); i++) {
			batch.add(new Event(UUID.randomUUID(), "o", i + 1, 1, "t", "e" + i, Op.PUT, payloads.get(i), null, null, 1, 0));
		}
		Map<Integer, String> why = codec.unsendable(batch);
		assertEquals(Set.of(1, 3, 4, 5, 7, 9, 10), why.keySet(), why.toString());
		assertTrue(why.get(1).contains("not well-formed JSON"), why.get(1));
		assertTrue(why.get(3).contains("not a JSON object"), why.get(3));
		assertTrue(why.get(7).contains("content after its JSON object"), why.get(7));
		for (int i = 0; i < batch.size(); i++) {
			assertEquals(why.get(i), codec.unsendable(batch.get(i)), "alone as in a batch: " + i);
			if (!why.containsKey(i)) {
				Frame.Events decoded = (Frame.Events) codec.decode(unframe(codec.encode(new Frame.Events(List.of(batch.get(i))))));
				assertEquals(1, decoded.events().size());
			}
		}
		Event huge = new Event(UUID.randomUUID(), "o", 99, 1, "t", "e", Op.PUT, new byte[2048], null, null, 1, 0);
		assertTrue(new FrameCodec(1024).unsendable(huge).contains("over the maximum frame"));
	}

	private static byte[] bytesOf(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static String nested(int depth) {
		return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
	}

	private static String event(int seq, String rest) {
		return "{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":" + seq + ",\"hlc\":1,\"type\":\"t\","
				+ "\"entityId\":\"e\"," + rest + "}";
	}

	private boolean decodesWithPayload(String payload) {
		byte[] frame = bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":1,\"hlc\":1,"
				+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":" + payload + "}]}");
		Frame.Events events = (Frame.Events) codec.decode(frame);
		if (events.refused().isEmpty()) {
			assertArrayEquals(payload.getBytes(StandardCharsets.UTF_8), events.events().get(0).payload());
			return true;
		}
		assertTrue(events.events().get(0).isBlank());
		return false;
	}

	@Test
	void oversizeFramesAreRefusedBothWays() {
		FrameCodec small = new FrameCodec(100);
		Event big = event(1, "{\"x\":\"" + "y".repeat(200) + "\"}", null, null);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> small.encode(new Frame.Events(List.of(big))));
		assertTrue(e.getMessage().contains("exceeds the maximum"), e.getMessage());
		PeerProtocolException d = assertThrows(PeerProtocolException.class, () -> small.decode(new byte[101]));
		assertEquals(ErrorCode.FRAME_TOO_LARGE, d.code());
	}

	private static byte[] bytes(int type, String body) {
		byte[] b = body.getBytes(StandardCharsets.UTF_8);
		byte[] out = new byte[b.length + 1];
		out[0] = (byte) type;
		System.arraycopy(b, 0, out, 1, b.length);
		return out;
	}
}
