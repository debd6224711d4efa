package io.tributary.transport.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.transport.cli.CliTesting.Run;

import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes as an operator runs them: {@code java ... NodeCli node} child processes, the operator commands
 * against them in this JVM, SIGTERM, a restart on the same data.
 */
class CliNodeIntegrationTest {

	private static final String TOKEN = "it-s3cr3t-token";

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();

	@AfterEach
	void killLeftovers() throws InterruptedException {
		for (NodeProcess p : children) {
			p.close();
		}
	}

	private NodeProcess start(String name, Map<String, String> env, String... args) throws IOException {
		NodeProcess p = NodeProcess.start(dir.resolve(name + "-" + children.size() + ".err"), env, args);
		children.add(p);
		return p;
	}

	private static int httpPortOf(Matcher ready) {
		return Integer.parseInt(ready.group(2));
	}

	@Test
	void twoNodeProcessesServeTheCommandsSyncStopOnSigtermAndKeepTheirData() throws Exception {
		NodeProcess a = start("a", Map.of(), "--data", dir.resolve("a").toString(), "--http-port", "0", "--peer-port", "0",
				"--token", TOKEN, "--node-id", "a");
		// b takes the token from the environment
		NodeProcess b = start("b", Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "--data", dir.resolve("b").toString(),
				"--http-port", "0", "--peer-port", "0", "--node-id", "b");
		Matcher readyA = a.awaitReady();
		Matcher readyB = b.awaitReady();
		assertEquals("a", readyA.group(1));
		assertEquals("b", readyB.group(1));
		int httpA = httpPortOf(readyA);
		int httpB = httpPortOf(readyB);
		String nodeA = "http://127.0.0.1:" + httpA;
		String nodeB = "http://127.0.0.1:" + httpB;

		assertEquals(120, postChanges(httpA, TOKEN, "a", 120));
		assertEquals(30, postChanges(httpB, TOKEN, "b", 30));

		Run status = run(Map.of(), "status", "--node", nodeA, "--token", TOKEN);
		assertEquals(0, status.exit(), status.toString());
		assertTrue(status.out().startsWith("node    a  UP  " + nodeA + "\nlog     120 events, last position 120\n"),
				status.out());

		Run stats = run(Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "stats", "--node", nodeB, "--json");
		assertEquals(0, stats.exit(), stats.toString());
		assertEquals(30, CliTesting.json(stats.out()).path("totalEvents").asLong());

		assertNotEquals(hash(httpA), hash(httpB));
		Run sync = run(Map.of(), "sync", "--node", nodeB, "--token", TOKEN, "--peer", "127.0.0.1:" + readyA.group(3));
		assertEquals(0, sync.exit(), sync.toString());
		assertTrue(sync.out().contains(": sent 30, received 120 events, ok"), sync.out());
		String hash = hash(httpB);
		assertEquals(hash(httpA), hash);
		assertEquals(150, getJson(httpB, TOKEN, "/api/stats").path("totalEvents").asLong());

		// one node per data directory, also across processes
		NodeProcess second = start("a2", Map.of(), "--data", dir.resolve("a").toString(), "--http-port", "0",
				"--peer-port", "0");
		assertEquals(1, second.awaitExit(), second.stderr());
		assertTrue(second.stderr().contains("tributary-node node: cannot start: the data directory "), second.stderr());

		assertEquals(0, a.terminate(), a.stderr());
		assertTrue(a.out().endsWith("tributary node a stopped\n"), a.out() + "--- stderr\n" + a.stderr());
		Run gone = run(Map.of(), "status", "--node", nodeA, "--token", TOKEN);
		assertEquals(1, gone.exit(), gone.toString());
		assertTrue(gone.err().contains("cannot reach the node at " + nodeA), gone.err());

		NodeProcess again = start("a", Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "--data", dir.resolve("a").toString(),
				"--http-port", "0", "--peer-port", "0");
		Matcher readyAgain = again.awaitReady();
		assertEquals("a", readyAgain.group(1), "the stored id");
		int httpAgain = httpPortOf(readyAgain);
		JsonNode restarted = getJson(httpAgain, TOKEN, "/api/stats");
		assertEquals(150, restarted.path("totalEvents").asLong(), restarted.toString());
		assertEquals(hash, hash(httpAgain));

		assertEquals(0, again.terminate(), again.stderr());
		assertEquals(0, b.terminate(), b.stderr());
		for (NodeProcess c : List.of(a, b, second, again)) {
			assertFalse(c.out().contains(TOKEN) || c.stderr().contains(TOKEN), "a node printed its token");
		}
	}

	private static String hash(int httpPort) {
		return getJson(httpPort, TOKEN, "/api/convergence").path("hash").asText();
	}
}
