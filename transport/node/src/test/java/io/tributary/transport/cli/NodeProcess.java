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

import static io.tributary.transport.cli.CliTesting.T;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node as an operator runs it: a child JVM running {@code NodeCli node} from the test classpath, its
 * standard output watched for the ready line, its standard error in a file. {@link #close()} kills it if
 * it still runs.
 */
public final class NodeProcess {

	private final Process process;
	private final Path log;
	@SuppressWarnings("JdkObsolete") // written by the reader thread, read by the test's: synchronized on purpose
	private final StringBuffer out = new StringBuffer();
	private final CompletableFuture<String> ready = new CompletableFuture<>();
	private final CompletableFuture<Void> outClosed = new CompletableFuture<>();

	private NodeProcess(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * Starts {@code NodeCli node} with the arguments; the token variable is taken from {@code env} only.
	 *
	 * @param log where the child's standard error goes
	 * @param env environment variables to set
	 * @param args the arguments after {@code node}
	 * @return the running child
	 * @throws IOException when it cannot be started
	 */
	public static NodeProcess start(Path log, Map<String, String> env, String... args) throws IOException {
		return start(log, env, List.of(), args);
	}

	/**
	 * Starts {@code NodeCli node} with JVM options and the arguments; the token variable is taken from {@code env}
	 * only.
	 *
	 * @param log where the child's standard error goes
	 * @param env environment variables to set
	 * @param jvmOptions options of the child's JVM, e.g. for a quick start in tests that restart it many times
	 * @param args the arguments after {@code node}
	 * @return the running child
	 * @throws IOException when it cannot be started
	 */
	public static NodeProcess start(Path log, Map<String, String> env, List<String> jvmOptions, String... args)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		command.addAll(List.of("-cp", classpath(), NodeCli.class.getName(), "node"));
		command.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
		pb.environment().remove(NodeSettings.TOKEN_VARIABLE);
		pb.environment().putAll(env);
		NodeProcess child = new NodeProcess(pb.start(), log);
		Thread reader = new Thread(child::readOut, "child-stdout-" + log.getFileName());
		reader.setDaemon(true);
		reader.start();
		return child;
	}

	/** The test classpath as the child needs it (Failsafe may run this JVM from a manifest-only jar). */
	private static String classpath() {
		String surefire = System.getProperty("surefire.test.class.path");
		return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
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

	/**
	 * Waits for the ready line.
	 *
	 * @return its match of {@link CliNodeCommandTest#READY}: node id, HTTP port, peer port
	 * @throws Exception when the node does not get ready in time or ends
	 */
	public Matcher awaitReady() throws Exception {
		Matcher m = CliNodeCommandTest.READY.matcher(ready.get(T.toSeconds(), TimeUnit.SECONDS));
		assertTrue(m.matches(), m.toString());
		return m;
	}

	/**
	 * Waits for the ready line.
	 *
	 * @return the HTTP port it names
	 * @throws Exception when the node does not get ready in time or ends
	 */
	public int awaitHttpPort() throws Exception {
		return Integer.parseInt(awaitReady().group(2));
	}

	/**
	 * Sends SIGTERM and waits for the exit.
	 *
	 * @return the exit code
	 * @throws Exception when the node does not stop in time
	 */
	public int terminate() throws Exception {
		// SIGTERM as Process.destroy() sends it, but through the handle: Process.destroy() also closes
		// our end of the child's stdout, and the line the node prints once stopped would be lost
		assertTrue(process.toHandle().destroy(), "SIGTERM not sent");
		return awaitExit();
	}

	/**
	 * Sends SIGKILL ({@code kill -9}) and waits until the process is gone.
	 *
	 * @throws InterruptedException when interrupted while waiting
	 */
	public void kill() throws InterruptedException {
		process.destroyForcibly();
		assertTrue(process.waitFor(T.toSeconds(), TimeUnit.SECONDS), "the node did not die on SIGKILL");
	}

	/**
	 * Waits for the process to end by itself.
	 *
	 * @return the exit code
	 * @throws Exception when it does not end in time
	 */
	public int awaitExit() throws Exception {
		assertTrue(process.waitFor(T.toSeconds(), TimeUnit.SECONDS), "the node did not exit");
		outClosed.get(T.toSeconds(), TimeUnit.SECONDS);
		return process.exitValue();
	}

	/**
	 * What the node printed on standard output so far.
	 *
	 * @return the lines, each ended by a newline
	 */
	public String out() {
		return out.toString();
	}

	/**
	 * What the node printed on standard error so far.
	 *
	 * @return the text, or the error that kept it from being read
	 */
	public String stderr() {
		try {
			return Files.readString(log, StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			return e.toString();
		}
	}

	/**
	 * Kills the node if it still runs, and waits until it is gone.
	 *
	 * @throws InterruptedException when interrupted while waiting
	 */
	public void close() throws InterruptedException {
		if (process.isAlive()) {
			process.destroyForcibly().waitFor(T.toSeconds(), TimeUnit.SECONDS);
		}
	}
}
