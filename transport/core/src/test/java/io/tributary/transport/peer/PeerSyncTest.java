package io.tributary.transport.peer;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.transport.SyncReport;
import reactor.core.publisher.Mono;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes over loopback TCP.
 */
class PeerSyncTest extends PeerTestBase {

	@Test
	void syncOnceExchangesWhatEachSideLacks() {
		SyncEngine a = engine("a");
		SyncEngine b = engine("b");
		write(a, 500, "a");
		write(b, 300, "b");
		PeerServer server = server(a, PeerConfig.defaults());
		PeerConnector connector = new PeerConnector(b, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		SyncReport report = connector.syncOnce(T).block(T);
		assertTrue(report.ok(), report.toString());
		assertEquals(300, report.sent());
		assertEquals(500, report.received());
		assertEquals(a.vector(), b.vector());
		assertEquals(a.query("todo").collectList().block(T), b.query("todo").collectList().block(T));
	}

	@Test
	void liveSessionStreamsConcurrentWritesBothWays() {
		SyncEngine a = engine("a");
		SyncEngine b = engine("b");
		PeerServer server = server(a, PeerConfig.defaults());
		PeerConnector connector = new PeerConnector(b, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		cleanup.add(connector::stop);
		connector.start();
		Mono.when(Mono.fromRunnable(() -> write(a, 2000, "a")), Mono.fromRunnable(() -> write(b, 2000, "b"))).block(T);
		converge(T, a, b);
		assertEquals(4000, a.vector().total());
		List<EntityState> sa = a.query("todo").collectList().block(T);
		assertEquals(sa, b.query("todo").collectList().block(T));
		// nothing applied twice
		Set<UUID> ids = new HashSet<>();
		for (Event e : b.events(0).take(b.lastPosition()).collectList().block(T)) {
			assertTrue(ids.add(e.id()), "duplicate " + e);
		}
	}
}
