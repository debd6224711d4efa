package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.ForwardingStorage;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.memory.InMemoryStorage;
import io.tributary.transport.SyncReport;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad frames, wrong tokens, cut connections and a throttled receiver.
 */
class PeerFaultTest extends PeerTestBase {

	private static byte[] frame(int type, String body) {
		byte[] b = body.getBytes(StandardCharsets.UTF_8);
		byte[] out = new byte[b.length + 5];
		int len = b.length + 1;
		out[0] = (byte) (len >>> 24);
		out[1] = (byte) (len >>> 16);
		out[2] = (byte) (len >>> 8);
		out[3] = (byte) len;
		out[4] = (byte) type;
		System.arraycopy(b, 0, out, 5, b.length);
		return out;
	}

	private void assertServerStillServes(SyncEngine served, PeerServer server) {
		SyncEngine probe = engine("probe-" + UUID.randomUUID());
		SyncReport r = new PeerConnector(probe, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults()).syncOnce(T).block(T);
		assertTrue(r.ok(), r.toString());
		assertEquals(served.vector(), probe.vector());
	}

	@Test
	void badFramesGetAnErrorFrameAndOnlyThatConnectionCloses() {
		SyncEngine a = engine("a");
		write(a, 50, "a");
		PeerServer server = server(a, PeerConfig.defaults());
		assertEquals(ErrorCode.BAD_FRAME, lastError(raw(server.port(), frame(1, "{not json"))).code());
		assertEquals(ErrorCode.BAD_FRAME, lastError(raw(server.port(), frame(42, "{}"))).code());
		assertEquals(ErrorCode.PROTOCOL_VIOLATION,
				lastError(raw(server.port(), frame(3, "{\"events\":[]}"))).code(), "events before the handshake");
		byte[] oversize = { 0x7f, 0, 0, 0, 1 };
		assertEquals(ErrorCode.FRAME_TOO_LARGE, lastError(raw(server.port(), oversize)).code());
		assertServerStillServes(a, server);
	}

	@Test
	void unsupportedVersionIsRefused() {
		SyncEngine a = engine("a");
		PeerServer server = server(a, PeerConfig.defaults());
		byte[] hello = codec.encode(new Frame.Hello(List.of(99), "x", null, VersionVector.empty(), null));
		assertEquals(ErrorCode.UNSUPPORTED_VERSION, lastError(raw(server.port(), hello)).code());
	}

	@Test
	void peersWithoutTheRightTokenAreRefused() {
		SyncEngine a = engine("a");
		write(a, 20, "a");
		PeerServer server = server(a, PeerConfig.defaults().withToken("s3cret"));
		PeerAddress address = new PeerAddress("127.0.0.1", server.port());
		SyncEngine b = engine("b");
		for (String token : Arrays.asList(null, "wrong", "s3cret-but-longer", "")) {
			SyncReport r = new PeerConnector(b, PeerConfig.defaults().withToken(token), address, Backoff.defaults())
					.syncOnce(T).block(T);
			assertFalse(r.ok(), "token " + token);
			assertTrue(r.error().contains("UNAUTHORIZED"), r.error());
			assertEquals(0, b.vector().total(), "nothing was received without the token");
		}
		SyncReport ok = new PeerConnector(b, PeerConfig.defaults().withToken("s3cret"), address, Backoff.defaults())
				.syncOnce(T).block(T);
		assertTrue(ok.ok(), ok.toString());
		assertEquals(a.vector(), b.vector());
	}

	@Test
	void replayedEventFramesAreNoOps() {
		SyncEngine a = engine("a");
		write(a, 100, "a");
		PeerServer server = server(a, PeerConfig.defaults());
		List<Event> events = a.events(0).take(100).collectList().block(T);
		byte[] hello = codec.encode(new Frame.Hello(List.of(1), "replayer", null, a.vector(), null));
		byte[] replay = codec.encode(new Frame.Events(events));
		// the same events twice, after the peer already holds them: nothing is stored again
		Connection c = TcpClient.create().host("127.0.0.1").port(server.port())
				.doOnConnected(conn -> Frames.install(conn, PeerConfig.DEFAULT_MAX_FRAME)).connectNow(T);
		try {
			c.outbound().sendByteArray(Flux.just(hello, replay, replay)).then().subscribe();
			List<Frame> acks = c.inbound().receive().asByteArray().map(codec::decode)
					.filter(f -> f instanceof Frame.Ack).take(2).collectList().block(T);
			assertEquals(2, acks.size());
			assertEquals(a.vector(), ((Frame.Ack) acks.get(1)).vector());
		}
		finally {
			c.dispose();
		}
		assertEquals(100, a.lastPosition(), "replayed events stored no new event");
	}

