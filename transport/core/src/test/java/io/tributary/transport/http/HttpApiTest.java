package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import io.tributary.transport.http.TestClient.Response;
import reactor.core.publisher.Flux;

class HttpApiTest {

	private final ApiFixture fixture = new ApiFixture();
	private SyncEngine engine;
	private PrometheusMeterRegistry registry;
	private TestClient client;

	@BeforeEach
	void start() {
		engine = fixture.engine("node-a");
		registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		client = new TestClient(fixture.serve(HttpApi.builder(engine).meterRegistry(registry).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	private void write(int count) {
		Flux.range(0, count)
				.concatMap(i -> engine.put("note", "n" + i, "{\"i\":" + i + "}"))
				.blockLast(TestClient.TIMEOUT);
	}

	@Test
	void healthIsUpWithNodeIdAndLastPosition() {
		write(3);
		Response r = client.get("/health");
		assertEquals(200, r.status());
		assertEquals("application/json", r.headers().get("Content-Type"));
		JsonNode j = r.json();
		assertEquals("UP", j.get("status").asText());
		assertEquals("node-a", j.get("nodeId").asText());
		assertEquals(3, j.get("lastPosition").asLong());
	}

	@Test
	void helpDocumentsEveryEndpoint() {
		JsonNode endpoints = client.get("/api/help").json().get("endpoints");
		Set<String> documented = new HashSet<>();
		for (JsonNode e : endpoints) {
			documented.add(e.get("method").asText() + " " + e.get("path").asText());
			assertFalse(e.get("description").asText().isBlank(), e.toString());
			assertTrue(e.get("parameters").isArray(), e.toString());
		}
		assertEquals(Set.of("GET /health", "GET /dashboard", "GET /dashboard/{file}", "GET /dashboard/lib/{file}",
				"GET /api/help", "GET /api/changes", "POST /api/changes",
				"GET /api/changes/{cid}", "GET /api/stats", "GET /api/stream", "GET /api/signals", "GET /api/peers",
				"GET /api/entities/{type}",
				"GET /api/entities/{type}/{id}", "GET /api/conflicts", "GET /api/dead-letters",
				"POST /api/dead-letters/{id}/replay", "DELETE /api/dead-letters/{id}", "GET /api/convergence",
				"POST /api/sync", "POST /api/sync/outsync",
				"POST /api/sync/downsync", "POST /api/sync/sync", "GET /api/sync/status", "GET /metrics",
				"POST /api/shutdown"), documented);
	}

	@Test
	void shutdownAnswersThenRunsTheStopOnceAndAnEmbeddedServerWithoutOneSaysSo() throws Exception {
		Response embedded = client.post("/api/shutdown", "");
		assertEquals(409, embedded.status(), embedded.body());
		assertEquals("not_stoppable", embedded.json().get("error").asText());

		java.util.concurrent.atomic.AtomicInteger stops = new java.util.concurrent.atomic.AtomicInteger();
		java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
		TestClient stoppable = new TestClient(fixture.serve(HttpApi.builder(engine).shutdown(() -> {
			stops.incrementAndGet();
			stopped.countDown();
		}).build()));
		Response first = stoppable.post("/api/shutdown", "");
		assertEquals(202, first.status(), first.body());
		assertEquals("stopping", first.json().get("status").asText());
		assertEquals("node-a", first.json().get("nodeId").asText());
		assertTrue(stopped.await(10, java.util.concurrent.TimeUnit.SECONDS), "the stop ran");
		assertEquals(202, stoppable.post("/api/shutdown", "").status(), "asked again");
		assertEquals(405, stoppable.get("/api/shutdown").status());
		assertEquals(1, stops.get(), "the stop runs once");
	}

	@Test
	void postedChangesAreStoredInOrderWithTheirOperations() {
		Response r = client.post("/api/changes", "["
				+ "{\"entityType\":\"task\",\"operation\":\"create\",\"entityId\":\"t1\",\"data\":{\"title\":\"a\"}},"
				+ "{\"entityType\":\"task\",\"operation\":\"update\",\"entityId\":\"t1\",\"data\":{\"title\":\"b\"}},"
				+ "{\"entityType\":\"task\",\"operation\":\"patch\",\"entityId\":\"t1\",\"data\":{\"done\":true},"
				+ "\"userId\":\"u7\"},"
				+ "{\"entityType\":\"task\",\"operation\":\"delete\",\"entityId\":\"t1\"}]");
		assertEquals(201, r.status(), r.body());
		JsonNode changes = r.json().get("changes");
		assertEquals(4, r.json().get("count").asInt());
		List<String> ops = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			JsonNode c = changes.get(i);
			ops.add(c.get("operation").asText());
			assertEquals(i + 1, c.get("seq").asLong());
			assertEquals("node-a:" + (i + 1), c.get("cid").asText());
			assertEquals("node-a", c.get("origin").asText());
			assertEquals(i + 1, c.get("originSeq").asLong());
			assertEquals("task", c.get("entityType").asText());
			assertEquals("t1", c.get("entityId").asText());
			assertNotNull(Instant.parse(c.get("timestamp").asText()));
			assertFalse(c.get("id").asText().isEmpty());
		}
		assertEquals(List.of("create", "update", "patch", "delete"), ops);
		assertEquals("b", changes.get(1).get("data").get("title").asText(), "data is embedded as JSON");
		assertEquals("u7", changes.get(2).get("userId").asText());
		assertFalse(changes.get(0).has("userId"), "userId only when present");
		assertTrue(changes.get(3).get("data").isNull());

		JsonNode page = client.get("/api/changes").json();
		assertEquals(changes, page.get("changes"), "the log holds what the POST answered");
		assertEquals(changes.get(2), client.get("/api/changes/node-a:3").json());
	}

	@Test
	void singleChangeObjectIsCreatedWithItsLocation() {
		Response r = client.post("/api/changes",
				"{\"entityType\":\"task\",\"operation\":\"create\",\"entityId\":\"t 1\",\"data\":{\"x\":1}}");
		assertEquals(201, r.status(), r.body());
		assertEquals(1, r.json().get("count").asInt());
		assertEquals("/api/changes/node-a%3A1", r.headers().get("Location"));
		assertEquals("t 1", client.get(r.headers().get("Location")).json().get("entityId").asText());
		assertEquals("{\"x\":1}", engine.get("task", "t 1").block().json());
	}

	@Test
	void pagingByCursorWalksTheWholeLogExactlyOnce() {
		write(250);
		List<Long> seen = new ArrayList<>();
		Long cursor = 0L;
		int pages = 0;
		while (cursor != null) {
			JsonNode page = client.get("/api/changes?limit=7&cursor=" + cursor).json();
			JsonNode changes = page.get("changes");
			assertEquals(changes.size(), page.get("count").asInt());
			assertNotNull(Instant.parse(page.get("timestamp").asText()));
			changes.forEach(c -> seen.add(c.get("seq").asLong()));
			cursor = page.has("cursor") ? page.get("cursor").asLong() : null;
			if (cursor != null) {
				assertEquals(7, changes.size(), "only a last page is short");
				assertEquals(changes.get(6).get("seq").asLong(), cursor);
			}
			pages++;
		}
		assertEquals(36, pages);
		List<Long> expected = new ArrayList<>();
		for (long i = 1; i <= 250; i++) {
			expected.add(i);
		}
		assertEquals(expected, seen);
	}

	@Test
	void pageOfLargePayloadsEndsEarlyAndTheCursorGoesOn() {
		SyncEngine big = fixture.engine("node-big", new InMemoryStorage(), b -> b.maxPayloadBytes(512 * 1024));
		TestClient c = new TestClient(fixture.serve(HttpApi.builder(big).build()));
		String payload = "{\"pad\":\"" + "x".repeat(300 * 1024) + "\"}";
		Flux.range(0, 20).concatMap(i -> big.put("blob", "b" + i, payload)).blockLast(TestClient.TIMEOUT);
		JsonNode first = c.get("/api/changes?limit=100").json();
		int firstCount = first.get("count").asInt();
		assertTrue(firstCount > 0 && firstCount < 20, "a page holds about 4 MiB of data, held " + firstCount);
		assertEquals(firstCount, first.get("cursor").asLong());
		JsonNode rest = c.get("/api/changes?limit=100&cursor=" + firstCount).json();
		assertEquals(20 - firstCount, rest.get("count").asInt());
		assertFalse(rest.has("cursor"));
	}

	@Test
	void pageThatReachesTheEndHasNoCursor() {
		write(5);
		JsonNode page = client.get("/api/changes?cursor=2&limit=3").json();
		assertEquals(3, page.get("count").asInt());
		assertFalse(page.has("cursor"));
		JsonNode more = client.get("/api/changes?cursor=2&limit=2").json();
		assertEquals(4, more.get("cursor").asLong());
	}

	@Test
	void cursorAtOrPastTheEndAnswersAnEmptyPageAtOnce() {
		write(2);
		for (String cursor : List.of("2", "99")) {
			JsonNode page = client.get("/api/changes?cursor=" + cursor).json();
			assertEquals(0, page.get("count").asInt());
			assertEquals(0, page.get("changes").size());
			assertFalse(page.has("cursor"));
		}
		assertEquals(2, client.get("/api/changes").json().get("count").asInt());
	}

	@Test
	void badLimitOrCursorIsRefusedWithAMessage() {
		for (String query : List.of("limit=0", "limit=1001", "limit=abc", "limit=", "cursor=-1", "cursor=x",
				"cursor=1.5", "limit=1&limit=2")) {
			Response r = client.get("/api/changes?" + query);
			assertEquals(400, r.status(), query);
			assertEquals("invalid_parameter", r.error(), query);
		}
		assertEquals(200, client.get("/api/changes?limit=1000&cursor=0").status());
	}

	@Test
	void unknownOrMalformedChangeIdIsNotFound() {
		write(1);
		for (String cid : List.of("nope", "node-a:2", "node-a:x", ":1", "node-a:", "other:1", "node-a:-1")) {
			Response r = client.get("/api/changes/" + cid);
			assertEquals(404, r.status(), cid);
			assertEquals("not_found", r.error(), cid);
		}
		assertEquals(200, client.get("/api/changes/node-a:1").status());
	}

	@Test
	void changeIdSplitsAtTheLastColon() {
		SyncEngine other = fixture.engine("urn:replica:b");
		other.put("t", "1", "{}").block();
		engine.apply(other.lacking(engine.vector(), 10).collectList().block()).block();
		Response r = client.get("/api/changes/urn:replica:b:1");
		assertEquals(200, r.status(), r.body());
		assertEquals("urn:replica:b", r.json().get("origin").asText());
	}

	@Test
	void malformedJsonIsRefused() {
		for (String body : List.of("{", "{\"entityType\":}", "[1,", "{} {}", "{\"a\":1,\"a\":2}", "")) {
			Response r = client.post("/api/changes", body);
			assertEquals(400, r.status(), body);
			assertTrue(Set.of("malformed_json", "invalid_change").contains(r.error()), body);
		}
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void bodyOfAnotherContentTypeIsRefused() {
		Response r = client.request(HttpMethod.POST, "/api/changes", "text/plain", "hello");
		assertEquals(415, r.status());
		assertEquals("unsupported_media_type", r.error());
	}

	@Test
	void changesOfTheWrongShapeAreRefusedNamingTheField() {
		String[][] cases = {
				{ "42", "change object" },
				{ "[]", "no changes" },
				{ "[1]", "changes[0] must be an object" },
				{ "{\"operation\":\"create\",\"entityId\":\"1\",\"data\":{}}", "entityType" },
				{ "{\"entityType\":\"t\",\"operation\":\"create\",\"data\":{}}", "entityId" },
				{ "{\"entityType\":\"t\",\"entityId\":\"1\",\"data\":{}}", "operation" },
				{ "{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"1\"}", "data" },
				{ "{\"entityType\":\"t\",\"operation\":\"patch\",\"entityId\":\"1\",\"data\":[1]}", "data" },
				{ "{\"entityType\":\"t\",\"operation\":\"delete\",\"entityId\":\"1\",\"data\":{}}", "no \"data\"" },
				{ "{\"entityType\":\"\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":{}}", "entityType" },
				{ "{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":{},\"userId\":5}", "userId" },
				{ "{\"entityType\":\"" + "t".repeat(129) + "\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":{}}",
						"longer than the limit of 128" } };
		for (String[] c : cases) {
			Response r = client.post("/api/changes", c[0]);
			assertEquals(400, r.status(), c[0]);
			assertEquals("invalid_change", r.error(), c[0]);
			assertTrue(r.json().get("message").asText().contains(c[1]), r.body());
		}
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void unknownOperationRefusesTheWholeBatch() {
		Response r = client.post("/api/changes", "["
				+ "{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":{}},"
				+ "{\"entityType\":\"t\",\"operation\":\"upsert\",\"entityId\":\"2\",\"data\":{}}]");
		assertEquals(400, r.status());
		assertEquals("invalid_change", r.error());
		assertTrue(r.json().get("message").asText().startsWith("changes[1] has unknown operation \"upsert\""),
				r.body());
		assertEquals(0, engine.lastPosition(), "nothing of the batch is written");
	}

	@Test
	void tooManyChangesInOneRequestAreRefused() {
		StringBuilder body = new StringBuilder("[");
		for (int i = 0; i <= ChangeRequests.MAX_CHANGES; i++) {
			body.append(i == 0 ? "" : ",").append("{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"")
					.append(i).append("\",\"data\":{}}");
		}
		Response r = client.post("/api/changes", body.append(']').toString());
		assertEquals(413, r.status());
		assertEquals("too_many_changes", r.error());
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void unknownRouteIsNotFound() {
		for (String path : List.of("/", "/api", "/api/nothing", "/api/changes/a/b", "/api/entities")) {
			Response r = client.get(path);
			assertEquals(404, r.status(), path);
			assertEquals("not_found", r.error(), path);
		}
	}

	@Test
	void wrongMethodIsNotAllowedAndNamesTheAllowedOnes() {
		Response r = client.request(HttpMethod.DELETE, "/api/changes", null, null);
		assertEquals(405, r.status());
		assertEquals("method_not_allowed", r.error());
		assertEquals("GET, POST", r.headers().get("Allow"));
		Response health = client.request(HttpMethod.POST, "/health", "application/json", "{}");
		assertEquals(405, health.status());
		assertEquals("GET", health.headers().get("Allow"));
	}

	@Test
	void malformedEscapeInThePathIsABadRequest() {
		Response r = client.get("/api/entities/t/%zz");
		assertEquals(400, r.status());
		assertEquals("bad_request", r.error());
	}

	@Test
	void entityIsReadWithItsVersionAndTombstone() {
		Event put = engine.put("task", "a/b", "{\"title\":\"x\"}").block();
		Response r = client.get("/api/entities/task/a%2Fb");
		assertEquals(200, r.status(), r.body());
		JsonNode j = r.json();
		assertEquals("task", j.get("type").asText());
		assertEquals("a/b", j.get("id").asText());
		assertEquals(put.id().toString(), j.get("version").asText());
		assertFalse(j.get("deleted").asBoolean());
		assertEquals("x", j.get("data").get("title").asText());
		assertEquals("node-a", j.get("origin").asText());

		engine.delete("task", "a/b").block();
		JsonNode tomb = client.get("/api/entities/task/a%2Fb").json();
		assertTrue(tomb.get("deleted").asBoolean());
		assertTrue(tomb.get("data").isNull());

		Response missing = client.get("/api/entities/task/nope");
		assertEquals(404, missing.status());
		assertEquals("not_found", missing.error());
	}

	@Test
	void entitiesArePagedByIdAfterTheLastOne() {
		for (String id : List.of("e", "a", "d", "b", "c", "gone")) {
			engine.put("item", id, "{}").block();
		}
		engine.delete("item", "gone").block();
		engine.put("other", "z", "{}").block();
		List<String> ids = new ArrayList<>();
		String after = null;
		do {
			JsonNode page = client.get("/api/entities/item?limit=2" + (after == null ? "" : "&after=" + after)).json();
			page.get("entities").forEach(e -> ids.add(e.get("id").asText()));
			after = page.has("next") ? page.get("next").asText() : null;
		}
		while (after != null);
		assertEquals(List.of("a", "b", "c", "d", "e"), ids, "live entities only, sorted, each once");
		assertEquals(0, client.get("/api/entities/unknown").json().get("entities").size());
		assertEquals(400, client.get("/api/entities/item?limit=0").status());
	}

	@Test
	void statsCountEventsByTypeAndOperation() {
		engine.put("task", "1", "{}").block();
		engine.put("task", "1", "{\"v\":2}").block();
		engine.patch("task", "1", "{\"v\":3}").block();
		engine.delete("task", "1").block();
		engine.put("note", "1", "{}").block();
		JsonNode stats = client.get("/api/stats").json();
		assertEquals("{\"note\":{\"create\":1,\"update\":0,\"patch\":0,\"delete\":0},"
				+ "\"task\":{\"create\":1,\"update\":1,\"patch\":1,\"delete\":1}}", stats.get("types").toString());
		assertEquals(5, stats.get("totalEvents").asLong());
		assertEquals(5, stats.get("lastPosition").asLong());
		assertEquals(5, stats.get("vector").get("node-a").asLong());
		assertTrue(stats.get("peers").isArray());

		// once counting, new events are counted live
		engine.put("note", "2", "{}").block();
		JsonNode later = null;
		for (int attempt = 0; attempt < 1000; attempt++) {
			later = client.get("/api/stats").json();
			if (later.get("totalEvents").asLong() == 6) {
				break;
			}
		}
		assertEquals(2, later.get("types").get("note").get("create").asLong());
	}

	@Test
	void metricsExposeRequestsByRouteTemplate() {
		write(1);
		client.get("/api/changes/node-a:1");
		client.get("/api/changes/node-a:99");
		client.get("/nowhere");
		Response r = client.get("/metrics");
		assertEquals(200, r.status());
		assertTrue(r.headers().get("Content-Type").startsWith("text/plain"));
		String text = r.body();
		assertTrue(text.contains("tributary_http_requests_seconds_count{method=\"GET\",route=\"/api/changes/{cid}\","
				+ "status=\"2xx\"} 1"), text);
		assertTrue(text.contains("route=\"/api/changes/{cid}\",status=\"4xx\"} 1"), text);
		assertTrue(text.contains("route=\"unmatched\",status=\"4xx\"} 1"), text);
		assertFalse(text.contains("node-a:1"), "no raw paths as tags");
	}

	@Test
	void builderRefusesInvalidSettings() {
		assertThrows(IllegalArgumentException.class, () -> HttpApi.builder(engine).token("").build());
		assertThrows(IllegalArgumentException.class, () -> HttpApi.builder(engine).token("has space").build());
		assertThrows(IllegalArgumentException.class, () -> HttpApi.builder(engine).maxBodyBytes(0).build());
		assertThrows(IllegalArgumentException.class,
				() -> HttpApi.builder(engine).heartbeat(java.time.Duration.ZERO).build());
		HttpApi api = HttpApi.builder(engine).build();
		assertThrows(IllegalArgumentException.class, () -> api.bind("127.0.0.1", 70_000).block());
	}

	@Test
	void engineWithoutEventsAnswersEmptyViews() {
		SyncEngine empty = fixture.engine("node-empty", new InMemoryStorage(), b -> b);
		TestClient c = new TestClient(fixture.serve(HttpApi.builder(empty).build()));
		assertEquals(0, c.get("/api/changes").json().get("count").asInt());
		assertEquals(0, c.get("/api/stats").json().get("totalEvents").asLong());
		assertEquals(0, c.get("/api/convergence").json().get("entities").asLong());
	}
}
