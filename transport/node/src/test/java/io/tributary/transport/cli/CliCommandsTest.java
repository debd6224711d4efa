package io.tributary.transport.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.http;
import static io.tributary.transport.cli.CliTesting.json;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code status}, {@code stats}, {@code sync} and the upstream commands ({@code outsync}, {@code downsync},
 * {@code sync-status}) against nodes running in this JVM.
 */
class CliCommandsTest {

	private static final String TOKEN = "cli-test-token";
	private static final Map<String, String> NO_ENV = Map.of();

	@TempDir
	Path dir;

	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stopNodes() {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode start(String id, SyncNode... peers) {
		SyncNode.Builder b = builder(id);
		for (SyncNode p : peers) {
			b.peer(new PeerAddress("127.0.0.1", p.peerPort()));
		}
		return launch(b);
	}

	private SyncNode.Builder builder(String id) {
		return SyncNode.builder().dataDir(dir.resolve(id)).nodeId(id).httpPort(0).peerPort(0)
				.token(TOKEN).backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5));
	}

	private SyncNode launch(SyncNode.Builder b) {
		SyncNode node = b.start().block(T);
		nodes.add(node);
		return node;
	}

	private static String url(SyncNode node) {
		return "http://127.0.0.1:" + node.httpPort();
	}

	@Test
	void statusShowsHealthLogVectorAndPeers() {
		SyncNode a = start("a");
		SyncNode b = start("b", a);
		assertEquals(3, postChanges(a.httpPort(), TOKEN, "milk", 3));
		awaitStats(b, s -> s.path("vector").path("a").asLong() == 3 && s.path("peers").path(0).path("connected").asBoolean());

		Run r = run(NO_ENV, "status", "--node", url(b), "--token", TOKEN);
		assertEquals(0, r.exit(), r.toString());
		List<String> lines = r.out().lines().toList();
		assertEquals("node    b  UP  " + url(b), lines.get(0));
		assertEquals("log     3 events, last position 3", lines.get(1));
		assertEquals("vector  a=3", lines.get(2));
		assertEquals("peers   1 peer, 1 connected", lines.get(3));
		assertEquals("  outbound  127.0.0.1:" + a.peerPort() + "  a  connected  sent 0, received 3", lines.get(4));
		assertEquals(5, lines.size(), r.out());

		Run onA = run(NO_ENV, "status", "--node", url(a), "--token", TOKEN);
		assertTrue(onA.out().contains("\n  inbound "), onA.out());
		assertTrue(onA.out().contains("  b  connected  sent 3, received 0"), onA.out());
	}

	@Test
	void statusJsonHoldsTheNodesAnswers() {
		SyncNode a = start("a");
		postChanges(a.httpPort(), TOKEN, "milk", 2);
		Run r = run(NO_ENV, "status", "--node", url(a), "--token", TOKEN, "--json");
		assertEquals(0, r.exit(), r.toString());
		JsonNode json = CliTesting.json(r.out());
		assertEquals("a", json.path("health").path("nodeId").asText());
		assertEquals("UP", json.path("health").path("status").asText());
		assertEquals(2, json.path("health").path("lastPosition").asLong());
		assertEquals(2, json.path("stats").path("totalEvents").asLong());
		assertEquals(2, json.path("stats").path("vector").path("a").asLong());
	}

	@Test
	void statsPrintsCountsByTypeAndOperation() {
		SyncNode a = start("a");
		postChanges(a.httpPort(), TOKEN, "t", 3);
		post(a, "[{\"entityType\":\"todo\",\"operation\":\"patch\",\"entityId\":\"t0\",\"data\":{\"done\":true}},"
				+ "{\"entityType\":\"todo\",\"operation\":\"delete\",\"entityId\":\"t1\"},"
				+ "{\"entityType\":\"note\",\"operation\":\"update\",\"entityId\":\"n\",\"data\":{\"text\":\"x\"}}]");

		Run r = run(NO_ENV, "stats", "--node", url(a), "--token", TOKEN);
		assertEquals(0, r.exit(), r.toString());
		assertEquals(List.of(
				"type       create  update  patch  delete  total",
				"note            1       0      0       0      1",
				"todo            3       0      1       1      5",
				"all types       4       0      1       1      6",
				"",
				"total events 6, counted up to position 6 of 6",
				"vector a=6"), r.out().lines().toList());

		Run json = run(NO_ENV, "stats", "--node", url(a), "--token", TOKEN, "--json");
		assertEquals(0, json.exit(), json.toString());
		JsonNode stats = CliTesting.json(json.out());
		assertEquals(6, stats.path("totalEvents").asLong());
		assertEquals(1, stats.path("types").path("todo").path("delete").asLong());
		assertTrue(json.out().contains("\n  \"totalEvents\" : 6"), "pretty-printed:\n" + json.out());
	}

	@Test
	void syncReportsWhatMovedAndTheNodesConverge() {
		SyncNode a = start("a");
		SyncNode b = start("b");
		postChanges(a.httpPort(), TOKEN, "a", 5);
		postChanges(b.httpPort(), TOKEN, "b", 2);
		assertNotEquals(hash(a), hash(b));

		Run r = run(NO_ENV, "sync", "--node", url(b), "--token", TOKEN, "--peer", "127.0.0.1:" + a.peerPort());
		assertEquals(0, r.exit(), r.toString());
		List<String> lines = r.out().lines().toList();
		assertTrue(lines.get(0).matches("synced with 127\\.0\\.0\\.1:" + a.peerPort()
				+ " in \\d+ ms: sent 2, received 5 events, ok"), lines.get(0));
		assertEquals("vector a=5 b=2", lines.get(1));
		assertEquals(hash(a), hash(b));

		Run again = run(NO_ENV, "sync", "--node", url(b), "--token", TOKEN, "--peer", "127.0.0.1:" + a.peerPort(),
				"--json");
		assertEquals(0, again.exit(), again.toString());
		JsonNode report = CliTesting.json(again.out());
		assertTrue(report.path("ok").asBoolean());
		assertEquals(0, report.path("sent").asLong());
		assertEquals(0, report.path("received").asLong());
		assertEquals(5, report.path("remoteVector").path("a").asLong());
	}

	@Test
	void syncWithAnUnreachablePeerExitsOne() throws IOException {
		SyncNode b = start("b");
		int closed = closedPort();
		Run r = run(NO_ENV, "sync", "--node", url(b), "--token", TOKEN, "--peer", "127.0.0.1:" + closed,
				"--timeout", "1m");
		assertEquals(1, r.exit(), r.toString());
		assertTrue(r.err().startsWith("tributary-node sync: sync with 127.0.0.1:" + closed + " failed: "), r.err());
		assertEquals("", r.out());
	}

	@Test
	void tokenComesFromTheEnvironment() {
		SyncNode a = start("a");
		Run r = run(Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "stats", "--node", url(a));
		assertEquals(0, r.exit(), r.toString());
	}

	@Test
	void aMissingOrWrongTokenExitsOneAndSaysWhatToDo() {
		SyncNode a = start("a");
		Run none = run(NO_ENV, "status", "--node", url(a));
		assertEquals(1, none.exit(), none.toString());
		assertEquals("tributary-node status: the node at " + url(a) + " needs a token (401 Unauthorized): give it "
				+ "with --token or TRIBUTARY_TOKEN", none.err().strip());

		Run wrong = run(NO_ENV, "stats", "--node", url(a), "--token", "wrong-secret");
		assertEquals(1, wrong.exit(), wrong.toString());
		assertEquals("tributary-node stats: the node at " + url(a) + " refused the token (401 Unauthorized): check "
				+ "--token or TRIBUTARY_TOKEN", wrong.err().strip());
		assertFalse(wrong.err().contains("wrong-secret"));

		Run sync = run(NO_ENV, "sync", "--node", url(a), "--token", "wrong-secret", "--peer", "127.0.0.1:1");
		assertEquals(1, sync.exit(), sync.toString());
		assertTrue(sync.err().contains("refused the token"), sync.err());
	}

	@Test
	void anUnreachableNodeExitsOne() throws IOException {
		int closed = closedPort();
		Run r = run(NO_ENV, "status", "--node", "http://127.0.0.1:" + closed);
		assertEquals(1, r.exit(), r.toString());
		assertEquals("tributary-node status: cannot reach the node at http://127.0.0.1:" + closed + ": connection "
				+ "refused; is the node running and is --node right?", r.err().strip());
		assertEquals("", r.out());
	}

	@Test
	void aNodeThatDoesNotAnswerTimesOut() throws IOException {
		// the kernel completes the connection from the backlog; nothing ever reads or answers
		try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			String node = "http://127.0.0.1:" + silent.getLocalPort();
			Run r = run(NO_ENV, "stats", "--node", node, "--timeout", "300ms");
			assertEquals(1, r.exit(), r.toString());
			assertEquals("tributary-node stats: the node at " + node + " did not answer within 300ms (--timeout)",
					r.err().strip());
		}
	}

	// --- helpers

	private static String hash(SyncNode node) {
		return getJson(node.httpPort(), TOKEN, "/api/convergence").path("hash").asText();
	}

	private static void post(SyncNode node, String body) {
		int status = http(node.httpPort(), TOKEN).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post().uri("/api/changes").send(ByteBufFlux.fromString(Mono.just(body)))
				.response().map(res -> res.status().code()).block(T);
		assertEquals(201, status);
	}

	/**
	 * Waits until the node's {@code /api/stats} matches. The status the command prints includes the peer
	 * link's counters, which the link updates after the engine commits what it received and which no stream
	 * reports: they are read where the command reads them.
	 */
	private static void awaitStats(SyncNode node, Predicate<JsonNode> done) {
		CliTesting.awaitJson(node.httpPort(), TOKEN, "/api/stats", done);
	}

	private static int closedPort() throws IOException {
		try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return s.getLocalPort();
		}
	}

	// --- an edge node's upstream: outsync, downsync, sync-status, sync without --peer

	private SyncNode startWithUpstream(String id, SyncNode upstream, String upstreamToken) {
		SyncNode.Builder b = builder(id);
		if (upstream != null) {
			b.upstream(new PeerAddress("127.0.0.1", upstream.peerPort())).upstreamToken(upstreamToken);
		}
		return launch(b);
	}

	@Test
	void outsyncDownsyncAndStatusDriveTheNodesUpstream() {
		SyncNode hub = startWithUpstream("hub", null, null);
		SyncNode edge = startWithUpstream("edge", hub, TOKEN);
		assertEquals(5, postChanges(edge.httpPort(), TOKEN, "edge-", 5));

		Run status = run(NO_ENV, "sync-status", "--node", url(edge), "--token", TOKEN, "--json");
		assertEquals(0, status.exit(), status.toString());
		assertEquals(5, json(status.out()).path("pending").asLong());

		Run out = run(NO_ENV, "outsync", "--node", url(edge), "--token", TOKEN);
		assertEquals(0, out.exit(), out.toString());
		assertTrue(out.out().startsWith("pushed 5 events (0 refused), 0 pending"), out.out());
		assertEquals(5, hub.engine().vector().get("edge"));

		assertEquals(3, postChanges(hub.httpPort(), TOKEN, "hub-", 3));
		Run down = run(NO_ENV, "downsync", "--node", url(edge), "--token", TOKEN);
		assertEquals(0, down.exit(), down.toString());
		assertTrue(down.out().startsWith("pulled 3 new events (todo=3)"), down.out());
		assertEquals(hub.engine().vector(), edge.engine().vector());

		assertEquals(2, postChanges(edge.httpPort(), TOKEN, "more-", 2));
		Run sync = run(NO_ENV, "sync", "--node", url(edge), "--token", TOKEN);
		assertEquals(0, sync.exit(), sync.toString());
		assertTrue(sync.out().startsWith("outsync pushed 2 events (0 refused)"), sync.out());
		assertEquals(7, hub.engine().vector().get("edge"));

		Run shown = run(NO_ENV, "sync-status", "--node", url(edge), "--token", TOKEN);
		assertEquals(0, shown.exit(), shown.toString());
		assertTrue(shown.out().contains("pending        0"), shown.out());
		assertTrue(shown.out().contains("dead letters   0"), shown.out());
		JsonNode api = getJson(edge.httpPort(), TOKEN, "/api/sync/status");
		assertEquals("127.0.0.1:" + hub.peerPort(), api.path("upstream").asText());
		assertTrue(api.path("lastOutsync").isTextual() && api.path("lastDownsync").isTextual(), api.toString());
	}

	@Test
	void anUpstreamCanBeNamedPerCommandAndItsRefusalsAreReported() {
		SyncNode hub = startWithUpstream("hub", null, null);
		// an upstream token that the hub does not know, which the node presents instead of its own
		SyncNode lonely = launch(builder("lonely").upstreamToken("not-the-hubs-t0ken"));
		assertEquals(4, postChanges(lonely.httpPort(), TOKEN, "l-", 4));

		Run none = run(NO_ENV, "outsync", "--node", url(lonely), "--token", TOKEN);
		assertEquals(1, none.exit(), none.toString());
		assertTrue(none.err().contains("409") && none.err().contains("no upstream"), none.err());

		Run named = run(NO_ENV, "outsync", "--node", url(lonely), "--token", TOKEN, "--upstream",
				"127.0.0.1:" + hub.peerPort());
		// the lonely node presents its upstream token, which the hub refuses
		assertEquals(1, named.exit(), named.toString());
		assertTrue(named.err().contains("upstream_auth_required") || named.err().contains("refused the token"),
				named.err());
		JsonNode status = json(run(NO_ENV, "sync-status", "--node", url(lonely), "--token", TOKEN, "--upstream",
				"127.0.0.1:" + hub.peerPort(), "--json").out());
		assertTrue(status.path("authRequired").asBoolean(), status.toString());
		assertEquals(4, status.path("pending").asLong(), "the outbox is kept");

		// without an upstream token a node presents its own, which the hub shares
		SyncNode sibling = startWithUpstream("sibling", null, null);
		assertEquals(3, postChanges(sibling.httpPort(), TOKEN, "s-", 3));
		Run own = run(NO_ENV, "outsync", "--node", url(sibling), "--token", TOKEN, "--upstream",
				"127.0.0.1:" + hub.peerPort());
		assertEquals(0, own.exit(), own.toString());
		assertTrue(own.out().startsWith("pushed 3 events (0 refused), 0 pending"), own.out());
		assertEquals(3, hub.engine().vector().get("sibling"));

		Run both = run(NO_ENV, "sync", "--node", url(lonely), "--token", TOKEN, "--peer", "127.0.0.1:1", "--upstream",
				"127.0.0.1:2");
		assertEquals(2, both.exit(), both.toString());
	}

	@Test
	void helpDescribesTheUpstreamCommandsAndTheApiListsTheirEndpoints() {
		for (String command : List.of("outsync", "downsync", "sync-status")) {
			Run help = run(NO_ENV, command, "--help");
			assertEquals(0, help.exit(), help.toString());
			assertTrue(help.out().contains("--upstream=HOST:PORT") && help.out().contains("--node=URL"), help.out());
		}
		SyncNode hub = startWithUpstream("hub", null, null);
		String endpoints = getJson(hub.httpPort(), TOKEN, "/api/help").path("endpoints").toString();
		for (String path : List.of("/api/sync/outsync", "/api/sync/downsync", "/api/sync/sync", "/api/sync/status")) {
			assertTrue(endpoints.contains(path), path + " listed");
		}
	}
}
