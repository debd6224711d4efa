package io.tributary.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link BenchmarkExample}: the harness's local-write scenario runs in this JVM and its figures are printed. */
class BenchmarkExampleIntegrationTest {

	@TempDir
	Path dir;

	@Test
	void localWriteRunsAsALibraryAndItsResultIsPrinted() throws Exception {
		List<String> lines = new CopyOnWriteArrayList<>();
		JsonNode result = BenchmarkExample.run(dir, 2_000, lines::add);

		assertEquals("local-write", result.path("scenario").asText());
		assertEquals(2_000, result.path("events").asLong());
		assertEquals(2_400, result.path("acknowledged").asLong(), "measured events and the warmup");
		assertEquals(0, result.path("lost").asLong());
		assertTrue(result.path("eventsPerSecond").asDouble() > 0, result.toString());
		JsonNode written = new ObjectMapper().readTree(Files.readString(dir.resolve("results/local-write.json")));
		assertEquals(result, written, "the printed result is the one the harness wrote");
		assertTrue(lines.get(1).startsWith("local-write: 2,000 events by 64 writers, "), lines.toString());
		assertTrue(lines.get(1).contains(" 0 lost of 2,400 acknowledged"), lines.get(1));
	}
}
