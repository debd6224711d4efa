package io.tributary.spi;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.Uuid7;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErasureTest {

	private static final long T0 = 1_700_000_000_000L;

	private static byte[] encoded(String userId, String payload) {
		return EventCodec.encode(new Event(Uuid7.create(T0), "phone", 1, Hlc.pack(T0, 0), "todo", "milk", Op.PUT,
				payload.getBytes(StandardCharsets.UTF_8), null, userId, 1, 0));
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void anEncodedEventWithoutTheUsersIdIsNeverTheUsers() {
		byte[] alices = encoded("alice", "{\"title\":\"Buy milk\"}");
		assertTrue(Erasure.mayOwn(utf8("alice"), alices));
		assertFalse(Erasure.mayOwn(utf8("bob"), alices));
		assertFalse(Erasure.mayOwn(utf8("alice"), encoded(null, "{\"title\":\"Buy milk\"}")));
	}

	@Test
	void theIdElsewhereInTheEventOnlyAsksForADecode() {
		// "bob" in the payload: the bytes may be bob's, the decoded event says they are not
		byte[] mentionsBob = encoded("alice", "{\"to\":\"bob\"}");
		assertTrue(Erasure.mayOwn(utf8("bob"), mentionsBob));
		assertFalse(Erasure.owns("bob", EventCodec.decode(mentionsBob, 1)));
	}
}
