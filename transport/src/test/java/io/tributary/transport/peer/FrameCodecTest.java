package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.Op;
import io.tributary.VersionVector;
import io.tributary.internal.Json;

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
				event(3, null, UUID.randomUUID(), null));
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
				new Frame.Welcome(1, "node-3", v, null), new Frame.Welcome(1, "node-4", v, Set.of("a")), new Frame.Ack(v), new Frame.CaughtUp(v), new Frame.Ping(42),
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
				bytes(3, "{\"events\":[]} trailing"), bytes(3,
						"{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":1,\"hlc\":1,"
								+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":[1]}]}"),
				bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":0,\"hlc\":1,"
						+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":{}}]}"),
				bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":1,\"hlc\":1,"
						+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"NUKE\",\"payload\":{}}]}"),
				bytes(5, "{" + "\"a\":[".repeat(200) + "]}"));
		for (byte[] frame : bad) {
			PeerProtocolException e = assertThrows(PeerProtocolException.class, () -> codec.decode(frame),
					new String(frame, StandardCharsets.UTF_8));
			assertEquals(ErrorCode.BAD_FRAME, e.code());
		}
	}

	/** What the decoder lets through, the engine's own payload check would let through: see SyncEngine.applyChecked. */
	@Test
	void payloadsTheDecoderPassesPassTheEnginesCheck() {
		int deepestPassed = 0;
		for (int depth = 1; depth <= Json.MAX_NESTING + 4; depth++) {
			String payload = "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
			if (decodesWithPayload(payload)) {
				deepestPassed = depth;
				byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
				Json.requireObject(bytes); // throws when the engine would refuse it
			}
		}
		assertEquals(Json.MAX_NESTING - 3, deepestPassed, "the frame, its events array and the event are three levels");
		for (int digits : new int[] { 99, 100, 101, 1000, 1001 }) {
			String payload = "{\"n\":" + "7".repeat(digits) + "}";
			boolean passed = decodesWithPayload(payload);
			assertEquals(digits <= 100, passed, digits + " digits");
			if (passed) {
				Json.requireObject(payload.getBytes(StandardCharsets.UTF_8));
			}
		}
	}

	private boolean decodesWithPayload(String payload) {
		byte[] frame = bytes(3, "{\"events\":[{\"id\":\"" + UUID.randomUUID() + "\",\"origin\":\"o\",\"seq\":1,\"hlc\":1,"
				+ "\"type\":\"t\",\"entityId\":\"e\",\"op\":\"PUT\",\"payload\":" + payload + "}]}");
		try {
			Frame.Events events = (Frame.Events) codec.decode(frame);
			assertArrayEquals(payload.getBytes(StandardCharsets.UTF_8), events.events().get(0).payload());
			return true;
		}
		catch (PeerProtocolException e) {
			assertEquals(ErrorCode.BAD_FRAME, e.code());
			return false;
		}
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
