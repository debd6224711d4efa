package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a scenario in a fresh JVM started with the settings recommended for a node ({@code docs/NODE.md}),
 * the way JMH forks its benchmarks. The figures then depend neither on how the harness itself was started
 * nor on what ran before in the same JVM (an earlier scenario of {@code all}), and they are the figures of
 * a node run as recommended. The harness's own JVM options follow the recommended ones on the forked
 * command line, so {@code java -Xmx8g -jar tributary-perf.jar ...} still has the last word; a scenario's
 * {@code --no-fork} runs it in the harness's JVM as started.
 */
final class Fork {

	/** The option of every scenario (and {@code all}) that runs it in the harness's JVM. */
	static final String NO_FORK = "--no-fork";

	/** Set in a forked JVM, which then runs its scenario itself. */
	static final String FORKED_PROPERTY = "tributary.perf.forked";

	/**
	 * The JVM settings recommended for a node, measured in {@code docs/PERFORMANCE.md}. A fixed heap touched up
	 * front: a heap that grows while the node works costs the kernel's page clearing and resizing collections
	 * (a catch-up ran up to a fifth faster). G1 asked for 10 ms pauses and allowed a young generation down to
	 * 1% of the heap: a young collection copies every entity fold written since the last one, so under a
	 * steady trickle of writes fewer, larger young generations make fewer but longer pauses, each holding up
	 * every event that arrives during it (live p99 8–15 ms with G1's defaults, 5.7–6.0 ms with these).
	 */
	static final List<String> NODE_SETTINGS = List.of("-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch", "-XX:+UseG1GC",
			"-XX:MaxGCPauseMillis=10", "-XX:+UnlockExperimentalVMOptions", "-XX:G1NewSizePercent=1");

	private Fork() {
	}

	/** Whether this JVM is a fork the harness started. */
	static boolean isFork() {
		return Boolean.getBoolean(FORKED_PROPERTY);
	}

	/**
	 * The command line of a forked run.
	 *
	 * @param args the harness's arguments: the scenario and its options
	 * @return the command
	 */
	static List<String> command(List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(NODE_SETTINGS);
		// after the recommended settings, so that the harness's own options win; a flight recording asked of
		// the harness is then the fork's (run closes this JVM's)
		command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
		command.add("-D" + FORKED_PROPERTY + "=true");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(PerfMain.class.getName());
		command.addAll(args);
		return command;
	}

	/**
	 * Runs the harness with these arguments in a forked JVM, its standard streams those of this one, and waits
	 * for it. The fork is destroyed when this JVM is interrupted or shuts down first.
	 *
	 * @param args the scenario and its options
	 * @param err where the forked command line is reported
	 * @return the fork's exit code
	 * @throws IOException when the JVM cannot be started
	 */
	static int run(List<String> args, PrintWriter err) throws IOException {
		List<String> command = command(args);
		err.println("[fork] " + String.join(" ", command));
		err.flush();
		// this JVM only waits: a recording it started would end after the fork's and overwrite its file
		for (jdk.jfr.Recording r : jdk.jfr.FlightRecorder.isInitialized()
				? jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings() : List.<jdk.jfr.Recording>of()) {
			r.close();
		}
		Process process = new ProcessBuilder(command).inheritIO().start();
		Thread reaper = new Thread(process::destroy, "tributary-perf-fork-reaper");
		Runtime.getRuntime().addShutdownHook(reaper);
		try {
			return process.waitFor();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			process.destroy();
			return 1;
		}
		finally {
			try {
				Runtime.getRuntime().removeShutdownHook(reaper);
			}
			catch (IllegalStateException shuttingDown) {
				// the hook runs and destroys the fork
			}
		}
	}
}
