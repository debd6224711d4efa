package io.tributary.transport.peer;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tributary.VersionVector;
import io.tributary.transport.PeerStatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A link's lag: events each way from the two vectors, and seconds from when the peer first lacked some. */
class PeerLinkTest {

	private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

	/** A clock that shows what the test sets. */
	private static final class SetClock extends Clock {
		private Instant now = T0;

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return now;
		}
	}

	@Test
	void lagCountsWhatEachSideHoldsAboveTheOtherAndDatesFromTheFirstObservedGap() {
		SetClock clock = new SetClock();
		PeerLink link = new PeerLink("b:7070", "outbound", clock);
		link.connected("b", VersionVector.of(Map.of("a", 3L, "b", 5L)));
		VersionVector local = VersionVector.of(Map.of("a", 3L, "b", 4L));
		PeerStatus caughtUp = link.status(local);
		assertEquals(0, caughtUp.lagEvents());
		assertEquals(1, caughtUp.behindEvents(), "b holds one event of its own that a lacks");
		assertNull(caughtUp.laggingSince());
		assertEquals(0.0, caughtUp.lagSeconds(clock.now));

		clock.now = T0.plusSeconds(10);
		link.disconnected(new java.io.IOException("connection reset"));
		local = VersionVector.of(Map.of("a", 10L, "b", 5L, "c", 2L));
		assertEquals(9, link.observe(local), "7 of a's and 2 of c's");
		clock.now = T0.plusSeconds(40);
		PeerStatus lagging = link.status(local);
		assertEquals(9, lagging.lagEvents());
		assertEquals(0, lagging.behindEvents());
		assertEquals(T0.plusSeconds(10), lagging.laggingSince(), "from the first observation that saw the gap");
		assertEquals(30.0, lagging.lagSeconds(clock.now));
		assertEquals(T0.plusSeconds(10), lagging.since(), "down since the disconnect");
		assertEquals("connection reset", lagging.lastError());
		assertEquals(T0.plusSeconds(10), lagging.lastErrorAt());

		clock.now = T0.plusSeconds(50);
		link.connected("b", local);
		PeerStatus back = link.status(local);
		assertEquals(0, back.lagEvents());
		assertNull(back.laggingSince());
		assertEquals(0.0, back.lagSeconds(clock.now));
		assertEquals(T0.plusSeconds(50), back.since());
	}
}
