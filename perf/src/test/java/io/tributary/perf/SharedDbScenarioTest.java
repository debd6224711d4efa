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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedDbScenarioTest {

	private static final List<String> FIELDS = List.of("scenario", "nodes", "writers", "events", "rate", "achievedRate", "notifications",
			"eventsPerSecond", "baselineEventsPerSecond", "ratio", "elapsedSeconds", "baselineElapsedSeconds",
			"baselineBatch", "convergeMillis", "p50Millis", "p90Millis", "p99Millis", "maxMillis", "deliveries",
			"acknowledged", "lost", "duplicates", "verifiedEvents", "undelivered", "writeErrors", "databaseMb",
			"measures", "environment");

	@Test
	void aServerThatIsNoPostgresUriIsRefusedBeforeAnythingRuns(@TempDir Path tmp) {
		StringWriter err = new StringWriter();
		int exit = PerfMain.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
				.execute("shared-db", "--smoke", "--postgres", "mysql://perf@localhost/db", "--dir",
						tmp.resolve("data").toString(), "--out", tmp.resolve("results").toString());
		assertEquals(2, exit, () -> "bad arguments; stderr:\n" + err);
		assertTrue(err.toString().contains("--postgres"), () -> "the option named: " + err);
		assertFalse(Files.exists(tmp.resolve("data")), "nothing ran");
	}

	@Test
	void threeNodesOnTheEmbeddedServerLoseNothingAndSeeEachOthersWrites(@TempDir Path tmp) throws Exception {
		JsonNode printed = ScenarioRun.run(tmp, "shared-db", FIELDS, "--smoke", "--rate", "300", "--writers", "32",
				"--entities", "300", "--payload-bytes", "120", "--pool-size", "4", "--grace", "60s");
		assertEquals(3, printed.get("nodes").asInt());
		assertTrue(printed.get("notifications").asBoolean(), "LISTEN/NOTIFY on by default");
		assertEquals(SharedDbCommand.SMOKE_EVENTS, printed.get("events").asLong());
		long paced = 300 * 3;
		long throughput = SharedDbCommand.SMOKE_EVENTS + SharedDbCommand.SMOKE_WARMUP;
		assertEquals(paced + throughput, printed.get("acknowledged").asLong(), "every write acknowledged");
		assertEquals(printed.get("acknowledged").asLong(), printed.get("verifiedEvents").asLong(),
				"every acknowledged write read back from the database");
		assertEquals(0, printed.get("lost").asLong());
		assertEquals(0, printed.get("duplicates").asLong());
		assertEquals(0, printed.get("undelivered").asLong(), "every write seen on both other nodes");
		assertEquals(0, printed.get("writeErrors").asLong());
		assertTrue(printed.get("error").isNull(), () -> "a change stream failed: " + printed.get("error"));
		assertEquals(200 * 3 * 2, printed.get("deliveries").asLong(),
				"each measured write timed on each of the two other nodes");
		assertTrue(printed.get("maxMillis").asDouble() >= printed.get("p99Millis").asDouble()
				&& printed.get("p99Millis").asDouble() >= printed.get("p50Millis").asDouble()
				&& printed.get("p50Millis").asDouble() > 0, "percentiles ordered");
		assertTrue(printed.get("eventsPerSecond").asDouble() > 0, "aggregate rate");
		assertTrue(printed.get("baselineEventsPerSecond").asDouble() > 0, "baseline rate");
		assertTrue(printed.get("ratio").asDouble() > 0, "ratio");
		JsonNode postgres = printed.get("environment").get("postgres");
		assertEquals("embedded", postgres.get("server").asText());
		assertEquals("on", postgres.get("fsync").asText());
		assertEquals("on", postgres.get("synchronousCommit").asText());
		ScenarioRun.assertMeasures(tmp, printed, true);
	}

	@Test
	void nodesThatPollAloneSeeEachOthersWritesAndLoseNothing(@TempDir Path tmp) throws Exception {
		JsonNode printed = ScenarioRun.run(tmp, "shared-db", FIELDS, "--smoke", "--no-notify", "--nodes", "2", "--rate",
				"200", "--writers", "16", "--entities", "200", "--payload-bytes", "120", "--pool-size", "3", "--grace",
				"60s");
		assertFalse(printed.get("notifications").asBoolean(), "polling alone");
		assertEquals(printed.get("acknowledged").asLong(), printed.get("verifiedEvents").asLong(),
				"every acknowledged write read back from the database");
		assertEquals(0, printed.get("lost").asLong());
		assertEquals(0, printed.get("undelivered").asLong(), "every write seen on the other node by polling");
		assertEquals(200 * 2, printed.get("deliveries").asLong(), "each measured write timed on the other node");
		assertTrue(printed.get("ratio").asDouble() > 0, "ratio");
	}
}
