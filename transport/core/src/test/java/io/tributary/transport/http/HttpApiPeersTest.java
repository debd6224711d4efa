package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.transport.PeerStatus;
import io.tributary.transport.SyncReport;
import io.tributary.transport.http.TestClient.Response;
import reactor.core.publisher.Mono;

class HttpApiPeersTest {

	private final ApiFixture fixture = new ApiFixture();
	private final List<String> synced = new CopyOnWriteArrayList<>();
	private TestClient client;

	@BeforeEach
	void start() {
		SyncEngine engine = fixture.engine("node-a");
		PeerStatus peer = new PeerStatus("10.0.0.2:7000", "node-b", "outbound", true,
				VersionVector.of(Map.of("node-a", 3L, "node-b", 5L)), 3, 5, null);
		FakePeers peers = new FakePeers(() -> List.of(peer), hostPort -> {
			synced.add(hostPort);
			switch (hostPort) {
			case "good:7000":
				return Mono.just(new SyncReport(hostPort, true, 2, 4, VersionVector.of(Map.of("a", 6L)),
						VersionVector.of(Map.of("a", 6L)), 12, null));
			case "refusing:7000":
				return Mono.just(new SyncReport(hostPort, false, 0, 0, VersionVector.empty(), VersionVector.empty(), 3,
						"handshake refused: bad token"));
			case "bad:7000":
				return Mono.error(new IllegalArgumentException("cannot resolve bad"));
			default:
				return Mono.error(new java.net.ConnectException("connection refused"));
			}
		});
		client = new TestClient(fixture.serve(HttpApi.builder(engine).peers(peers).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	@Test
	void statsListThePeers() {
		JsonNode peers = client.get("/api/stats").json().get("peers");
		assertEquals(1, peers.size());
		JsonNode p = peers.get(0);
		assertEquals("10.0.0.2:7000", p.get("address").asText());
		assertEquals("node-b", p.get("nodeId").asText());
		assertEquals("outbound", p.get("direction").asText());
		assertTrue(p.get("connected").asBoolean());
		assertEquals(5, p.get("vector").get("node-b").asLong());
		assertEquals(3, p.get("eventsSent").asLong());
		assertEquals(5, p.get("eventsReceived").asLong());
		assertTrue(p.get("lastError").isNull());
	}

	@Test
	void syncAnswersTheReport() {
		Response r = client.request(HttpMethod.POST, "/api/sync?peer=good:7000", null, null);
		assertEquals(200, r.status(), r.body());
		JsonNode report = r.json();
		assertEquals("good:7000", report.get("peer").asText());
		assertTrue(report.get("ok").asBoolean());
		assertEquals(2, report.get("sent").asLong());
		assertEquals(4, report.get("received").asLong());
		assertEquals(6, report.get("localVector").get("a").asLong());
		assertEquals(List.of("good:7000"), synced);
	}

	@Test
	void missingOrMalformedPeerIsABadRequest() {
		for (String query : List.of("", "?peer=", "?peer=host", "?peer=host:0", "?peer=host:99999", "?peer=:80",
				"?peer=host:x", "?peer=a:b:80", "?peer=%5B%5D:80")) {
			Response r = client.request(HttpMethod.POST, "/api/sync" + query, null, null);
			assertEquals(400, r.status(), query);
			assertEquals("invalid_parameter", r.error(), query);
		}
		assertEquals(List.of(), synced, "no sync was tried");
		// the fake directory cannot reach it: the address got through to the directory
		assertEquals(502, client.request(HttpMethod.POST, "/api/sync?peer=%5B::1%5D:7000", null, null).status());
		assertEquals(List.of("[::1]:7000"), synced, "an IPv6 address in brackets is accepted");
	}

	@Test
	void peerRefusedByTheDirectoryIsABadRequest() {
		Response r = client.request(HttpMethod.POST, "/api/sync?peer=bad:7000", null, null);
		assertEquals(400, r.status());
		assertEquals("invalid_parameter", r.error());
	}

	@Test
	void failedSyncIsABadGateway() {
		Response unreachable = client.request(HttpMethod.POST, "/api/sync?peer=down:7000", null, null);
		assertEquals(502, unreachable.status());
		assertEquals("sync_failed", unreachable.error());
		assertTrue(unreachable.json().get("message").asText().contains("connection refused"));

		Response refused = client.request(HttpMethod.POST, "/api/sync?peer=refusing:7000", null, null);
		assertEquals(502, refused.status());
		assertEquals("sync_failed", refused.error());
		assertEquals("handshake refused: bad token", refused.json().get("report").get("error").asText());
	}

	@Test
	void syncNeedsPost() {
		Response r = client.get("/api/sync?peer=good:7000");
		assertEquals(405, r.status());
		assertEquals(List.of(), synced);
	}
}
