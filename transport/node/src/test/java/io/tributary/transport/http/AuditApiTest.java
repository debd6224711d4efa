package io.tributary.transport.http;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import io.tributary.Event;
import io.tributary.spi.DeadLetter;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.UserTokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/conflicts} and the dead-letter endpoints on nodes running in this JVM, over HTTP: conflicts
 * raised by two replicas that wrote the same entities, dead letters made by an upstream that refuses events
 * under row-level security, each user's token confined to the user's own.
 */
class AuditApiTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final String TOKEN = "audit-node-token";
	private static final UserTokens USERS = UserTokens.of(Map.of("alice-token", "alice", "bob-token", "bob"));

	@TempDir
	Path dir;

	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stopNodes() {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode start(String id, SyncNode upstream) {
		SyncNode.Builder b = SyncNode.builder().dataDir(dir.resolve(id)).nodeId(id).httpPort(0).peerPort(0)
				.token(TOKEN).users(USERS).backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5));
		if (upstream != null) {
			b.upstream(new PeerAddress("127.0.0.1", upstream.peerPort())).upstreamToken("alice-token");
		}
		SyncNode node = b.start().block(T);
		nodes.add(node);
		return node;
	}

	private static TestClient as(SyncNode node, String token) {
		return new TestClient(node.httpPort()).withToken(token);
	}

	private static Response post(SyncNode node, String token, String uri, String body) {
		return as(node, token).post(uri, body);
	}

	private static String change(String type, String id, String data, String user) {
		return "{\"entityType\":\"" + type + "\",\"operation\":\"create\",\"entityId\":\"" + id + "\",\"data\":" + data
				+ (user == null ? "" : ",\"userId\":\"" + user + "\"") + "}";
	}

	/** Writes the same entities on a replica: alice's t*, bob's u*, and a note of no user. */
	private static void writeAll(SyncNode node, String value) {
		StringBuilder alice = new StringBuilder("[");
		for (int i = 0; i < 6; i++) {
			alice.append(i == 0 ? "" : ",").append(change("todo", "t" + i, "{\"v\":\"" + value + "\"}", null));
		}
		assertEquals(201, post(node, "alice-token", "/api/changes", alice.append(']').toString()).status());
		StringBuilder bob = new StringBuilder("[");
		for (int i = 0; i < 4; i++) {
			bob.append(i == 0 ? "" : ",").append(change("todo", "u" + i, "{\"v\":\"" + value + "\"}", null));
		}
		assertEquals(201, post(node, "bob-token", "/api/changes", bob.append(']').toString()).status());
		assertEquals(201, post(node, TOKEN, "/api/changes", change("note", "n0", "{\"v\":\"" + value + "\"}", null))
				.status());
	}

	/** Reads every page of {@code GET /api/conflicts} with the query; checks the cursors on the way. */
	private static List<JsonNode> allConflicts(SyncNode node, String token, String query) {
		List<JsonNode> all = new ArrayList<>();
		String cursor = null;
		do {
			Response r = as(node, token).get("/api/conflicts?" + query + (cursor == null ? "" : "&cursor=" + cursor));
			assertEquals(200, r.status(), r.body());
			JsonNode page = r.json();
			page.path("conflicts").forEach(all::add);
			assertEquals(page.path("conflicts").size(), page.path("count").asInt());
			cursor = page.has("cursor") ? page.path("cursor").asText() : null;
			if (cursor != null) {
				assertEquals(all.get(all.size() - 1).path("seq").asText(), cursor, "the cursor is the last conflict's seq");
			}
		}
		while (cursor != null);
		return all;
	}

	private static List<String> entityIds(List<JsonNode> conflicts) {
		List<String> ids = new ArrayList<>();
		conflicts.forEach(c -> ids.add(c.path("entityId").asText()));
		return ids;
	}

	@Test
	void conflictsOfTwoReplicasArePagedWithACursorEachExactlyOnceAndEachUserSeesTheirOwn() {
		SyncNode a = start("a", null);
		SyncNode b = start("b", null);
		writeAll(a, "from a");
		writeAll(b, "from b");
		Response sync = post(b, TOKEN, "/api/sync?peer=127.0.0.1:" + a.peerPort(), "");
		assertEquals(200, sync.status(), sync.body());
		b.engine().checkpoint().block(T);

		List<JsonNode> all = allConflicts(b, TOKEN, "limit=3");
		assertEquals(11, all.size(), "one conflict per entity both replicas wrote: " + entityIds(all));
		assertEquals(11, new HashSet<>(entityIds(all)).size(), "each exactly once: " + entityIds(all));
		long previous = 0;
		for (JsonNode c : all) {
			assertTrue(c.path("seq").asLong() > previous, "in seq order");
			previous = c.path("seq").asLong();
			assertEquals(c.path("seq").asLong(), c.path("incoming").path("seq").asLong());
			assertEquals("a", c.path("incoming").path("origin").asText(), "a's events arrived at b");
			assertEquals("b", c.path("head").path("origin").asText());
			assertEquals(c.path("entityId").asText(), c.path("head").path("entityId").asText());
			assertEquals("LAST_WRITE_WINS", c.path("strategy").asText());
			String winner = c.path("winner").asText();
			assertTrue(winner.equals(c.path("incoming").path("id").asText())
					|| winner.equals(c.path("head").path("id").asText()), c.toString());
		}
		JsonNode one = as(b, TOKEN).get("/api/conflicts?limit=1000").json();
		assertEquals(all, toList(one.path("conflicts")), "pages hold what one page holds");
		assertFalse(one.has("cursor"), "no cursor when nothing follows");

		assertEquals(List.of("n0"), entityIds(allConflicts(b, TOKEN, "type=note")));
		assertEquals(List.of(), entityIds(allConflicts(b, TOKEN, "type=nothing")));

		List<JsonNode> alices = allConflicts(b, "alice-token", "limit=2");
		assertEquals(Set.of("t0", "t1", "t2", "t3", "t4", "t5"), new HashSet<>(entityIds(alices)));
		assertEquals(6, alices.size());
		for (JsonNode c : alices) {
			assertEquals("alice", c.path("incoming").path("userId").asText(), c.toString());
			assertEquals("alice", c.path("head").path("userId").asText(), c.toString());
		}
		List<JsonNode> bobs = allConflicts(b, "bob-token", "limit=1");
		assertEquals(Set.of("u0", "u1", "u2", "u3"), new HashSet<>(entityIds(bobs)));
		assertFalse(alices.toString().contains("\"bob\""), "alice never sees bob's");
		assertFalse(bobs.toString().contains("\"alice\""), "bob never sees alice's");

		assertEquals("invalid_parameter", as(b, TOKEN).get("/api/conflicts?limit=0").error());
		assertEquals("invalid_parameter", as(b, TOKEN).get("/api/conflicts?limit=1001").error());
		assertEquals("invalid_parameter", as(b, TOKEN).get("/api/conflicts?cursor=-1").error());
		assertEquals("invalid_parameter", as(b, TOKEN).get("/api/conflicts?type=").error());
		assertEquals(401, new TestClient(b.httpPort()).get("/api/conflicts").status());
	}

	private static List<JsonNode> toList(JsonNode array) {
		List<JsonNode> out = new ArrayList<>();
		array.forEach(out::add);
		return out;
	}

	// --- dead letters

	private static JsonNode letters(SyncNode node, String token, String query) {
		Response r = as(node, token).get("/api/dead-letters" + query);
		assertEquals(200, r.status(), r.body());
		return r.json();
	}

	private static List<String> letterIds(JsonNode page) {
		List<String> ids = new ArrayList<>();
		page.path("deadLetters").forEach(d -> ids.add(d.path("id").asText()));
		return ids;
	}

	private static JsonNode outsync(SyncNode edge) {
		Response r = post(edge, TOKEN, "/api/sync/outsync", "");
		assertEquals(200, r.status(), r.body());
		return r.json();
	}

	@Test
	void deadLettersOfARefusingUpstreamAreListedReplayedWithAFixAndDeleted() {
		SyncNode hub = start("hub", null);
		SyncNode edge = start("edge", hub);
		// the edge pushes with alice's token: the hub refuses bob's events
		Response written = post(edge, TOKEN, "/api/changes", "[" + change("todo", "a1", "{\"n\":1}", "alice") + ","
				+ change("todo", "b1", "{\"n\":2}", "bob") + "," + change("todo", "b2", "{\"n\":3}", "bob") + "]");
		assertEquals(201, written.status(), written.body());
		assertEquals(2, outsync(edge).path("rejected").asInt());

		JsonNode page = letters(edge, TOKEN, "");
		assertEquals(List.of("edge:2", "edge:3"), letterIds(page));
		JsonNode first = page.path("deadLetters").get(0);
		assertEquals("FORBIDDEN", first.path("code").asText());
		assertFalse(first.path("reason").asText().isBlank());
		assertTrue(Instant.parse(first.path("rejectedAt").asText()).isAfter(Instant.EPOCH));
		assertEquals("b1", first.path("change").path("entityId").asText());
		assertEquals("bob", first.path("change").path("userId").asText());
		assertFalse(page.has("cursor"));

		JsonNode paged = letters(edge, TOKEN, "?limit=1");
		assertEquals(List.of("edge:2"), letterIds(paged));
		assertEquals("edge:2", paged.path("cursor").asText());
		JsonNode next = letters(edge, TOKEN, "?limit=1&cursor=edge:2");
		assertEquals(List.of("edge:3"), letterIds(next));
		assertFalse(next.has("cursor"));

		// a user's token: their own only
		assertEquals(List.of(), letterIds(letters(edge, "alice-token", "")));
		assertEquals(List.of("edge:2", "edge:3"), letterIds(letters(edge, "bob-token", "")));
		assertEquals(404, as(edge, "alice-token").request(HttpMethod.DELETE, "/api/dead-letters/edge:2", null, null)
				.status());
		assertEquals(404, post(edge, "alice-token", "/api/dead-letters/edge:2/replay", "").status());
		assertEquals(List.of("edge:2", "edge:3"), letterIds(letters(edge, TOKEN, "")), "nothing changed");

		// replay with a fix: a new change of the edge, pushed by the next drain
		Response bad = post(edge, TOKEN, "/api/dead-letters/edge:2/replay", "[" + change("todo", "b1", "{}", "alice")
				+ "]");
		assertEquals(400, bad.status(), bad.body());
		Response replayed = post(edge, TOKEN, "/api/dead-letters/edge:2/replay",
				change("todo", "b1", "{\"n\":2,\"fixed\":true}", "alice"));
		assertEquals(201, replayed.status(), replayed.body());
		assertEquals("edge:2", replayed.json().path("replayed").asText());
		assertEquals("edge:4", replayed.json().path("change").path("cid").asText());
		assertEquals("/api/changes/edge%3A4", replayed.headers().get("Location"));
		assertEquals(List.of("edge:3"), letterIds(letters(edge, TOKEN, "")));
		assertEquals(404, post(edge, TOKEN, "/api/dead-letters/edge:2/replay", "").status(), "replayed once");

		JsonNode drained = outsync(edge);
		assertEquals(0, drained.path("rejected").asInt(), drained.toString());
		Response atHub = as(hub, TOKEN).get("/api/changes/edge:4");
		assertEquals(200, atHub.status(), atHub.body());
		assertTrue(atHub.json().path("data").path("fixed").asBoolean(), atHub.body());
		assertEquals("alice", atHub.json().path("userId").asText());

		// replay as it was: written again, and refused again by the hub
		Response again = post(edge, TOKEN, "/api/dead-letters/edge:3/replay", "");
		assertEquals(201, again.status(), again.body());
		assertEquals("edge:5", again.json().path("change").path("cid").asText());
		assertEquals("bob", again.json().path("change").path("userId").asText());
		assertEquals(List.of(), letterIds(letters(edge, TOKEN, "")));
		assertEquals(1, outsync(edge).path("rejected").asInt());
		assertEquals(List.of("edge:5"), letterIds(letters(edge, "bob-token", "")));

		Response deleted = as(edge, "bob-token").request(HttpMethod.DELETE, "/api/dead-letters/edge:5", null, null);
		assertEquals(200, deleted.status(), deleted.body());
		assertEquals("edge:5", deleted.json().path("deleted").asText());
		assertEquals("not_found",
				as(edge, TOKEN).request(HttpMethod.DELETE, "/api/dead-letters/edge:5", null, null).error());
		assertEquals(List.of(), letterIds(letters(edge, TOKEN, "")));
		assertEquals(0, as(edge, TOKEN).get("/api/sync/status").json().path("deadLetters").asInt());
	}

	@Test
	void aDeadLetterWhoseContentIsStillInvalidIsKeptWithA422() {
		SyncNode edge = start("edge", null);
		assertEquals(201, post(edge, TOKEN, "/api/changes", change("todo", "x", "{}", null)).status());
		// a letter of a blank, whose content no local write may repeat
		Event blank = edge.engine().event("edge", 1).block(T).blank();
		io.tributary.spi.EngineAdmin.of(edge.engine()).deadLetters().put(new DeadLetter(blank, "INVALID_EVENT", "refused", Instant.now())).block(T);

		Response r = post(edge, TOKEN, "/api/dead-letters/edge:1/replay", "");
		assertEquals(422, r.status(), r.body());
		assertEquals("invalid_change", r.error());
		assertTrue(r.json().path("message").asText().contains("the dead letter is kept"), r.body());
		assertEquals(List.of("edge:1"), letterIds(letters(edge, TOKEN, "")));
		assertEquals(1, edge.engine().lastPosition(), "nothing was written");

		Response fixed = post(edge, TOKEN, "/api/dead-letters/edge:1/replay", change("todo", "x", "{\"ok\":1}", null));
		assertEquals(201, fixed.status(), fixed.body());
		assertEquals(List.of(), letterIds(letters(edge, TOKEN, "")));

		assertEquals("not_found", post(edge, TOKEN, "/api/dead-letters/nonsense/replay", "").error());
		assertEquals("not_found", post(edge, TOKEN, "/api/dead-letters/edge:0/replay", "").error());
		assertEquals("invalid_parameter", as(edge, TOKEN).get("/api/dead-letters?cursor=nonsense").error());
		assertEquals("unsupported_media_type", as(edge, TOKEN).request(HttpMethod.POST,
				"/api/dead-letters/edge:1/replay", "text/plain", "x").error(), "checked before the letter is looked up");
	}
}
