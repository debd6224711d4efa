package io.tributary.transport.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.awaitJson;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.http;
import static io.tributary.transport.cli.CliTesting.json;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code conflicts} and {@code dead-letters} against a node running as its own process ({@code NodeCli node}),
 * whose upstream (a node in this JVM) refuses the events of users other than the one whose token the edge
 * presents.
 */
class CliAuditIntegrationTest {

	private static final String TOKEN = "audit-it-token";
	private static final Map<String, String> NO_ENV = Map.of();
	private static final Pattern MORE = Pattern.compile("\\d+ conflicts?; more follow: --cursor (\\d+)");

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();
	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stop() throws InterruptedException {
		for (NodeProcess p : children) {
			p.close();
		}
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode inJvm(String id) {
		SyncNode node = SyncNode.builder().dataDir(dir.resolve(id)).nodeId(id).httpPort(0).peerPort(0).token(TOKEN)
				.users(UserTokens.of(Map.of("alice-token", "alice")))
				.backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5)).start().block(T);
		nodes.add(node);
		return node;
	}

	/** Starts the edge node's process, with an upstream when one is given; answers its HTTP port. */
	private int edge(SyncNode upstream) throws Exception {
		List<String> args = new ArrayList<>(List.of("--data", dir.resolve("edge").toString(), "--http-port", "0",
				"--peer-port", "0", "--token", TOKEN, "--node-id", "edge", "--user-token", "alice-token=alice,bob-token=bob"));
		if (upstream != null) {
			args.addAll(List.of("--upstream", "127.0.0.1:" + upstream.peerPort(), "--upstream-token", "alice-token"));
		}
		NodeProcess p = NodeProcess.start(dir.resolve("edge.err"), NO_ENV, args.toArray(new String[0]));
		children.add(p);
		return p.awaitHttpPort();
	}

	private static void post(int port, String body) {
		int status = http(port, TOKEN).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post().uri("/api/changes").send(ByteBufFlux.fromString(Mono.just(body)))
				.response().map(res -> res.status().code()).block(T);
		assertEquals(201, status);
	}

	@Test
	void conflictsAreListedPageByPageWithTheCursorTheCommandPrints() throws Exception {
		SyncNode other = inJvm("other");
		int port = edge(null);
		String node = "http://127.0.0.1:" + port;
		assertEquals(5, postChanges(port, TOKEN, "c", 5));
		assertEquals(5, postChanges(other.httpPort(), TOKEN, "c", 5));
		Run sync = run(NO_ENV, "sync", "--node", node, "--token", TOKEN, "--peer", "127.0.0.1:" + other.peerPort());
		assertEquals(0, sync.exit(), sync.toString());
		// the node saves conflicts with its projection checkpoint, every 10 s
		awaitJson(port, TOKEN, "/api/conflicts", page -> page.path("count").asInt() == 5);

		List<String> entities = new ArrayList<>();
		List<String> cursor = new ArrayList<>();
		int pages = 0;
		while (true) {
			List<String> args = new ArrayList<>(List.of("conflicts", "--node", node, "--token", TOKEN, "--limit", "2"));
			if (!cursor.isEmpty()) {
				args.addAll(List.of("--cursor", cursor.get(0)));
			}
			Run r = run(NO_ENV, args.toArray(new String[0]));
			assertEquals(0, r.exit(), r.toString());
			pages++;
			List<String> lines = r.out().lines().toList();
			assertTrue(lines.get(0).matches("seq\\s+type\\s+entity\\s+strategy\\s+incoming\\s+head\\s+winner"), r.out());
			for (String line : lines.subList(1, lines.size() - 2)) {
				String[] cells = line.trim().split("\\s+");
				assertEquals("todo", cells[1], line);
				assertEquals("LAST_WRITE_WINS", cells[3], line);
				assertTrue(cells[4].startsWith("other:") && cells[5].startsWith("edge:"), line);
				assertTrue(cells[6].equals("incoming") || cells[6].equals("head"), line);
				entities.add(cells[2]);
			}
			Matcher more = MORE.matcher(lines.get(lines.size() - 1));
			cursor.clear();
			if (!more.matches()) {
				assertTrue(lines.get(lines.size() - 1).matches("\\d+ conflicts?"), r.out());
				break;
			}
			cursor.add(more.group(1));
		}
		assertEquals(3, pages);
		assertEquals(5, entities.size(), entities.toString());
		assertEquals(new HashSet<>(List.of("c0", "c1", "c2", "c3", "c4")), new HashSet<>(entities), "each once");

		Run asJson = run(NO_ENV, "conflicts", "--node", node, "--token", TOKEN, "--type", "todo", "--json");
		assertEquals(0, asJson.exit(), asJson.toString());
		JsonNode page = json(asJson.out());
		assertEquals(5, page.path("count").asInt());
		assertFalse(page.has("cursor"));
		Run none = run(NO_ENV, "conflicts", "--node", node, "--token", TOKEN, "--type", "note");
		assertEquals("no conflicts", none.out().strip(), none.toString());
		assertEquals(2, run(NO_ENV, "conflicts", "--node", node, "--token", TOKEN, "--limit", "0").exit());
		Run refused = run(NO_ENV, "conflicts", "--node", node, "--token", "wrong-token");
		assertEquals(1, refused.exit(), refused.toString());
		assertTrue(refused.err().contains("refused the token"), refused.err());
	}

	@Test
	void deadLettersAreListedReplayedWithAFixAndDeletedFromTheCommandLine() throws Exception {
		SyncNode hub = inJvm("hub");
		int port = edge(hub);
		String node = "http://127.0.0.1:" + port;
		post(port, "[{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"a1\",\"data\":{},\"userId\":\"alice\"},"
				+ "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"b1\",\"data\":{\"n\":1},\"userId\":\"bob\"}]");
		Run out = run(NO_ENV, "outsync", "--node", node, "--token", TOKEN);
		assertEquals(0, out.exit(), out.toString());
		assertTrue(out.out().startsWith("pushed 2 events (1 refused)"), out.out());

		Run list = run(NO_ENV, "dead-letters", "--node", node, "--token", TOKEN);
		assertEquals(0, list.exit(), list.toString());
		List<String> lines = list.out().lines().toList();
		assertTrue(lines.get(0).matches("id\\s+code\\s+refused at\\s+change\\s+reason"), list.out());
		assertTrue(lines.get(1).matches("edge:2\\s+FORBIDDEN\\s+\\S+\\s+create todo/b1 \\(user bob\\)\\s+\\S.*"),
				lines.get(1));
		assertEquals("1 dead letter", lines.get(3));
		assertEquals("edge:2", json(run(NO_ENV, "dead-letters", "--node", node, "--token", TOKEN, "--json").out())
				.path("deadLetters").path(0).path("id").asText());
		assertEquals("no dead letters", run(NO_ENV, "dead-letters", "--node", node, "--token", "alice-token").out()
				.strip(), "alice's token lists alice's only");
		Run notHers = run(NO_ENV, "dead-letters", "replay", "edge:2", "--node", node, "--token", "alice-token");
		assertEquals(1, notHers.exit(), notHers.toString());
		assertTrue(notHers.err().contains("404"), notHers.err());

		Run replay = run(NO_ENV, "dead-letters", "replay", "edge:2", "--node", node, "--token", TOKEN, "--change",
				"{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"b1\",\"data\":{\"n\":1,\"fixed\":true},"
						+ "\"userId\":\"alice\"}");
		assertEquals(0, replay.exit(), replay.toString());
		assertEquals("replayed edge:2 as edge:3 (seq 3)", replay.out().strip());
		Run again = run(NO_ENV, "dead-letters", "replay", "edge:2", "--node", node, "--token", TOKEN);
		assertEquals(1, again.exit(), again.toString());
		assertTrue(again.err().contains("404") && again.err().contains("no dead letter edge:2"), again.err());
		assertEquals(0, run(NO_ENV, "outsync", "--node", node, "--token", TOKEN).exit());
		assertTrue(getJson(hub.httpPort(), TOKEN, "/api/changes/edge:3").path("data").path("fixed").asBoolean(),
				"the fix reached the upstream");

		post(port, "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"b2\",\"data\":{},\"userId\":\"bob\"}");
		assertEquals(0, run(NO_ENV, "outsync", "--node", node, "--token", TOKEN).exit());
		Run stillInvalid = run(NO_ENV, "dead-letters", "replay", "edge:4", "--node", node, "--token", TOKEN, "--change",
				"{\"entityType\":\"todo\",\"operation\":\"patch\",\"entityId\":\"b2\"}");
		assertEquals(1, stillInvalid.exit(), stillInvalid.toString());
		assertTrue(stillInvalid.err().contains("400"), stillInvalid.err());
		// the node options may also come before the subcommand
		Run delete = run(NO_ENV, "dead-letters", "--node", node, "--token", "bob-token", "delete", "edge:4");
		assertEquals(0, delete.exit(), delete.toString());
		assertEquals("deleted edge:4", delete.out().strip());
		assertEquals("no dead letters", run(NO_ENV, "dead-letters", "--node", node, "--token", TOKEN).out().strip());
		assertEquals(1, run(NO_ENV, "dead-letters", "delete", "edge:4", "--node", node, "--token", TOKEN).exit());
		assertEquals(2, run(NO_ENV, "dead-letters", "delete", "nonsense", "--node", node, "--token", TOKEN).exit());
		assertEquals(2, run(NO_ENV, "dead-letters", "replay", "--node", node, "--token", TOKEN).exit(), "no ID");
	}

	@Test
	void helpDescribesTheCommands() {
		Run root = run(NO_ENV, "--help");
		assertTrue(root.out().contains("conflicts") && root.out().contains("dead-letters"), root.out());
		for (List<String> command : List.of(List.of("conflicts"), List.of("dead-letters"),
				List.of("dead-letters", "replay"), List.of("dead-letters", "delete"))) {
			List<String> args = new ArrayList<>(command);
			args.add("--help");
			Run help = run(NO_ENV, args.toArray(new String[0]));
			assertEquals(0, help.exit(), help.toString());
			assertTrue(help.out().contains("--node=URL") && help.out().contains("--token=TOKEN")
					&& help.out().contains("Exit codes"), help.out());
		}
		assertTrue(run(NO_ENV, "conflicts", "--help").out().contains("--type=TYPE"));
		assertTrue(run(NO_ENV, "dead-letters", "--help").out().contains("replay"));
		assertTrue(run(NO_ENV, "dead-letters", "replay", "--help").out().contains("--change=JSON"));
	}
}
