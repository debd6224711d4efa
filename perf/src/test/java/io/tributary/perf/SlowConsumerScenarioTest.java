package io.tributary.perf;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlowConsumerScenarioTest {

	private static final List<String> FIELDS = List.of("heapGrowthMb", "lost", "writerSpeedRatio", "withinTargets",
			"writerEventsPerSecond", "baselineWriterEventsPerSecond", "writerP99Millis", "events", "baselineEvents",
			"acknowledged", "storeVerified", "consumed", "consumerLagEvents", "consumerGaps", "consumerDuplicates",
			"consumerMismatched", "consumerError", "heapGrowthWithConsumerMb", "heapBeforeMb", "heapAfterMb", "baselineHeapGrowthMb",
			"baselineMeasures", "environment");

	@Test
	void consumerBehindTheWriterSeesAGaplessPrefixAndNothingIsLost(@TempDir Path tmp) throws Exception {
		JsonNode r = ScenarioRun.run(tmp, "slow-consumer", FIELDS, "--producer-rate", "2000", "--duration", "2s",
				"--warmup", "500ms", "--entities", "500", "--payload-bytes", "120");
		JsonNode m = ScenarioRun.assertMeasures(tmp, r, true);

		assertEquals(20.0, r.get("consumerRate").asDouble(), "1% of the producer rate by default");
		assertEquals(4_000, r.get("events").asLong(), "measured writes: rate times duration");
		assertEquals(4_000, r.get("baselineEvents").asLong(), "the baseline run writes the same");
		assertEquals(10_000, r.get("acknowledged").asLong(), "both runs' warmup and measured writes");
		assertEquals(10_000, r.get("storeVerified").asLong(), "every acknowledged event in its store");
		assertEquals(0, r.get("lost").asLong());
		assertEquals(0, r.get("writeErrors").asLong());
		assertTrue(r.get("consumerError").isNull(), () -> "consumer failed: " + r.get("consumerError"));
		long consumed = r.get("consumed").asLong();
		assertTrue(consumed > 0 && consumed < 4_000, () -> "the consumer took a little: " + consumed);
		assertEquals(0, r.get("consumerGaps").asLong());
		assertEquals(0, r.get("consumerDuplicates").asLong());
		assertEquals(0, r.get("consumerMismatched").asLong());
		assertTrue(r.get("consumerLagEvents").asLong() > 0, "the consumer ends behind the writer");
		assertTrue(m.get("servedLive").asLong() + m.get("servedFromStore").asLong() >= consumed,
				() -> "the engine served at least what the consumer took: " + m);
		assertEquals(0, r.get("baselineMeasures").get("servedLive").asLong() + r.get("baselineMeasures")
				.get("servedFromStore").asLong(), "nothing is served without a consumer");
		assertTrue(r.get("writerSpeedRatio").asDouble() > 0, "writer ratio");
	}
}
