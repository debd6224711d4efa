package io.tributary.perf;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {

	@Test
	void payloadsAreJsonObjectsOfTheRequestedSize() throws Exception {
		Workload workload = new Workload(1000, 200, 7);
		for (int i = 0; i < 100; i++) {
			byte[] payload = workload.payload(workload.payloadOf(i));
			assertEquals(200, payload.length);
			JsonNode node = Results.JSON.readTree(payload);
			assertTrue(node.isObject() && node.has("title") && node.has("n") && node.has("done") && node.has("tags"),
					() -> "payload " + node);
		}
	}

	@Test
	void sameSeedGivesSameEventsAndEntitiesSpreadOverTheKeySpace() {
		Workload a = new Workload(100, 200, 7);
		Workload b = new Workload(100, 200, 7);
		Set<Integer> entities = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			assertEquals(a.entityId(a.entityOf(i)), b.entityId(b.entityOf(i)));
			assertEquals(new String(a.payload(a.payloadOf(i)), UTF_8), new String(b.payload(b.payloadOf(i)), UTF_8));
			entities.add(a.entityOf(i));
		}
		assertEquals(100, entities.size());
	}

	@Test
	void countsAcceptSeparatorsAndSuffixes() {
		Converters.Count count = new Converters.Count();
		assertEquals(1_000_000L, count.convert("1_000_000"));
		assertEquals(1_000_000L, count.convert("1,000,000"));
		assertEquals(200_000L, count.convert("200k"));
		assertEquals(2_000_000L, count.convert("2m"));
	}

	@Test
	void spansAcceptUnitsAndIso() {
		Converters.Span span = new Converters.Span();
		assertEquals(java.time.Duration.ofSeconds(30), span.convert("30s"));
		assertEquals(java.time.Duration.ofMillis(500), span.convert("500ms"));
		assertEquals(java.time.Duration.ofMinutes(2), span.convert("2m"));
		assertEquals(java.time.Duration.ofMillis(1500), span.convert("1.5"));
		assertEquals(java.time.Duration.ofSeconds(30), span.convert("PT30S"));
	}
}
