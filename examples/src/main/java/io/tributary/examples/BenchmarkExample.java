package io.tributary.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.tributary.perf.PerfMain;

/**
 * A benchmark run from code: the harness's {@code local-write} scenario (durable writes of one engine on H2 files,
 * against plain H2 JDBC batches in the same run) invoked as a library through {@link PerfMain#commandLine()}, in
 * this JVM, with small sizes; its result (the JSON object the harness prints last and writes to
 * {@code <out>/local-write.json}) is read and its headline figures printed. Real measurements take the harness's
 * jar and its defaults ({@code docs/PERFORMANCE.md}); this shows the wiring.
 * <p>
 * Run it with {@code mvn -B -q -pl examples -am package exec:java@benchmark -DskipTests}; pass a directory to keep
 * the results ({@code -Dexec.args=DIR}).
 */
public final class BenchmarkExample {

	private static final ObjectMapper JSON = new ObjectMapper();

	private BenchmarkExample() {
	}

	/**
	 * Runs the example.
	 *
	 * @param args optional directory for the data and the results
	 * @throws IOException when the directory cannot be made or removed, or the result is not JSON
	 */
	public static void main(String[] args) throws IOException {
		Path dir = Examples.dataDirectory(args, "tributary-benchmark");
		try {
			run(dir, 5_000, System.out::println);
		}
		finally {
			Examples.cleanUp(args, dir);
		}
	}

	/**
	 * Runs {@code local-write} with {@code events} measured events and prints its figures.
	 *
	 * @param dir where the scenario's data (removed by the scenario) and results go
	 * @param events measured events; a fifth as many are written first as warmup
	 * @param out where the lines go
	 * @return the scenario's result
	 * @throws IOException when the result is not JSON
	 * @throws IllegalStateException when the scenario fails, with its error output
	 */
	static JsonNode run(Path dir, long events, Consumer<String> out) throws IOException {
		List<String> args = List.of("local-write", "--events", Long.toString(events), "--warmup",
				Long.toString(events / 5), "--writers", "64", "--entities", "1000", "--payload-bytes", "200",
				"--dir", dir.resolve("data").toString(), "--out", dir.resolve("results").toString());
		out.accept("running: " + String.join(" ", args));
		StringWriter printed = new StringWriter();
		StringWriter errors = new StringWriter();
		int exit = PerfMain.commandLine().setOut(new PrintWriter(printed)).setErr(new PrintWriter(errors))
				.execute(args.toArray(String[]::new));
		if (exit != 0) {
			throw new IllegalStateException("local-write ended with exit code " + exit + ":\n" + errors);
		}
		String[] lines = printed.toString().strip().split("\\R");
		JsonNode result = JSON.readTree(lines[lines.length - 1]);
		out.accept(String.format(java.util.Locale.ROOT, "%s: %,d events by %d writers, %,.0f events/s (H2 JDBC baseline "
				+ "%,.0f events/s, ratio %.2f), p99 latency %.2f ms, %d lost of %,d acknowledged",
				result.path("scenario").asText(), result.path("events").asLong(), result.path("writers").asInt(),
				result.path("eventsPerSecond").asDouble(), result.path("baselineEventsPerSecond").asDouble(),
				result.path("ratio").asDouble(), result.path("latencyMillis").path("p99").asDouble(),
				result.path("lost").asLong(), result.path("acknowledged").asLong()));
		out.accept("the whole result: " + dir.resolve("results").resolve("local-write.json"));
		return result;
	}
}
