package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import io.tributary.transport.http.TestClient.Response;
import reactor.core.Disposable;
import reactor.core.Disposables;

class HttpApiWriteFailuresTest {

	private static final String CHANGE = "{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":%s}";

	private final ApiFixture fixture = new ApiFixture();
	private final Disposable.Composite writes = Disposables.composite();

	@AfterEach
	void stop() {
		writes.dispose();
		fixture.close();
	}

	private static String change(String data) {
		return String.format(CHANGE, data);
	}

	private static String bigData(int bytes) {
		return "{\"pad\":\"" + "x".repeat(bytes) + "\"}";
	}

	@Test
	void bodyDeclaredOverTheLimitIsRefusedBeforeReading() {
		SyncEngine engine = fixture.engine("node-a");
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).maxBodyBytes(1024).build()));
		Response r = client.post("/api/changes", change(bigData(2000)));
		assertEquals(413, r.status());
		assertEquals("payload_too_large", r.error());
		assertEquals(0, engine.lastPosition());
		assertEquals(201, client.post("/api/changes", change(bigData(100))).status(), "a body under the limit passes");
	}

	@Test
	void chunkedBodyIsRefusedOnceItPassesTheLimit() {
		SyncEngine engine = fixture.engine("node-a");
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).maxBodyBytes(1024).build()));
		String body = change(bigData(3000));
		List<String> chunks = new ArrayList<>();
		for (int i = 0; i < body.length(); i += 500) {
			chunks.add(body.substring(i, Math.min(body.length(), i + 500)));
		}
		Response r = client.postChunked("/api/changes", chunks);
		assertEquals(413, r.status());
		assertEquals("payload_too_large", r.error());
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void payloadOverTheEngineLimitIsTooLarge() {
		SyncEngine engine = fixture.engine("node-a", new InMemoryStorage(), b -> b.maxPayloadBytes(64));
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
		Response r = client.post("/api/changes", change(bigData(100)));
		assertEquals(413, r.status());
		assertEquals("payload_too_large", r.error());
		assertTrue(r.json().get("message").asText().endsWith("nothing was stored"), r.body());
	}

	@Test
	void batchWithAnOversizeChangeIsRefusedWholeAndNothingIsStored() {
		SyncEngine engine = fixture.engine("node-a", new InMemoryStorage(), b -> b.maxPayloadBytes(64));
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
		Response r = client.post("/api/changes", "[" + change("{}") + "," + change(bigData(100)) + "]");
		assertEquals(413, r.status());
		JsonNode j = r.json();
		assertEquals("payload_too_large", j.get("error").asText());
		assertTrue(j.get("message").asText().startsWith("changes[1] data is "), r.body());
		assertTrue(j.get("message").asText().contains("over the limit of 64 bytes; nothing was stored"), r.body());
		assertEquals(0, engine.lastPosition(), "the valid change before it was not stored either");
	}

	@Test
	void overloadedEngineAnswersServiceUnavailableWithRetryAfter() {
		HeldStorage storage = new HeldStorage();
		SyncEngine engine = fixture.engine("node-a", storage,
				b -> b.ingressCapacity(1).maxBatch(1).overloadTimeout(Duration.ofMillis(50)));
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
		try {
			// one write stalls in the store, one fills the ingress
			for (int i = 0; i < 2; i++) {
				writes.add(engine.put("t", "w" + i, "{}").subscribe());
			}
			Response r = client.post("/api/changes", change("{}"));
			assertEquals(503, r.status(), r.body());
			assertEquals("overloaded", r.error());
			assertEquals("1", r.headers().get("Retry-After"));
		}
		finally {
			storage.release();
		}
	}

	@Test
	void closedEngineAnswersServiceUnavailable() {
		SyncEngine engine = fixture.engine("node-a");
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
		engine.closeAsync().block(TestClient.TIMEOUT);
		Response r = client.post("/api/changes", change("{}"));
		assertEquals(503, r.status(), r.body());
		assertEquals("unavailable", r.error());
		assertEquals(200, client.get("/health").status());
	}

	@Test
	void unexpectedFailureIsAnInternalErrorOfTheSameShape() {
		SyncEngine engine = fixture.engine("node-a");
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(engine)
				.peers(new FakePeers(() -> {
					throw new IllegalStateException("boom");
				}, hostPort -> reactor.core.publisher.Mono.empty()))
				.build()));
		Response stats = client.get("/api/stats");
		assertEquals(500, stats.status());
		assertEquals("internal", stats.error());
		assertEquals(405, client.request(HttpMethod.PUT, "/api/stats", null, null).status());
	}
}
