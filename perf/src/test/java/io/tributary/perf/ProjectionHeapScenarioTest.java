package io.tributary.perf;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProjectionHeapScenarioTest {

	private static final List<String> FIELDS = List.of("scenario", "entities", "batch", "concurrency", "store", "projectionCache",
			"eventsPerSecond", "loadSeconds", "heapBeforeMb", "heapAfterGcMb", "heapPeakMb", "heapMaxMb",
			"heapBytesPerEntity", "checkpointMillis", "acknowledged", "lost", "sampled", "sampleMissing", "storeMb",
			"measures", "environment");

	@Test
	void everyEntityIsWrittenAndReadBackOnH2ThroughACacheSmallerThanTheProjection(@TempDir Path tmp)
			throws Exception {
		JsonNode printed = ScenarioRun.run(tmp, "projection-heap", FIELDS, "--entities", "3_000", "--batch", "500",
				"--concurrency", "2", "--projection-cache", "200");
		assertLoaded(printed, "h2", 3_000);
		assertEquals(200, printed.get("projectionCache").asInt());
		assertTrue(printed.get("environment").get("postgres").isNull(), "no PostgreSQL on H2");
		ScenarioRun.assertMeasures(tmp, printed, false);
	}

	@Test
	void everyEntityIsWrittenAndReadBackOnPostgresThroughACacheSmallerThanTheProjection(@TempDir Path tmp)
			throws Exception {
		JsonNode printed = ScenarioRun.run(tmp, "projection-heap", FIELDS, "--store", "postgres", "--entities", "3_000",
				"--batch", "1_000", "--concurrency", "2", "--pool-size", "4", "--projection-cache", "200");
		assertLoaded(printed, "postgres", 3_000);
		JsonNode postgres = printed.get("environment").get("postgres");
		assertEquals("on", postgres.get("fsync").asText());
		assertEquals("on", postgres.get("synchronousCommit").asText());
		assertTrue(printed.get("storeMb").asDouble() > 0, "the database's size");
	}

	private static void assertLoaded(JsonNode printed, String store, long entities) {
		assertEquals(store, printed.get("store").asText());
		assertEquals(entities, printed.get("entities").asLong());
		assertEquals(entities, printed.get("acknowledged").asLong(), "every write acknowledged");
		assertEquals(1_000, printed.get("sampled").asInt(), "a sample read back through the engine");
		assertEquals(0, printed.get("sampleMissing").asLong(), "every sampled entity there");
		assertEquals(0, printed.get("lost").asLong());
		assertTrue(printed.get("eventsPerSecond").asDouble() > 0, "load rate");
		assertTrue(printed.get("heapAfterGcMb").asLong() > 0, "heap after a full collection");
		assertTrue(printed.get("heapPeakMb").asLong() >= printed.get("heapAfterGcMb").asLong() / 2,
				"the peak is a high-water mark of the same heap");
		assertTrue(printed.get("heapMaxMb").asLong() >= printed.get("heapAfterGcMb").asLong(), "under the limit");
	}
}
