package io.tributary.transport.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tributary.VersionVector;
import reactor.core.publisher.Mono;

class ClientStateTest {

	private final ClientState start = ClientState.initial(() -> Mono.just("old"), Set.of("note"));

	@Test
	void aRefusedTokenStaysRefusedAcrossOtherFailuresAndSuccessesUntilANewTokenIsGiven() {
		ClientState refused = start.failed("outsync: unauthorized", true);
		assertTrue(refused.authRequired());
		ClientState later = refused.failed("downsync: timeout", false).downsynced(Instant.EPOCH);
		assertTrue(later.authRequired(), "only a new token clears the refusal");
		assertNull(later.lastError(), "a success clears the error");

		ClientState renewed = later.withNewToken(() -> Mono.just("new"));
		assertFalse(renewed.authRequired());
		assertEquals("new", renewed.tokens().get().block());
	}

	@Test
	void logoutLeavesNoTokenNoRefusalAndNoErrorButKeepsWhatTheUpstreamHolds() {
		ClientState synced = start.heard(VersionVector.of(Map.of("a", 3L))).failed("outsync: unauthorized", true);
		ClientState out = synced.loggedOut();
		assertNull(out.tokens().get().block());
		assertFalse(out.authRequired());
		assertNull(out.lastError());
		assertEquals(3L, out.upstreamVector().get("a"));
		assertEquals(Set.of("note"), out.types());
	}

	@Test
	void heardVectorsMergeByTheLargerSequence() {
		ClientState s = start.heard(VersionVector.of(Map.of("a", 5L, "b", 1L))).heard(VersionVector.of(Map.of("a", 2L,
				"b", 4L)));
		assertEquals(5L, s.upstreamVector().get("a"));
		assertEquals(4L, s.upstreamVector().get("b"));
	}
}
