package io.tributary.transport.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeats, idle timeouts and reconnect delays, on virtual time: the sessions' timers run on a
 * {@link VirtualTimeScheduler} that the test advances, and between steps the test waits for the frame that
 * shows the other side acted (a PING, the PONG that answers one), never for a span of wall-clock time.
 */
class PeerLivenessTest extends PeerTestBase {

	private static final Duration HEARTBEAT = Duration.ofMillis(100);
	private static final Duration IDLE = Duration.ofMillis(400);
	private static final PeerConfig FAST = PeerConfig.defaults().withTimings(HEARTBEAT, IDLE);

	/** A raw protocol endpoint driven by the test: frames it receives wait in a queue. */
	private final class RawPeer {
		final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
		final Sinks.Many<byte[]> outbound = Sinks.many().unicast().onBackpressureBuffer();
		final Sinks.Empty<Void> closed = Sinks.empty();

		void listen(NettyInbound in) {
			in.receive().asByteArray().map(codec::decode)
					.subscribe(received::add, e -> closed.tryEmitEmpty(), () -> closed.tryEmitEmpty());
		}

		void send(Frame frame) {
			assertTrue(outbound.tryEmitNext(codec.encode(frame)).isSuccess(), "queued " + frame);
		}

		/** The next frame that is not a PING (pings are counted), waiting at most {@link #T}. */
		Frame next(AtomicInteger pings) throws InterruptedException {
			for (;;) {
				Frame f = received.poll(T.toMillis(), TimeUnit.MILLISECONDS);
				assertNotNull(f, "a frame arrived");
				if (!(f instanceof Frame.Ping)) {
					return f;
				}
				pings.incrementAndGet();
			}
		}

		/** Sends a PING and waits for its PONG: the other side has then read everything sent before. */
		void roundTrip(long nanos, AtomicInteger pings) throws InterruptedException {
			send(new Frame.Ping(nanos));
			Frame answer = next(pings);
			assertEquals(new Frame.Pong(nanos), answer, "the session answered instead of ending");
		}
	}

	private Connection dial(PeerServer server, RawPeer peer) {
		Connection c = TcpClient.create().host("127.0.0.1").port(server.port())
				.doOnConnected(conn -> Frames.install(conn, PeerConfig.DEFAULT_MAX_FRAME)).connectNow(T);
		cleanup.add(c::dispose);
		peer.listen(c.inbound());
		c.outbound().sendByteArray(peer.outbound.asFlux()).then().subscribe();
		return c;
	}

	@Test
	void silentPeerIsPingedThenDisconnectedWithIdleTimeout() throws InterruptedException {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		cleanup.add(clock::dispose);
		PeerServer server = PeerServer.bind(engine("a"), FAST, "127.0.0.1", 0, clock).block(T);
		cleanup.add(() -> server.close(Duration.ofSeconds(5)).block(T));
		RawPeer mute = new RawPeer();
		dial(server, mute);
		mute.send(new Frame.Hello(List.of(1), "mute", null, VersionVector.empty(), null));
		AtomicInteger pings = new AtomicInteger();
		assertInstanceOf(Frame.Welcome.class, mute.next(pings));
		assertInstanceOf(Frame.CaughtUp.class, mute.next(pings), "the server's (empty) catch-up ended");
		// just short of the idle timeout the session is up and has pinged: heartbeats at 100, 200 and 300 ms
		clock.advanceTimeBy(IDLE.minus(HEARTBEAT.dividedBy(2)));
		for (int i = 0; i < 3; i++) {
			assertInstanceOf(Frame.Ping.class, mute.received.poll(T.toMillis(), TimeUnit.MILLISECONDS));
		}
		// then nothing came in for 400 ms: the server says why and closes
		clock.advanceTimeBy(HEARTBEAT);
		Frame last = mute.next(pings);
		assertInstanceOf(Frame.Error.class, last);
		assertEquals(ErrorCode.IDLE_TIMEOUT, ((Frame.Error) last).code(), last.toString());
		mute.closed.asMono().block(T);
	}

