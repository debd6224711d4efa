package io.tributary.transport.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.transport.SyncNode;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.peer.PeerAddress;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.json;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code outsync}, {@code downsync}, {@code sync-status} and {@code sync} without {@code --peer}, against
 * nodes running in this JVM: an edge node with an upstream hub.
 */
class CliUpstreamCommandsTest {

	private static final String TOKEN = "cli-upstream-token";
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

	private SyncNode start(String id, SyncNode upstream, String upstreamToken) {
		SyncNode.Builder b = SyncNode.builder().dataDir(dir.resolve(id)).nodeId(id).httpPort(0).peerPort(0)
				.token(TOKEN);
		if (upstream != null) {
			b.upstream(new PeerAddress("127.0.0.1", upstream.peerPort())).upstreamToken(upstreamToken);
		}
		SyncNode node = b.start().block(T);
		nodes.add(node);
		return node;
	}

	private static String url(SyncNode node) {
		return "http://127.0.0.1:" + node.httpPort();
	}

	@Test
	void outsyncDownsyncAndStatusDriveTheNodesUpstream() {
		SyncNode hub = start("hub", null, null);
		SyncNode edge = start("edge", hub, TOKEN);
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
		SyncNode hub = start("hub", null, null);
		SyncNode lonely = start("lonely", null, null);
		assertEquals(4, postChanges(lonely.httpPort(), TOKEN, "l-", 4));

		Run none = run(NO_ENV, "outsync", "--node", url(lonely), "--token", TOKEN);
		assertEquals(1, none.exit(), none.toString());
		assertTrue(none.err().contains("409") && none.err().contains("no upstream"), none.err());

		Run named = run(NO_ENV, "outsync", "--node", url(lonely), "--token", TOKEN, "--upstream",
				"127.0.0.1:" + hub.peerPort());
		// the lonely node presents no upstream token, which the hub refuses
		assertEquals(1, named.exit(), named.toString());
		assertTrue(named.err().contains("upstream_auth_required") || named.err().contains("refused the token"),
				named.err());
		JsonNode status = json(run(NO_ENV, "sync-status", "--node", url(lonely), "--token", TOKEN, "--upstream",
				"127.0.0.1:" + hub.peerPort(), "--json").out());
		assertTrue(status.path("authRequired").asBoolean(), status.toString());
		assertEquals(4, status.path("pending").asLong(), "the outbox is kept");

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
		SyncNode hub = start("hub", null, null);
		String endpoints = getJson(hub.httpPort(), TOKEN, "/api/help").path("endpoints").toString();
		for (String path : List.of("/api/sync/outsync", "/api/sync/downsync", "/api/sync/sync", "/api/sync/status")) {
			assertTrue(endpoints.contains(path), path + " listed");
		}
	}
}
