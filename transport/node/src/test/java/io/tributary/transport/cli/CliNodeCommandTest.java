package io.tributary.transport.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.transport.node.SyncNode;
import io.tributary.transport.cli.CliTesting.LineWatcher;
import io.tributary.transport.cli.CliTesting.RecordingLifecycle;
import io.tributary.transport.cli.CliTesting.Run;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code node} command in this JVM: the ready line, the shutdown hook, startup failures. The process
 * itself (signals, exit codes) is {@link CliNodeIntegrationTest}'s.
 */
class CliNodeCommandTest {

	static final Pattern READY = Pattern.compile("tributary node (\\S+) ready: http=127\\.0\\.0\\.1:(\\d+) "
			+ "peer=127\\.0\\.0\\.1:(\\d+)");

	private static final String TOKEN = "node-cmd-s3cr3t";

	@TempDir
	Path dir;

	/** A node command running on its own thread until its shutdown hook runs. */
	private static final class Running {
		final RecordingLifecycle lifecycle = new RecordingLifecycle();
		final LineWatcher out = new LineWatcher(" ready: ");
		final StringWriter err = new StringWriter();
		final CompletableFuture<Integer> exit;
		final String id;
		final int httpPort;

		Running(Map<String, String> env, String... args) throws Exception {
			exit = CompletableFuture.supplyAsync(
					() -> CliTesting.command(env, lifecycle, out, err).execute(args));
			String line = CompletableFuture.anyOf(out.line, exit).thenCompose(x -> out.line)
					.get(T.toSeconds(), TimeUnit.SECONDS);
			Matcher m = READY.matcher(line);
			assertTrue(m.matches(), line);
			id = m.group(1);
			httpPort = Integer.parseInt(m.group(2));
		}

		/** Runs the hook as the JVM would, on its own thread; answers the exit code of the command. */
		int stop() throws Exception {
			Runnable hook = lifecycle.hook.get(T.toSeconds(), TimeUnit.SECONDS);
			Thread t = new Thread(hook, "test-shutdown");
			t.start();
			int halted = lifecycle.halted.get(T.toSeconds(), TimeUnit.SECONDS);
			assertEquals(halted, (int) exit.get(T.toSeconds(), TimeUnit.SECONDS), "the command returns what it halts with");
			return halted;
		}
	}

	@Test
	void nodeRunsUntilItsShutdownHookThenClosesAndKeepsItsData() throws Exception {
		Path file = dir.resolve("node.properties");
		Files.writeString(file, "data=store\nhttp-port=0\npeer-port=0\nnode-id=n1\ntoken=" + TOKEN + "\n",
				StandardCharsets.UTF_8);
		Running node = new Running(Map.of(), "node", "--config", file.toString());
		assertEquals("n1", node.id);
		assertFalse(node.exit.isDone());
		assertEquals(40, postChanges(node.httpPort, TOKEN, "milk", 40));
		String hash = getJson(node.httpPort, TOKEN, "/api/convergence").path("hash").asText();

		Run status = run(Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "status", "--node",
				"http://127.0.0.1:" + node.httpPort);
		assertEquals(0, status.exit(), status.toString());
		assertTrue(status.out().startsWith("node    n1  UP  "), status.out());

		assertEquals(0, node.stop());
		assertTrue(node.out.toString().endsWith("tributary node n1 stopped" + System.lineSeparator()),
				node.out.toString());
		assertFalse(node.out.toString().contains(TOKEN));
		assertFalse(node.err.toString().contains(TOKEN));
		assertTrue(Files.isDirectory(dir.resolve("store")), "data resolved against the config file's directory");

		// the same store from flags: the stored id wins over a new one
		Running again = new Running(Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "node", "--data",
				dir.resolve("store").toString(), "--http-port", "0", "--peer-port", "0", "--node-id", "other");
		assertEquals("n1", again.id);
		assertEquals(hash, getJson(again.httpPort, TOKEN, "/api/convergence").path("hash").asText());
		assertEquals(40, getJson(again.httpPort, TOKEN, "/api/stats").path("totalEvents").asLong());
		assertEquals(0, again.stop());
	}

	@Test
	void aPortInUseFailsTheStartWithExitOne() throws IOException {
		try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			int port = taken.getLocalPort();
			RecordingLifecycle lifecycle = new RecordingLifecycle();
			Run http = run(Map.of(), lifecycle, "node", "--data", dir.resolve("a").toString(), "--http-port",
					Integer.toString(port), "--peer-port", "0");
			assertEquals(1, http.exit(), http.toString());
			assertTrue(http.err().startsWith("tributary-node node: cannot start: the HTTP port 127.0.0.1:" + port
					+ " is unavailable ("), http.err());
			assertEquals("", http.out());
			assertFalse(lifecycle.hook.isDone(), "no hook for a node that never ran");

			Run peer = run(Map.of(), "node", "--data", dir.resolve("a").toString(), "--http-port", "0", "--peer-port",
					Integer.toString(port));
			assertEquals(1, peer.exit(), peer.toString());
			assertTrue(peer.err().startsWith("tributary-node node: cannot start: the peer port 127.0.0.1:" + port
					+ " is unavailable ("), peer.err());
		}
	}

	@Test
	void aDataDirectoryInUseFailsTheStartWithExitOne() {
		SyncNode holder = SyncNode.builder().dataDir(dir.resolve("a")).httpPort(0).peerPort(0).start().block(T);
		try {
			Run r = run(Map.of(), "node", "--data", dir.resolve("a").toString(), "--http-port", "0", "--peer-port", "0");
			assertEquals(1, r.exit(), r.toString());
			assertTrue(r.err().startsWith("tributary-node node: cannot start: "), r.err());
			assertTrue(r.err().contains("already open"), r.err());
		}
		finally {
			holder.close(Duration.ofSeconds(5)).block(T);
		}
	}

	@Test
	void certificateFilesThatAreNotPemFailTheStartWithExitOneAndReleaseTheStore() throws Exception {
		Path garbage = dir.resolve("garbage.pem");
		Files.writeString(garbage, "not a certificate\n", StandardCharsets.US_ASCII);
		String data = dir.resolve("a").toString();
		Run peer = run(Map.of(), "node", "--data", data, "--http-port", "0", "--peer-port", "0", "--peer-tls-cert",
				garbage.toString(), "--peer-tls-key", garbage.toString());
		assertEquals(1, peer.exit(), peer.toString());
		assertTrue(peer.err().startsWith("tributary-node node: cannot start: cannot set up TLS from " + garbage),
				peer.err());
		Run https = run(Map.of(), "node", "--data", data, "--http-port", "0", "--peer-port", "0", "--https-cert",
				garbage.toString(), "--https-key", garbage.toString());
		assertEquals(1, https.exit(), https.toString());
		assertTrue(https.err().startsWith("tributary-node node: cannot start: cannot set up HTTPS from " + garbage),
				https.err());
		// neither failed start kept the data directory
		Running node = new Running(Map.of(), "node", "--data", data, "--http-port", "0", "--peer-port", "0");
		assertEquals(0, node.stop());
	}
}
