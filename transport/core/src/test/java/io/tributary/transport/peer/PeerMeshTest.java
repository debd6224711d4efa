package io.tributary.transport.peer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import reactor.core.publisher.Mono;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three or more nodes converge in lines and rings; relayed events arrive exactly once; a restarted node
 * resumes from its vector.
 */
class PeerMeshTest extends PeerTestBase {

	private PeerConnector dial(SyncEngine from, PeerServer to) {
		PeerConnector c = new PeerConnector(from, PeerConfig.defaults(), new PeerAddress("127.0.0.1", to.port()),
				new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5));
		cleanup.add(c::stop);
		c.start();
		return c;
	}

	private static void assertStoredOnce(SyncEngine e) {
		Set<UUID> ids = new HashSet<>();
		List<Event> log = e.events(0).take(e.lastPosition()).collectList().block(T);
		for (Event ev : log) {
			assertTrue(ids.add(ev.id()), e.origin() + " holds " + ev + " twice");
		}
		assertEquals(e.vector().total(), log.size(), e.origin() + ": every event held once");
	}

	@Test
	void lineOfThreeConvergesAndRelaysEachEventOnce() {
		SyncEngine a = engine("a");
		SyncEngine b = engine("b");
		SyncEngine c = engine("c");
		PeerServer bServer = server(b, PeerConfig.defaults());
		dial(a, bServer);
		dial(c, bServer);
		Mono.when(Mono.fromRunnable(() -> write(a, 1500, "a")), Mono.fromRunnable(() -> write(c, 1500, "c")),
				Mono.fromRunnable(() -> write(b, 500, "b"))).block(T);
		converge(T, a, b, c);
		assertEquals(3500, c.vector().total());
		for (SyncEngine e : List.of(a, b, c)) {
			assertStoredOnce(e);
			assertEquals(a.query("todo").collectList().block(T), e.query("todo").collectList().block(T));
		}
	}

	@Test
	void ringOfFourConvergesAndRelaysEachEventOnce() {
		SyncEngine[] n = { engine("n0"), engine("n1"), engine("n2"), engine("n3") };
		PeerServer[] servers = new PeerServer[4];
		for (int i = 0; i < 4; i++) {
			servers[i] = server(n[i], PeerConfig.defaults());
		}
		for (int i = 0; i < 4; i++) {
			dial(n[i], servers[(i + 1) % 4]);
		}
		Mono.when(Mono.fromRunnable(() -> write(n[0], 800, "x")), Mono.fromRunnable(() -> write(n[1], 800, "y")),
				Mono.fromRunnable(() -> write(n[2], 800, "x")), Mono.fromRunnable(() -> write(n[3], 800, "z"))).block(T);
		converge(T, n);
		for (SyncEngine e : n) {
			assertEquals(3200, e.vector().total());
			assertStoredOnce(e);
			assertEquals(n[0].query("todo").collectList().block(T), e.query("todo").collectList().block(T));
		}
	}

	@Test
	void restartedNodeResumesFromItsVectorWithoutDuplicates(@TempDir Path dir) {
		SyncEngine a = engine("a");
		PeerServer server = server(a, PeerConfig.defaults());
		write(a, 1000, "a");
		SyncEngine b1 = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T)).origin("b")
				.open().block(T);
		PeerConnector first = new PeerConnector(b1, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		assertTrue(first.syncOnce(T).block(T).ok());
		b1.closeAsync().block(T);

		write(a, 250, "a2");
		SyncEngine b2 = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T)).open().block(T);
		cleanup.add(() -> b2.closeAsync().block(T));
		assertEquals(1000, b2.vector().get("a"), "the restarted node remembers what it holds");
		PeerConnector second = new PeerConnector(b2, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		var report = second.syncOnce(T).block(T);
		assertTrue(report.ok(), report.toString());
		assertEquals(250, report.received(), "only what it lacked was sent");
		assertEquals(a.vector(), b2.vector());
		assertStoredOnce(b2);
	}
}
