package io.tributary.perf;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FanOutScenarioTest {

	private static final List<String> FIELDS = List.of("peers", "events", "eventsPerSecond", "perPeerEventsPerSecond",
			"rawTcpEventsPerSecond", "rawTcpRatio", "elapsedSeconds", "rawTcpElapsedSeconds", "frames", "lost",
			"verifiedEvents", "vectorsCovered", "sessionErrors", "environment");

	@Test
	void everyPeerGetsEveryEventAndTheRawStreamIsMeasured(@TempDir Path tmp) throws Exception {
		JsonNode r = ScenarioRun.run(tmp, "fan-out", FIELDS, "--peers", "3", "--events", "3k", "--writers", "64",
				"--entities", "300", "--payload-bytes", "120", "--batch-events", "250");
		JsonNode m = ScenarioRun.assertMeasures(tmp, r, true);

		assertEquals(3, r.get("peers").asInt());
		assertEquals(9_000, r.get("verifiedEvents").asLong(), "every event on each of the three peers");
		assertEquals(0, r.get("lost").asLong());
		assertTrue(r.get("vectorsCovered").asBoolean());
		assertEquals(12, r.get("frames").asLong(), "3,000 events in frames of 250");
		assertTrue(r.get("rawTcpEventsPerSecond").asDouble() > 0, "raw TCP rate");
		assertTrue(r.get("rawTcpRatio").asDouble() > 0, "ratio");
		assertEquals(3, m.get("latencyMillis").get("count").asLong(), "one catch-up time per peer");
		assertTrue(m.get("servedFromStore").asLong() + m.get("servedLive").asLong() >= 9_000,
				() -> "A served every event to every peer: " + m);
	}
}
