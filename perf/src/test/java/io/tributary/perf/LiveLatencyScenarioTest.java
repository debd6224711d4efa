package io.tributary.perf;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveLatencyScenarioTest {

	private static final List<String> FIELDS = List.of("scenario", "rate", "achievedRate", "warmupSeconds",
			"durationSeconds", "peers", "events", "delivered", "lost", "writeErrors", "p50Millis", "p90Millis",
			"p99Millis", "p999Millis", "maxMillis", "ackP50Millis", "vectorsCovered", "heapMaxUsedMb", "gcMillis",
			"cpuSeconds", "environment");

	@Test
	void everyWriteReachesEveryLivePeerAndIsTimed(@TempDir Path tmp) throws Exception {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		Path results = tmp.resolve("results");
		int exit = PerfMain.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
				.execute("live-latency", "--rate", "1000", "--duration", "2s", "--warmup", "500ms", "--peers", "2",
						"--entities", "500", "--payload-bytes", "120", "--grace", "30s", "--dir",
						tmp.resolve("data").toString(), "--out", results.toString());
		assertEquals(0, exit, () -> "exit code; stderr:\n" + err);

		String[] lines = out.toString().strip().split("\\R");
		JsonNode printed = Results.JSON.readTree(lines[lines.length - 1]);
		JsonNode written = Results.JSON.readTree(Files.readString(results.resolve("live-latency.json")));
		assertEquals(printed, written, "the printed and the written result");
		for (String field : FIELDS) {
			assertTrue(printed.has(field) && !printed.get(field).isNull(),
					() -> "missing field " + field + " in " + printed);
		}
		ScenarioRun.assertEnvironment(printed);
		assertTrue(printed.get("error").isNull(), () -> "change stream failed: " + printed.get("error"));
		assertEquals("live-latency", printed.get("scenario").asText());
		assertEquals(2_000, printed.get("events").asLong(), "measured events: rate times duration");
		assertEquals(0, printed.get("writeErrors").asLong());
		assertEquals(4_000, printed.get("delivered").asLong(), "every event on both peers");
		assertEquals(0, printed.get("lost").asLong());
		assertTrue(printed.get("vectorsCovered").asBoolean(), "both peers hold everything A holds");
		assertTrue(printed.get("achievedRate").asDouble() > 0, "achieved rate");
		assertTrue(printed.get("maxMillis").asDouble() >= printed.get("p50Millis").asDouble(), "percentiles ordered");
		ScenarioRun.assertMeasures(tmp, printed, true);
		try (var left = Files.list(tmp.resolve("data"))) {
			assertEquals(0, left.count(), "the data directory is removed afterwards");
		}
	}
}
