package io.tributary.transport.node;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole nodes (H2 files, peer server, connectors, HTTP API) on loopback.
 */
class SyncNodeIntegrationTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final ObjectMapper JSON = new ObjectMapper();

	@TempDir
	Path dir;

	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stop() {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode start(String name, String token, SyncNode... peers) {
		SyncNode.Builder b = SyncNode.builder().dataDir(dir.resolve(name)).nodeId(name).httpPort(0).peerPort(0)
				.token(token).backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(500), 0.5));
		for (SyncNode p : peers) {
			b.peer(new PeerAddress("127.0.0.1", p.peerPort()));
		}
		SyncNode node = b.start().block(T);
		nodes.add(node);
		return node;
	}

	private static HttpClient http(SyncNode node, String token) {
		HttpClient c = HttpClient.create().baseUrl("http://127.0.0.1:" + node.httpPort());
		return token == null ? c : c.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token));
	}

	private static JsonNode get(SyncNode node, String token, String path) {
		String body = http(node, token).get().uri(path).responseContent().aggregate().asString().block(T);
		try {
			return JSON.readTree(body);
		}
		catch (java.io.IOException e) {
			throw new IllegalStateException(body, e);
		}
	}

	private static int post(SyncNode node, String token, String path, String body) {
		return http(node, token).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json")).post().uri(path)
				.send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8, io.netty.buffer.ByteBufAllocator.DEFAULT))
				.response().map(r -> r.status().code()).block(T);
	}

	private static void writeChanges(SyncNode node, String token, String prefix, int n) {
		Flux.range(0, n / 50).concatMap(batch -> Mono.fromCallable(() -> {
			StringBuilder sb = new StringBuilder("[");
			for (int i = 0; i < 50; i++) {
				int k = batch * 50 + i;
				sb.append(i == 0 ? "" : ",").append("{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"")
						.append(prefix).append(k % 40).append("\",\"data\":{\"k\":").append(k).append("}}");
			}
			return post(node, token, "/api/changes", sb.append(']').toString());
		})).doOnNext(status -> assertEquals(201, status)).blockLast(T);
	}

	/**
	 * Completes once every node's engine has committed {@code events} events. Subscribed before the writes,
	 * so that every event reaches it live, after the engine folded it into the entity states the convergence
	 * hash is computed from.
	 */
	private static java.util.concurrent.CompletableFuture<Void> whenEachHolds(long events, SyncNode... ns) {
		return Flux.fromArray(ns).flatMap(n -> n.engine().events(0).take(events).then()).then().toFuture();
	}

	private static void assertSameHash(String token, SyncNode... ns) {
		JsonNode first = get(ns[0], token, "/api/convergence").get("hash");
		for (SyncNode n : ns) {
			assertEquals(first, get(n, token, "/api/convergence").get("hash"), n.engine().origin());
		}
	}

	@Test
	void threeNodesInALineConvergeAfterConcurrentWritesOverHttp() {
		SyncNode a = start("a", "tok");
		SyncNode b = start("b", "tok", a);
		SyncNode c = start("c", "tok", b);
		java.util.concurrent.CompletableFuture<Void> converged = whenEachHolds(1200, a, b, c);
		Mono.when(Mono.fromRunnable(() -> writeChanges(a, "tok", "a", 500)),
				Mono.fromRunnable(() -> writeChanges(c, "tok", "c", 500)),
				Mono.fromRunnable(() -> writeChanges(b, "tok", "b", 200))).block(T);
		Mono.fromFuture(converged).block(T);
		assertSameHash("tok", a, b, c);
		JsonNode stats = get(c, "tok", "/api/stats");
		assertEquals(1200, stats.get("totalEvents").asLong(), stats.toString());
		assertEquals(120, get(a, "tok", "/api/convergence").get("entities").asLong());
		assertTrue(get(b, "tok", "/api/stats").get("peers").size() >= 2, "b sees a and c");
	}

	@Test
	void aNodesPayloadLimitIsTheOneItsEngineAndApiEnforce() {
		SyncNode small = SyncNode.builder().dataDir(dir.resolve("small")).nodeId("small").httpPort(0).peerPort(0)
				.token("tok").maxPayloadBytes(64).start().block(T);
		nodes.add(small);
		assertEquals(64, small.engine().maxPayloadBytes());
		assertEquals(201, post(small, "tok", "/api/changes",
				"{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"s\",\"data\":{\"n\":1}}"));
		assertEquals(413, post(small, "tok", "/api/changes", "{\"entityType\":\"todo\",\"operation\":\"create\","
				+ "\"entityId\":\"l\",\"data\":{\"text\":\"" + "x".repeat(100) + "\"}}"));
		// a payload limit whose events do not fit a peer frame is refused before anything is opened
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> SyncNode.builder().dataDir(dir.resolve("huge")).httpPort(0).peerPort(0)
						.maxPayloadBytes(io.tributary.Limits.DEFAULT_MAX_FRAME_BYTES).start().block(T));
		assertTrue(e.getMessage().contains("needs peer frames of at least"), e.getMessage());
	}

	@Test
	void apiRequiresTheTokenAndSyncCommandReportsAnExchange() {
		SyncNode a = start("a", "tok");
		SyncNode b = start("b", "tok");
		writeChanges(a, "tok", "a", 100);
		assertEquals(401, http(a, null).get().uri("/api/stats").response().map(r -> r.status().code()).block(T));
		assertNotEquals(get(a, "tok", "/api/convergence").get("hash"), get(b, "tok", "/api/convergence").get("hash"));
		JsonNode report = JSON.valueToTree(b.peers().syncNow("127.0.0.1:" + a.peerPort()).block(T));
		assertTrue(report.get("ok").asBoolean(), report.toString());
		assertEquals(100, report.get("received").asLong());
		assertEquals(get(a, "tok", "/api/convergence").get("hash"), get(b, "tok", "/api/convergence").get("hash"));
	}

	@Test
	void closeFinishesAcceptedWritesAndTheDataSurvivesARestart() {
		SyncNode a = start("a", null);
		writeChanges(a, null, "a", 300);
		String hash = get(a, null, "/api/convergence").get("hash").asText();
		nodes.remove(a);
		a.close(Duration.ofSeconds(5)).block(T);
		SyncNode again = start("a", null);
		assertEquals(hash, get(again, null, "/api/convergence").get("hash").asText());
		assertEquals(300, again.engine().vector().get("a"));
	}
}
