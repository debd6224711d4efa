package io.tributary.perf;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MixedScenarioTest {

	private static final List<String> FIELDS = List.of("rate", "consumerRate", "history", "events", "achievedRate",
			"lost", "liveLost", "storeLost", "peerLost", "consumerLost", "writeErrors", "error", "liveP50Millis",
			"liveP99Millis", "liveMaxMillis", "catchUpEvents", "catchUpSeconds", "catchUpCovered", "liveCovered",
			"consumed", "consumerLagEvents", "consumerError", "environment");

	@Test
	void writesLivePeerCatchUpPeerAndSlowConsumerTogetherLoseNothing(@TempDir Path tmp) throws Exception {
		JsonNode r = ScenarioRun.run(tmp, "mixed", FIELDS, "--rate", "500", "--duration", "2s", "--warmup", "500ms",
				"--history", "2k", "--entities", "300", "--payload-bytes", "120");
		JsonNode m = ScenarioRun.assertMeasures(tmp, r, true);

		assertEquals(1_000, r.get("events").asLong(), "measured writes: rate times duration");
		assertEquals(0, r.get("lost").asLong(), () -> "nothing lost: " + r);
		assertEquals(0, r.get("writeErrors").asLong());
		assertTrue(r.get("error").isNull() && r.get("consumerError").isNull(), "no stream failed");
		assertTrue(r.get("liveCovered").asBoolean(), "B holds everything");
		assertTrue(r.get("catchUpCovered").asBoolean(), "C holds everything");
		assertTrue(r.get("catchUpEvents").asLong() >= 2_000, "C caught up on the history and the warmup");
		assertTrue(r.get("catchUpSeconds").asDouble() > 0, "C's catch-up time");
		assertTrue(r.get("consumed").asLong() > 0, "the consumer took events");
		assertEquals(1_000, m.get("latencyMillis").get("count").asLong(), "B's latency of every measured event");
		assertTrue(m.get("servedFromStore").asLong() >= 2_000, () -> "C's catch-up came from the store: " + m);
	}
}
