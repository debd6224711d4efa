package io.tributary.transport.http;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.SyncEngine;
import io.tributary.WriteRequest;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.peer.UserTokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API with two users' tokens on one node (H2 files): each user reads other users' changes as blanks,
 * their entities not at all, and writes as themselves only; the node's token sees everything.
 */
class HttpApiUsersTest {

	private static final String NODE_TOKEN = "node-token";
	private final UserTokens users = UserTokens.of(Map.of("alice-token", "alice", "bob-token", "bob"));

	@TempDir
	Path dir;

	private final ApiFixture fixture = new ApiFixture();
	private SyncEngine engine;
	private TestClient anonymous;
	private TestClient node;
	private TestClient alice;
	private TestClient bob;

	@BeforeEach
	void start() {
		engine = fixture.engine("hub", H2Storage.builder().directory(dir).open().block(TestClient.TIMEOUT), b -> b);
		anonymous = new TestClient(fixture.serve(HttpApi.builder(engine).token(NODE_TOKEN).users(users).build()));
		node = anonymous.withToken(NODE_TOKEN);
		alice = anonymous.withToken("alice-token");
		bob = anonymous.withToken("bob-token");
		engine.write(WriteRequest.put("todo", "a1", "{\"title\":\"alice's secret\"}").withUserId("alice")).block(TestClient.TIMEOUT);
		engine.write(WriteRequest.put("todo", "b1", "{\"title\":\"bob's secret\"}").withUserId("bob")).block(TestClient.TIMEOUT);
		engine.write(WriteRequest.patch("todo", "a1", "{\"done\":true}").withUserId("alice")).block(TestClient.TIMEOUT);
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	private static List<JsonNode> changes(Response r) {
		assertEquals(200, r.status(), r.body());
		List<JsonNode> out = new ArrayList<>();
		r.json().path("changes").forEach(out::add);
		return out;
	}

	@Test
	void changeLogShowsOtherUsersEventsAsBlanks() {
		List<JsonNode> asAlice = changes(alice.get("/api/changes"));
		assertEquals(3, asAlice.size(), "every address, so a reader can page and resume");
		assertEquals("alice's secret", asAlice.get(0).path("data").path("title").asText());
		JsonNode blank = asAlice.get(1);
		assertEquals("_rejected", blank.path("entityType").asText());
		assertTrue(blank.path("data").isNull());
		assertFalse(blank.has("userId"));
		assertEquals(blank.path("id").asText(), blank.path("entityId").asText(), "nothing of bob's entity id");
		assertFalse(alice.get("/api/changes").body().contains("bob"), "no trace of bob in alice's change log");

		List<JsonNode> asBob = changes(bob.get("/api/changes"));
		assertEquals("bob's secret", asBob.get(1).path("data").path("title").asText());
		assertFalse(bob.get("/api/changes").body().contains("alice"));

		List<JsonNode> all = changes(node.get("/api/changes"));
		assertEquals("bob's secret", all.get(1).path("data").path("title").asText(), "the node's token sees all");
		assertEquals("alice", all.get(0).path("userId").asText());

		String bobsCid = all.get(1).path("cid").asText();
		assertEquals("_rejected", alice.get("/api/changes/" + bobsCid).json().path("entityType").asText());
		assertEquals("todo", bob.get("/api/changes/" + bobsCid).json().path("entityType").asText());
	}

	@Test
	void entitiesAndStatsShowTheUsersOwnOnly() {
		assertEquals(404, alice.get("/api/entities/todo/b1").status(), "bob's entity does not exist for alice");
		assertEquals("{\"title\":\"alice's secret\",\"done\":true}",
				alice.get("/api/entities/todo/a1").json().path("data").toString());
		JsonNode list = alice.get("/api/entities/todo").json().path("entities");
		assertEquals(1, list.size());
		assertEquals("a1", list.get(0).path("id").asText());
		assertEquals(2, node.get("/api/entities/todo").json().path("entities").size());

		JsonNode aliceStats = alice.get("/api/stats").json();
		assertEquals(2, aliceStats.path("totalEvents").asLong(), "alice's two events");
		assertFalse(aliceStats.has("peers"));
		assertEquals(1, bob.get("/api/stats").json().path("totalEvents").asLong());
		assertEquals(3, node.get("/api/stats").json().path("totalEvents").asLong());
	}

	@Test
	void writesAreStampedWithTheUserAndRefusedForAnotherOne() {
		Response created = alice.post("/api/changes",
				"{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"a2\",\"data\":{\"x\":1}}");
		assertEquals(201, created.status(), created.body());
		assertEquals("alice", engine.get("todo", "a2").block(TestClient.TIMEOUT).userId());

		Response forBob = alice.post("/api/changes",
				"{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"a3\",\"data\":{},\"userId\":\"bob\"}");
		assertEquals(403, forBob.status(), forBob.body());
		assertEquals("forbidden", forBob.error());
		Response takeOver = alice.post("/api/changes",
				"{\"entityType\":\"todo\",\"operation\":\"update\",\"entityId\":\"b1\",\"data\":{\"title\":\"mine\"}}");
		assertEquals(403, takeOver.status(), takeOver.body());
		assertEquals("{\"title\":\"bob's secret\"}", engine.get("todo", "b1").block(TestClient.TIMEOUT).json());
		assertEquals(4, engine.lastPosition(), "nothing refused was stored");
	}

	@Test
	void streamShowsOtherUsersEventsAsBlanksAndNodeEndpointsNeedTheNodesToken() {
		List<TestClient.SseFrame> frames = alice.stream("/api/stream", Map.of()).filter(TestClient.SseFrame::isChange)
				.take(3).collectList().block(TestClient.TIMEOUT);
		assertEquals(List.of("todo", "_rejected", "todo"),
				frames.stream().map(f -> f.json().path("entityType").asText()).toList());
		assertFalse(frames.get(1).data().contains("bob"));

		for (String path : List.of("/api/convergence", "/metrics", "/api/sync/status")) {
			Response r = alice.get(path);
			assertEquals(403, r.status(), path);
			assertEquals("forbidden", r.error(), path);
		}
		assertEquals(200, node.get("/api/convergence").status());
		assertEquals(401, anonymous.withToken("carol-token").get("/api/changes").status());
		users.revoke("bob-token");
		assertEquals(401, bob.get("/api/changes").status(), "a revoked token is refused at once");
	}
}
