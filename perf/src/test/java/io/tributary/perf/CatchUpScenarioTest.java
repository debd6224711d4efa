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

class CatchUpScenarioTest {

	private static final List<String> FIELDS = List.of("scenario", "events", "payloadBytes", "entities",
			"batchEvents", "durability", "seed", "eventsPerSecond", "localEventsPerSecond", "ratio", "elapsedSeconds",
			"localElapsedSeconds", "commitsPerSecond", "commits", "syncOk", "received", "lost", "verifiedEvents",
			"vectorsEqual", "entityStatesCompared", "entityStatesDiffering", "heapMaxUsedMb", "gcMillis", "cpuSeconds",
			"environment");

	@Test
	void emptyNodeCatchesUpOnEveryEventAndEntityState(@TempDir Path tmp) throws Exception {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		Path results = tmp.resolve("results");
		int exit = PerfMain.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
				.execute("catch-up", "--events", "3k", "--entities", "300", "--writers", "64", "--payload-bytes", "120",
						"--batch-events", "250", "--dir", tmp.resolve("data").toString(), "--out", results.toString());
		assertEquals(0, exit, () -> "exit code; stderr:\n" + err);

		String[] lines = out.toString().strip().split("\\R");
		JsonNode printed = Results.JSON.readTree(lines[lines.length - 1]);
		JsonNode written = Results.JSON.readTree(Files.readString(results.resolve("catch-up.json")));
		assertEquals(printed, written, "the printed and the written result");
		for (String field : FIELDS) {
			assertTrue(printed.hasNonNull(field), () -> "missing field " + field + " in " + printed);
		}
		ScenarioRun.assertEnvironment(printed);
		assertEquals("catch-up", printed.get("scenario").asText());
		assertEquals(3_000, printed.get("events").asLong());
		assertTrue(printed.get("syncOk").asBoolean(), () -> "sync session: " + printed.get("syncError"));
		assertEquals(3_000, printed.get("received").asLong());
		assertEquals(3_000, printed.get("verifiedEvents").asLong());
		assertEquals(0, printed.get("lost").asLong());
		assertTrue(printed.get("vectorsEqual").asBoolean(), "B's vector equals A's");
		assertTrue(printed.get("entityStatesCompared").asLong() > 0, "entity states compared");
		assertEquals(0, printed.get("entityStatesDiffering").asLong());
		// 3000 events applied in at least one group commit of B, each holding at most a few frames
		assertTrue(printed.get("commits").asLong() >= 1, () -> "commits " + printed.get("commits"));
		assertTrue(printed.get("commitEventsMean").asDouble() <= 3_000, () -> "events per commit " + printed);
		assertTrue(printed.get("eventsPerSecond").asDouble() > 0, "catch-up rate");
		assertTrue(printed.get("localEventsPerSecond").asDouble() > 0, "local rate");
		assertTrue(printed.get("rawTcpEventsPerSecond").asDouble() > 0, "raw TCP baseline rate");
		assertTrue(printed.get("rawTcpRatio").asDouble() > 0, "ratio to raw TCP");
		ScenarioRun.assertMeasures(tmp, printed, false);
		try (var left = Files.list(tmp.resolve("data"))) {
			assertEquals(0, left.count(), "the data directory is removed afterwards");
		}
	}
}
