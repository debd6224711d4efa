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

class LocalWriteScenarioTest {

	private static final List<String> FIELDS = List.of("scenario", "events", "writers", "payloadBytes", "entities",
			"durability", "warmup", "seed", "eventsPerSecond", "baselineEventsPerSecond", "ratio", "elapsedSeconds",
			"baselineElapsedSeconds", "latencyMillis", "acknowledged", "lost", "verifiedEvents", "closeMillis",
			"reopenMillis", "heapMaxUsedMb", "gcMillis", "environment");

	private static final List<String> LATENCY_FIELDS = List.of("p50", "p90", "p99", "p999", "max");

	@Test
	void tinyRunPrintsCompleteResultWithNothingLost(@TempDir Path tmp) throws Exception {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		Path results = tmp.resolve("results");
		int exit = PerfMain.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
				.execute("local-write", "--events", "5_000", "--warmup", "1k", "--writers", "256", "--entities", "500",
						"--payload-bytes", "120", "--dir", tmp.resolve("data").toString(), "--out", results.toString());
		assertEquals(0, exit, () -> "exit code; stderr:\n" + err);

		String[] lines = out.toString().strip().split("\\R");
		JsonNode printed = Results.JSON.readTree(lines[lines.length - 1]);
		JsonNode written = Results.JSON.readTree(Files.readString(results.resolve("local-write.json")));
		assertEquals(printed, written, "the printed and the written result");

		for (String field : FIELDS) {
			assertTrue(printed.hasNonNull(field), () -> "missing field " + field + " in " + printed);
		}
		ScenarioRun.assertEnvironment(printed);
		for (String field : LATENCY_FIELDS) {
			assertTrue(printed.get("latencyMillis").hasNonNull(field), () -> "missing latencyMillis." + field);
		}
		assertEquals("local-write", printed.get("scenario").asText());
		assertEquals(5_000, printed.get("events").asLong());
		assertEquals(6_000, printed.get("acknowledged").asLong());
		assertEquals(6_000, printed.get("verifiedEvents").asLong());
		assertEquals(0, printed.get("lost").asLong());
		assertEquals("PROCESS_CRASH", printed.get("durability").asText());
		assertEquals("h2", printed.get("store").asText());
		assertEquals(JdbcBaseline.BATCH, printed.get("baselineBatch").asInt());
		assertTrue(printed.get("environment").get("postgres").isNull(), "no PostgreSQL on H2");
		assertEquals(printed.get("entitiesWritten").asLong(), printed.get("entitiesAfterReopen").asLong(),
				"entities projected after reopening");
		assertEquals(5_000, printed.get("latencyMillis").get("count").asLong());
		assertTrue(printed.get("eventsPerSecond").asDouble() > 0, "Tributary rate");
		assertTrue(printed.get("baselineEventsPerSecond").asDouble() > 0, "baseline rate");
		assertTrue(printed.get("ratio").asDouble() > 0, "ratio");
		ScenarioRun.assertMeasures(tmp, printed, true);
		try (var left = Files.list(tmp.resolve("data"))) {
			assertEquals(0, left.count(), "the data directory is removed afterwards");
		}
	}

	@Test
	void postgresRunLosesNothingAndComparesWithTheUnnestBaselineOnItsOwnDurableServer(@TempDir Path tmp)
			throws Exception {
		JsonNode printed = ScenarioRun.run(tmp, "local-write", FIELDS, "--store", "postgres", "--events", "3_000",
				"--warmup", "500", "--writers", "128", "--entities", "400", "--payload-bytes", "120", "--pool-size", "4");
		assertEquals("postgres", printed.get("store").asText());
		assertEquals(3_500, printed.get("acknowledged").asLong());
		assertEquals(3_500, printed.get("verifiedEvents").asLong(), "every event read back from the database");
		assertEquals(0, printed.get("lost").asLong());
		assertEquals(printed.get("entitiesWritten").asLong(), printed.get("entitiesAfterReopen").asLong(),
				"entities projected after reopening");
		assertTrue(printed.get("baselineEventsPerSecond").asDouble() > 0, "baseline rate");
		assertTrue(printed.get("ratio").asDouble() > 0, "ratio");
		long batch = printed.get("baselineBatch").asLong();
		assertEquals(Math.max(1, Math.round(printed.get("commitBatchMean").asDouble())), batch,
				"the baseline commits as often as the engine");
		JsonNode postgres = printed.get("environment").get("postgres");
		assertEquals("embedded", postgres.get("server").asText());
		assertEquals("on", postgres.get("fsync").asText(), "durable: fsync on");
		assertEquals("on", postgres.get("synchronousCommit").asText(), "durable: synchronous_commit on");
		assertTrue(postgres.get("version").asText().startsWith("14"), () -> "PostgreSQL 14: " + postgres);
		ScenarioRun.assertMeasures(tmp, printed, true);
	}
}
