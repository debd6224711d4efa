package io.tributary.transport.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import reactor.core.publisher.Flux;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeats, idle timeouts and reconnect delays.
 */
class PeerLivenessTest extends PeerTestBase {


	@Test
	void silentPeerIsDisconnectedWithIdleTimeoutAndAnsweredPingsKeepASessionUp() {
		SyncEngine a = engine("a");
		PeerConfig fast = PeerConfig.defaults().withTimings(Duration.ofMillis(100), Duration.ofMillis(400));
		PeerServer server = server(a, fast);
		Connection c = TcpClient.create().host("127.0.0.1").port(server.port())
				.doOnConnected(conn -> Frames.install(conn, PeerConfig.DEFAULT_MAX_FRAME)).connectNow(T);
		try {
			// handshake, then say nothing: the server pings, and drops the session after 400 ms of silence
			c.outbound().sendByteArray(Flux.just(codec.encode(new Frame.Hello(List.of(1), "mute", null,
					VersionVector.empty(), null)))).then().subscribe();
			List<Frame> frames = c.inbound().receive().asByteArray().map(codec::decode).collectList().block(T);
			assertTrue(frames.get(0) instanceof Frame.Welcome, frames.toString());
			assertTrue(frames.stream().anyMatch(f -> f instanceof Frame.Ping), "server sent heartbeats: " + frames);
			Frame last = frames.get(frames.size() - 1);
			assertTrue(last instanceof Frame.Error && ((Frame.Error) last).code() == ErrorCode.IDLE_TIMEOUT,
					frames.toString());
		}
		finally {
			c.dispose();
		}
		// two real peers with the same timings stay connected well past the idle timeout: pings keep it up
		SyncEngine b = engine("b");
		PeerConnector connector = new PeerConnector(b, fast, new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		cleanup.add(connector::stop);
		connector.start();
		write(a, 10, "a");
		converge(T, a, b);
		long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
		Flux.interval(Duration.ofMillis(50)).takeUntil(i -> System.nanoTime() > until)
				.doOnNext(i -> assertTrue(connector.link().isConnected(), "session stayed up")).blockLast(T);
		write(a, 10, "a2");
		converge(T, a, b);
	}

	@Test
	void reconnectDelaysGrowExponentiallyWithJitterUpToTheCap() {
		Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.5);
		assertEquals(Duration.ofMillis(100), b.delay(0, () -> 0.0));
		assertEquals(Duration.ofMillis(50), b.delay(0, () -> 1.0));
		assertEquals(Duration.ofMillis(800), b.delay(3, () -> 0.0));
		assertEquals(Duration.ofSeconds(10), b.delay(7, () -> 0.0), "capped");
		assertEquals(Duration.ofSeconds(10), b.delay(1000, () -> 0.0), "no overflow");
		Random random = new Random(7);
		List<Duration> spread = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			Duration d = b.delay(20, random::nextDouble);
			assertTrue(d.compareTo(Duration.ofSeconds(5)) >= 0 && d.compareTo(Duration.ofSeconds(10)) <= 0, d.toString());
			spread.add(d);
		}
		assertTrue(spread.stream().distinct().count() > 150, "jitter spreads the delays");
	}
}
