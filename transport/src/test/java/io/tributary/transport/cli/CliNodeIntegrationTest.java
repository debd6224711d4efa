package io.tributary.transport.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.transport.cli.CliTesting.Run;

import static io.tributary.transport.cli.CliTesting.T;
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

	private final List<Process> children = new ArrayList<>();

	@AfterEach
	void killLeftovers() throws InterruptedException {
		for (Process p : children) {
			if (p.isAlive()) {
				p.destroyForcibly().waitFor(T.toSeconds(), TimeUnit.SECONDS);
			}
		}
	}

	/** A child JVM running the node command. */
	private final class Child {
		final Process process;
		final Path log;
		final StringBuffer out = new StringBuffer();
		final CompletableFuture<String> ready = new CompletableFuture<>();
		final CompletableFuture<Void> outClosed = new CompletableFuture<>();

		Child(String name, Map<String, String> env, String... args) throws IOException {
			List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
					.toString(), "-cp", classpath(), NodeCli.class.getName(), "node"));
			command.addAll(List.of(args));
			log = dir.resolve(name + "-" + children.size() + ".err");
			ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
			pb.environment().remove(NodeSettings.TOKEN_VARIABLE);
			pb.environment().putAll(env);
			process = pb.start();
			children.add(process);
			Thread reader = new Thread(this::readOut, "child-stdout-" + name);
			reader.setDaemon(true);
			reader.start();
		}

		private void readOut() {
			try (BufferedReader r = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = r.readLine(); line != null; line = r.readLine()) {
					out.append(line).append('\n');
					if (line.contains(" ready: ")) {
						ready.complete(line);
					}
				}
			}
			catch (IOException e) {
				ready.completeExceptionally(e);
			}
			ready.completeExceptionally(new AssertionError("the node ended without a ready line:\n" + out
					+ "--- stderr\n" + stderr()));
			outClosed.complete(null);
		}

		Matcher awaitReady() throws Exception {
			Matcher m = CliNodeCommandTest.READY.matcher(ready.get(T.toSeconds(), TimeUnit.SECONDS));
			assertTrue(m.matches(), m.toString());
			return m;
		}

		int httpPortOf(Matcher m) {
			return Integer.parseInt(m.group(2));
		}

		/** SIGTERM, then the exit code. */
		int terminate() throws Exception {
			// SIGTERM as Process.destroy() sends it, but through the handle: Process.destroy() also closes
			// our end of the child's stdout, and the line the node prints once stopped would be lost
			assertTrue(process.toHandle().destroy(), "SIGTERM not sent");
			assertTrue(process.waitFor(T.toSeconds(), TimeUnit.SECONDS), "the node did not stop on SIGTERM");
			outClosed.get(T.toSeconds(), TimeUnit.SECONDS);
			return process.exitValue();
		}

		int awaitExit() throws Exception {
			assertTrue(process.waitFor(T.toSeconds(), TimeUnit.SECONDS), "the node did not exit");
			outClosed.get(T.toSeconds(), TimeUnit.SECONDS);
			return process.exitValue();
		}

		String stderr() {
			try {
				return Files.readString(log, StandardCharsets.UTF_8);
			}
			catch (IOException e) {
				return e.toString();
			}
		}
	}

	/** The test classpath as the child needs it (Failsafe may run this JVM from a manifest-only jar). */
	private static String classpath() {
		String surefire = System.getProperty("surefire.test.class.path");
		return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
	}

	@Test
	void twoNodeProcessesServeTheCommandsSyncStopOnSigtermAndKeepTheirData() throws Exception {
		Child a = new Child("a", Map.of(), "--data", dir.resolve("a").toString(), "--http-port", "0", "--peer-port", "0",
				"--token", TOKEN, "--node-id", "a");
		// b takes the token from the environment
		Child b = new Child("b", Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "--data", dir.resolve("b").toString(),
				"--http-port", "0", "--peer-port", "0", "--node-id", "b");
		Matcher readyA = a.awaitReady();
		Matcher readyB = b.awaitReady();
		assertEquals("a", readyA.group(1));
		assertEquals("b", readyB.group(1));
		int httpA = a.httpPortOf(readyA);
		int httpB = b.httpPortOf(readyB);
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
		Child second = new Child("a2", Map.of(), "--data", dir.resolve("a").toString(), "--http-port", "0",
				"--peer-port", "0");
		assertEquals(1, second.awaitExit(), second.stderr());
		assertTrue(second.stderr().contains("tributary-node node: cannot start: the data directory "), second.stderr());

		assertEquals(0, a.terminate(), a.stderr());
		assertTrue(a.out.toString().endsWith("tributary node a stopped\n"), a.out + "--- stderr\n" + a.stderr());
		Run gone = run(Map.of(), "status", "--node", nodeA, "--token", TOKEN);
		assertEquals(1, gone.exit(), gone.toString());
		assertTrue(gone.err().contains("cannot reach the node at " + nodeA), gone.err());

		Child again = new Child("a", Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "--data", dir.resolve("a").toString(),
				"--http-port", "0", "--peer-port", "0");
		Matcher readyAgain = again.awaitReady();
		assertEquals("a", readyAgain.group(1), "the stored id");
		int httpAgain = again.httpPortOf(readyAgain);
		JsonNode restarted = getJson(httpAgain, TOKEN, "/api/stats");
		assertEquals(150, restarted.path("totalEvents").asLong(), restarted.toString());
		assertEquals(hash, hash(httpAgain));

		assertEquals(0, again.terminate(), again.stderr());
		assertEquals(0, b.terminate(), b.stderr());
		for (Child c : List.of(a, b, second, again)) {
			assertFalse(c.out.toString().contains(TOKEN) || c.stderr().contains(TOKEN), "a node printed its token");
		}
	}

	private static String hash(int httpPort) {
		return getJson(httpPort, TOKEN, "/api/convergence").path("hash").asText();
	}
}