	@Test
	void peerThatAnswersStaysConnectedWellPastTheIdleTimeout() throws InterruptedException {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		cleanup.add(clock::dispose);
		PeerServer server = PeerServer.bind(engine("a"), FAST, "127.0.0.1", 0, clock).block(T);
		cleanup.add(() -> server.close(Duration.ofSeconds(5)).block(T));
		RawPeer talker = new RawPeer();
		dial(server, talker);
		talker.send(new Frame.Hello(List.of(1), "talker", null, VersionVector.empty(), null));
		AtomicInteger pings = new AtomicInteger();
		assertInstanceOf(Frame.Welcome.class, talker.next(pings));
		assertInstanceOf(Frame.CaughtUp.class, talker.next(pings), "the server's (empty) catch-up ended");
		// ten idle timeouts of virtual time, a heartbeat at a time, the peer pinging once per heartbeat
		for (int step = 0; step < 40; step++) {
			clock.advanceTimeBy(HEARTBEAT);
			talker.roundTrip(step, pings);
		}
		assertTrue(pings.get() >= 30, "the server kept sending heartbeats: " + pings.get());
		assertEquals(1, server.links().size(), "the session is up");
		assertTrue(server.links().get(0).isConnected());
		// the same clock ends the session once the peer falls silent
		clock.advanceTimeBy(IDLE);
		Frame last = talker.next(pings);
		assertEquals(ErrorCode.IDLE_TIMEOUT, ((Frame.Error) last).code(), last.toString());
	}

	@Test
	void connectorAnswersPingsAndKeepsItsSessionPastTheIdleTimeout() throws InterruptedException {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		cleanup.add(clock::dispose);
		RawPeer acceptor = new RawPeer();
		DisposableServer raw = TcpServer.create().host("127.0.0.1").port(0)
				.doOnConnection(conn -> Frames.install(conn, PeerConfig.DEFAULT_MAX_FRAME))
				.handle((in, out) -> {
					acceptor.listen(in);
					return out.sendByteArray(acceptor.outbound.asFlux());
				})
				.bindNow(T);
		cleanup.add(raw::disposeNow);
		SyncEngine b = engine("b");
		PeerConnector connector = new PeerConnector(b, FAST, new PeerAddress("127.0.0.1", raw.port()),
				Backoff.defaults(), clock);
		cleanup.add(connector::stop);
		connector.start();
		AtomicInteger pings = new AtomicInteger();
		assertInstanceOf(Frame.Hello.class, acceptor.next(pings));
		acceptor.send(new Frame.Welcome(1, "acceptor", VersionVector.empty(), null, null));
		assertInstanceOf(Frame.CaughtUp.class, acceptor.next(pings), "the connector's (empty) catch-up ended");
		for (int step = 0; step < 40; step++) {
			clock.advanceTimeBy(HEARTBEAT);
			acceptor.roundTrip(step, pings);
		}
		assertTrue(pings.get() >= 30, "the connector kept sending heartbeats: " + pings.get());
		assertTrue(connector.link().isConnected(), "the session stayed up");
		clock.advanceTimeBy(IDLE);
		Frame last = acceptor.next(pings);
		assertEquals(ErrorCode.IDLE_TIMEOUT, ((Frame.Error) last).code(), last.toString());
	}

	@Test
	void reconnectsWaitTheBackoffDelaysOnTheConnectorsClock() {
		Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(500), 0.5);
		AtomicLong attempts = new AtomicLong();
		AtomicInteger dials = new AtomicInteger();
		// no jitter drawn (0.0): the full delays, 100, 200, 400 then the 500 ms cap
		StepVerifier.withVirtualTime(() -> Mono.defer(() -> {
			dials.incrementAndGet();
			return Mono.<Void>error(new java.io.IOException("connection refused"));
		}).retryWhen(PeerConnector.reconnects(backoff, attempts, () -> 0.0,
				reactor.core.scheduler.Schedulers.parallel())))
				.expectSubscription()
				.then(() -> assertEquals(1, dials.get()))
				.expectNoEvent(Duration.ofMillis(99))
				.then(() -> assertEquals(1, dials.get(), "no retry before the first delay"))
				.thenAwait(Duration.ofMillis(1))
				.then(() -> assertEquals(2, dials.get()))
				.thenAwait(Duration.ofMillis(199))
				.then(() -> assertEquals(2, dials.get()))
				.thenAwait(Duration.ofMillis(1))
				.then(() -> assertEquals(3, dials.get()))
				.thenAwait(Duration.ofMillis(400))
				.then(() -> assertEquals(4, dials.get()))
				.thenAwait(Duration.ofMillis(499))
				.then(() -> assertEquals(4, dials.get(), "capped at 500 ms"))
				.thenAwait(Duration.ofMillis(1))
				.then(() -> {
					assertEquals(5, dials.get());
					// a session that caught up resets the count (the delay before the 6th dial was drawn already)
					attempts.set(0);
				})
				.thenAwait(Duration.ofMillis(500))
				.then(() -> assertEquals(6, dials.get()))
				.thenAwait(Duration.ofMillis(99))
				.then(() -> assertEquals(6, dials.get(), "back to the first delay after the reset"))
				.thenAwait(Duration.ofMillis(1))
				.then(() -> assertEquals(7, dials.get()))
				.thenCancel()
				.verify(T);
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