	@Test
	void connectionCutMidStreamLosesNothing() {
		SyncEngine a = engine("a");
		write(a, 20_000, "a");
		PeerServer first = PeerServer.bind(a, PeerConfig.defaults().withBatching(100), "127.0.0.1", 0)
				.block(T);
		int port = first.port();
		SlowStorage slow = new SlowStorage(Duration.ofMillis(2));
		// the receiver's group commits are bounded by its engine's batch size (800 events, plus at most one sender
		// frame of 200): with the projection's lookup in each commit, more frames queue behind a slow store than the
		// default batch (2,048) would let through under the bound checked below
		SyncEngine b = SyncEngine.builder().storage(slow).origin("b").maxBatch(800).open().block(T);
		cleanup.add(() -> b.closeAsync().block(T));
		PeerConnector connector = new PeerConnector(b, PeerConfig.defaults(), new PeerAddress("127.0.0.1", port),
				new Backoff(Duration.ofMillis(20), Duration.ofMillis(100), 0.5));
		cleanup.add(connector::stop);
		connector.start();
		// wait until part of the stream arrived (B's 2,000th commit of A's events), then cut every connection
		b.events(0).filter(e -> e.origin().equals("a")).take(2000).last().block(T);
		assertTrue(b.vector().get("a") < 20_000, "cut happened mid-stream");
		first.close(Duration.ofSeconds(5)).block(T);
		PeerServer second = PeerServer.bind(a, PeerConfig.defaults(), "127.0.0.1", port).block(T);
		cleanup.add(() -> second.close(Duration.ofSeconds(5)).block(T));
		converge(Duration.ofSeconds(60), a, b);
		Set<UUID> ids = new HashSet<>();
		for (Event e : b.events(0).take(b.lastPosition()).collectList().block(T)) {
			assertTrue(ids.add(e.id()), "duplicate " + e);
		}
		assertEquals(20_000, ids.size());
	}

	@Test
	void throttledReceiverSlowsTheSenderAndTakesBoundedBatches() {
		throttledReceiver(this, () -> { }, () -> { });
	}

	/**
	 * 100,000 live events of ~1 KB (~100 MB) written to a node while its peer takes about 40,000 a second:
	 * the peer is still behind when the writes end, applies bounded batches, and then holds everything. The
	 * hooks run before the writes and when they ended ({@link PeerHeapIntegrationTest} measures the heap there).
	 */
	static void throttledReceiver(PeerTestBase test, Runnable beforeWrites, Runnable writesEnded) {
		SyncEngine a = test.engine("a");
		PeerServer server = test.server(a, PeerConfig.defaults().withBatching(200));
		SlowStorage slow = new SlowStorage(Duration.ofMillis(5));
		// the receiver's group commits are bounded by its engine's batch size (800 events, plus at most one sender
		// frame of 200): with the projection's lookup in each commit, more frames queue behind a slow store than the
		// default batch (2,048) would let through under the bound checked below
		SyncEngine b = SyncEngine.builder().storage(slow).origin("b").maxBatch(800).open().block(T);
		test.cleanup.add(() -> b.closeAsync().block(T));
		PeerConnector connector = new PeerConnector(b, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		test.cleanup.add(connector::stop);
		connector.start();
		String pad = "x".repeat(900);
		beforeWrites.run();
		Flux.range(0, 100_000)
				.flatMap(i -> a.put("doc", "d" + (i % 1000), "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}"), 64)
				.blockLast(Duration.ofSeconds(60));
		long writtenAt = b.vector().get("a");
		writesEnded.run();
		assertTrue(writtenAt < 100_000, "the receiver was behind when the writes ended: " + writtenAt);
		assertTrue(slow.maxBatch.get() <= 1000, "receiver applied bounded batches: " + slow.maxBatch.get());
		converge(Duration.ofSeconds(120), a, b);
		assertEquals(100_000, b.lastPosition(), "nothing lost");
	}

	@Test
	void largeEventsAreSplitAcrossFramesWithinTheFrameLimit() {
		SyncEngine a = engine("a");
		String big = "x".repeat(20_000);
		Flux.range(0, 200).concatMap(i -> a.put("doc", "d" + i, "{\"i\":" + i + ",\"big\":\"" + big + "\"}"))
				.blockLast(T);
		// 200 events of 20 KB (4 MB) through frames of at most 64 KB
		PeerConfig small = PeerConfig.defaults().withMaxFrameBytes(64 * 1024);
		PeerServer server = server(a, small);
		SyncEngine b = engine("b");
		SyncReport r = new PeerConnector(b, small, new PeerAddress("127.0.0.1", server.port()), Backoff.defaults())
				.syncOnce(T).block(T);
		assertTrue(r.ok(), r.toString());
		assertEquals(a.query("doc").collectList().block(T), b.query("doc").collectList().block(T));
	}

	/** An in-memory storage whose appends take a fixed extra time. */
	static final class SlowStorage extends ForwardingStorage {
		final Duration delay;
		final AtomicInteger maxBatch = new AtomicInteger();

		SlowStorage(Duration delay) {
			super(new InMemoryStorage());
			this.delay = delay;
		}

		@Override
		protected Mono<List<Event>> append(List<Event> batch) {
			maxBatch.accumulateAndGet(batch.size(), Math::max);
			return Mono.delay(delay).then(super.append(batch));
		}
	}
}
