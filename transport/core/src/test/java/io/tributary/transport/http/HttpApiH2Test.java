package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.http.TestClient.SseFrame;
import reactor.test.StepVerifier;

/** The API over H2, whose reads and writes complete on the storage's own threads. */
class HttpApiH2Test {

	private final ApiFixture fixture = new ApiFixture();
	private SyncEngine engine;
	private TestClient client;

	@BeforeEach
	void start() {
		H2Storage storage = H2Storage.builder().inMemory("http-" + UUID.randomUUID()).open().block(TestClient.TIMEOUT);
		engine = fixture.engine("node-h2", storage, b -> b);
		client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	private static String batch(int from, int count) {
		StringBuilder body = new StringBuilder("[");
		for (int i = from; i < from + count; i++) {
			body.append(i == from ? "" : ",").append("{\"entityType\":\"doc\",\"operation\":\"create\",\"entityId\":\"d")
					.append(i).append("\",\"data\":{\"i\":").append(i).append("}}");
		}
		return body.append(']').toString();
	}

	@Test
	void postedBatchesArePagedBackExactlyOnce() {
		for (int b = 0; b < 3; b++) {
			assertEquals(201, client.post("/api/changes", batch(b * 100, 100)).status());
		}
		List<Integer> seen = new ArrayList<>();
		long cursor = 0;
		boolean more = true;
		while (more) {
			JsonNode page = client.get("/api/changes?limit=64&cursor=" + cursor).json();
			page.get("changes").forEach(c -> seen.add(c.get("data").get("i").asInt()));
			more = page.has("cursor");
			cursor = more ? page.get("cursor").asLong() : cursor;
		}
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			expected.add(i);
		}
		assertEquals(expected, seen);
		assertEquals("node-h2:300", client.get("/api/changes/node-h2:300").json().get("cid").asText());
		assertEquals(300, client.get("/api/stats").json().get("types").get("doc").get("create").asLong());
		assertEquals(299, client.get("/api/entities/doc/d299").json().get("data").get("i").asInt());
	}

	@Test
	void streamCatchesUpFromTheStoreThenFollowsPosts() {
		assertEquals(201, client.post("/api/changes", batch(0, 20)).status());
		client.stream("/api/stream?cursor=15", Map.of())
				.filter(SseFrame::isChange)
				.map(f -> Long.parseLong(f.id()))
				.as(StepVerifier::create)
				.expectNext(16L, 17L, 18L, 19L, 20L)
				.then(() -> assertEquals(201, client.post("/api/changes", batch(20, 3)).status()))
				.expectNext(21L, 22L, 23L)
				.thenCancel()
				.verify(TestClient.TIMEOUT);
	}
}
