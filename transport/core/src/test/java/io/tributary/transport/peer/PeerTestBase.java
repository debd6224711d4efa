package io.tributary.transport.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;
import reactor.netty.Connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Engines, servers and helpers shared by the peer tests; everything made is closed after each test.
 */
abstract class PeerTestBase {

	static final Duration T = Duration.ofSeconds(30);

	final List<Runnable> cleanup = new ArrayList<>();

	@AfterEach
	void tearDown() {
		for (int i = cleanup.size() - 1; i >= 0; i--) {
			cleanup.get(i).run();
		}
	}

	SyncEngine engine(String origin) {
		SyncEngine e = SyncEngine.builder().storage(new InMemoryStorage()).origin(origin).open().block(T);
		cleanup.add(() -> e.closeAsync().block(T));
		return e;
	}

	PeerServer server(SyncEngine engine, PeerConfig config) {
		PeerServer s = PeerServer.bind(engine, config, "127.0.0.1", 0).block(T);
		cleanup.add(() -> s.close(Duration.ofSeconds(5)).block(T));
		return s;
	}

	/**
	 * Waits until the engines hold the same vector. Each engine's commits are the moments to compare: the
	 * check runs once now and again on every event any of them commits (an engine's vector is updated
	 * before its event streams see the commit), so nothing is polled.
	 */
	static void converge(Duration timeout, SyncEngine... engines) {
		Flux.defer(() -> {
			// the streams start after the positions read before the first check: no commit slips between
			Flux<Event> commits = Flux.merge(java.util.Arrays.stream(engines).map(e -> e.events(e.lastPosition()))
					.toList());
			return Flux.concat(Mono.just(Boolean.TRUE), commits.map(e -> Boolean.TRUE));
		}).filter(tick -> sameVector(engines)).next().block(timeout);
		assertTrue(sameVector(engines), "converged");
	}

	private static boolean sameVector(SyncEngine... engines) {
		for (SyncEngine e : engines) {
			if (!e.vector().equals(engines[0].vector())) {
				return false;
			}
		}
		return true;
	}

	static void write(SyncEngine e, int n, String prefix) {
		Flux.range(0, n).flatMap(i -> e.put("todo", prefix + (i % 37), "{\"n\":" + i + ",\"by\":\"" + prefix + "\"}"), 32)
				.blockLast(T);
	}

	final FrameCodec codec = new FrameCodec(PeerConfig.DEFAULT_MAX_FRAME);

	/** Sends raw bytes to a server and returns the frames it answers with until it closes the connection. */
	List<Frame> raw(int port, byte[]... chunks) {
		Connection c = TcpClient.create().host("127.0.0.1").port(port)
				.doOnConnected(conn -> Frames.install(conn, PeerConfig.DEFAULT_MAX_FRAME)).connectNow(T);
		try {
			// listen before sending: the server may answer and close at once
			Mono<List<Frame>> answer = c.inbound().receive().asByteArray().map(codec::decode).collectList();
			Mono<Boolean> send = c.outbound().sendByteArray(Flux.fromArray(chunks)).then().thenReturn(true)
					.onErrorReturn(false);
			return Mono.zip(answer, send).map(t -> t.getT1()).block(T);
		}
		finally {
			c.dispose();
		}
	}

	static Frame.Error lastError(List<Frame> frames) {
		assertFalse(frames.isEmpty(), "server answered");
		Frame last = frames.get(frames.size() - 1);
		assertTrue(last instanceof Frame.Error, "last frame is an error: " + frames);
		return (Frame.Error) last;
	}

}
