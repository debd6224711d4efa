package io.tributary.perf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where and how a run ran, the {@code environment} object of every scenario's result: the JVM, the machine,
 * the commit and the scenario's settings, so that figures from different machines, builds or settings are
 * not compared.
 *
 * @param heapMaxMb the heap limit
 * @param cores available processors
 * @param loadAverageStart the system's one-minute load average when the run started (other work on the
 *        machine skews every figure)
 * @param loadAverageEnd the same when the run ended
 * @param javaVersion the runtime's version
 * @param jvmArgs the JVM's arguments
 * @param commit the commit of the working directory the harness ran in ({@code git rev-parse HEAD}, with
 *        {@code -dirty} when files differ from it), {@code null} outside a git checkout
 * @param settings every setting of the scenario by name, defaults included
 * @param postgres the PostgreSQL server the run used (which one, its version, {@code fsync} and
 *        {@code synchronous_commit}); {@code null} when it used none
 */
record Environment(long heapMaxMb, int cores, double loadAverageStart, double loadAverageEnd, String javaVersion,
		List<String> jvmArgs, String commit, Map<String, Object> settings, PostgresServer.Description postgres) {

	/**
	 * This JVM and machine now, with the load average read at the run's start, for a run without PostgreSQL.
	 *
	 * @param loadAverageStart the load average when the run started
	 * @param options the scenario's options (a record), listed as the settings
	 * @return the environment
	 */
	static Environment now(double loadAverageStart, Record options) {
		return now(loadAverageStart, options, null);
	}

	/**
	 * This JVM and machine now, with the load average read at the run's start and the run's PostgreSQL.
	 *
	 * @param loadAverageStart the load average when the run started
	 * @param options the scenario's options (a record), listed as the settings
	 * @param postgres the server the run used, {@code null} for none
	 * @return the environment
	 */
	static Environment now(double loadAverageStart, Record options, PostgresServer.Description postgres) {
		return new Environment(JvmStats.heapMax() >> 20, JvmStats.cores(), loadAverageStart, JvmStats.loadAverage(),
				System.getProperty("java.version"), JvmStats.jvmArgs(), workingCommit(), settings(options), postgres);
	}

	/** The record's components by name: numbers and booleans as they are, anything else as its text. */
	static Map<String, Object> settings(Record options) {
		Map<String, Object> out = new LinkedHashMap<>();
		for (RecordComponent c : options.getClass().getRecordComponents()) {
			Object value;
			try {
				value = c.getAccessor().invoke(options);
			}
			catch (ReflectiveOperationException e) {
				throw new IllegalStateException("cannot read " + c.getName() + " of " + options, e);
			}
			out.put(c.getName(), value == null || value instanceof Number || value instanceof Boolean ? value
					: value.toString());
		}
		return out;
	}

	/** The working directory's commit, {@code null} when git cannot tell. */
	private static String workingCommit() {
		String head = git("rev-parse", "HEAD");
		if (head == null || head.isEmpty()) {
			return null;
		}
		String changes = git("status", "--porcelain", "--untracked-files=no");
		return changes == null || changes.isEmpty() ? head : head + "-dirty";
	}

	private static String git(String... args) {
		String[] command = new String[args.length + 1];
		command[0] = "git";
		System.arraycopy(args, 0, command, 1, args.length);
		try {
			Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
			p.getOutputStream().close();
			String out;
			try (InputStream in = p.getInputStream()) {
				out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
			}
			if (!p.waitFor(10, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				return null;
			}
			return p.exitValue() == 0 ? out : null;
		}
		catch (IOException e) {
			return null;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return null;
		}
	}
}
