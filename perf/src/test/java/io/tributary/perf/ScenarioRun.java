package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a scenario in-process the way the command line does and checks what every scenario must hand back:
 * exit code 0, the last standard-output line equal to the result file, the listed fields present, the
 * common measures complete, the charts written, the data directory removed.
 */
final class ScenarioRun {

	private static final List<String> MEASURES = List.of("throughput", "seconds", "latencyMillis",
			"latencyDistribution", "heapMaxUsedMb", "gcMillis", "gcCount", "cpuSeconds", "bufferOccupancyMax",
			"servedLive", "servedFromStore", "tapSignalsDropped", "errors");
	private static final List<String> ENVIRONMENT = List.of("heapMaxMb", "cores", "loadAverageStart",
			"loadAverageEnd", "javaVersion", "jvmArgs", "settings");
	private static final List<String> LATENCY = List.of("p50", "p90", "p99", "p999", "max", "mean", "count");

	private ScenarioRun() {
	}

	/**
	 * Runs {@code scenario} with {@code args} plus {@code --dir} and {@code --out} under {@code tmp}.
	 *
	 * @return the printed result
	 */
	static JsonNode run(Path tmp, String scenario, List<String> fields, String... args) throws IOException {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		Path results = tmp.resolve("results");
		String[] all = new String[args.length + 5];
		all[0] = scenario;
		System.arraycopy(args, 0, all, 1, args.length);
		all[args.length + 1] = "--dir";
		all[args.length + 2] = tmp.resolve("data").toString();
		all[args.length + 3] = "--out";
		all[args.length + 4] = results.toString();
		int exit = PerfMain.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
		assertEquals(0, exit, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
		assertTrue(err.toString().contains("[" + scenario + "]"), () -> "progress lines on stderr:\n" + err);

		String[] lines = out.toString().strip().split("\\R");
		JsonNode printed = Results.JSON.readTree(lines[lines.length - 1]);
		JsonNode written = Results.JSON.readTree(Files.readString(results.resolve(scenario + ".json")));
		assertEquals(printed, written, "the printed and the written result");
		assertEquals(scenario, printed.get("scenario").asText());
		for (String field : fields) {
			assertTrue(printed.has(field), () -> "missing field " + field + " in " + printed);
		}
		try (var left = Files.list(tmp.resolve("data"))) {
			assertEquals(0, left.count(), "the data directory is removed afterwards");
		}
		assertEnvironment(printed);
		return printed;
	}

	/**
	 * Checks the environment block every scenario's result carries: the JVM, the machine, the commit (known
	 * or {@code null}), the scenario's settings, among them its seed and durability (on PostgreSQL, the
	 * server's {@code fsync} and {@code synchronous_commit}), and its PostgreSQL server or {@code null}.
	 */
	static void assertEnvironment(JsonNode result) {
		JsonNode env = result.get("environment");
		assertTrue(env != null && env.isObject(), () -> "environment in " + result);
		for (String field : ENVIRONMENT) {
			assertTrue(env.hasNonNull(field), () -> "missing environment." + field + " in " + env);
		}
		assertTrue(env.has("commit"), () -> "environment.commit, known or null: " + env);
		assertTrue(env.get("cores").asInt() > 0, "cores");
		assertTrue(env.get("jvmArgs").isArray(), "JVM arguments");
		JsonNode settings = env.get("settings");
		JsonNode postgres = env.get("postgres");
		assertTrue(postgres != null, () -> "environment.postgres, a server or null: " + env);
		// on PostgreSQL the server's settings say what a commit survives
		boolean durability = settings.hasNonNull("durability")
				|| postgres.hasNonNull("fsync") && postgres.hasNonNull("synchronousCommit");
		assertTrue(settings.isObject() && settings.hasNonNull("seed") && durability,
				() -> "the scenario's settings: " + settings + ", its server: " + postgres);
	}

	/**
	 * Checks a result's common measures and its charts.
	 *
	 * @param withLatency whether the scenario records latencies
	 */
	static JsonNode assertMeasures(Path tmp, JsonNode result, boolean withLatency) {
		String scenario = result.get("scenario").asText();
		JsonNode m = result.get("measures");
		assertTrue(m != null && m.isObject(), () -> "measures in " + result);
		for (String field : MEASURES) {
			assertTrue(m.hasNonNull(field), () -> "missing measures." + field + " in " + m);
		}
		for (String field : LATENCY) {
			assertTrue(m.get("latencyMillis").hasNonNull(field), () -> "missing measures.latencyMillis." + field);
		}
		assertTrue(m.get("throughput").size() >= 1, () -> "a throughput sample a second: " + m.get("throughput"));
		assertTrue(m.get("seconds").asDouble() > 0, "the phase's length");
		assertTrue(m.get("heapMaxUsedMb").asLong() > 0, "heap high-water mark");
		assertTrue(Files.isRegularFile(tmp.resolve("results").resolve(scenario + "-throughput.png")),
				"throughput chart");
		if (withLatency) {
			assertTrue(m.get("latencyMillis").get("count").asLong() > 0, "latencies recorded");
			assertTrue(m.get("latencyMillis").get("max").asDouble() >= m.get("latencyMillis").get("p50").asDouble(),
					"percentiles ordered");
			assertTrue(m.get("latencyDistribution").size() > 10, "latency distribution points");
			assertTrue(Files.isRegularFile(tmp.resolve("results").resolve(scenario + "-latency.png")), "latency chart");
		}
		return m;
	}
}
