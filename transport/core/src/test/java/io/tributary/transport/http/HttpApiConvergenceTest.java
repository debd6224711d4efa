package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.SyncEngine;

class HttpApiConvergenceTest {

	private final ApiFixture fixture = new ApiFixture();
	private SyncEngine a;
	private SyncEngine b;
	private TestClient clientA;
	private TestClient clientB;

	@BeforeEach
	void start() {
		a = fixture.engine("node-a");
		b = fixture.engine("node-b");
		clientA = new TestClient(fixture.serve(HttpApi.builder(a).build()));
		clientB = new TestClient(fixture.serve(HttpApi.builder(b).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	private static void exchange(SyncEngine from, SyncEngine to) {
		to.apply(from.lacking(to.vector(), 10_000).collectList().block(TestClient.TIMEOUT)).block(TestClient.TIMEOUT);
	}

	@Test
	void replicasThatExchangedEventsHaveTheSameHash() {
		a.put("task", "1", "{\"title\":\"from a\"}").block();
		a.put("task", "2", "{\"title\":\"only a\"}").block();
		b.put("task", "1", "{\"title\":\"from b\"}").block();
		b.patch("note", "9", "{\"n\":1}").block();
		b.put("note", "gone", "{}").block();
		b.delete("note", "gone").block();

		JsonNode beforeA = clientA.get("/api/convergence").json();
		JsonNode beforeB = clientB.get("/api/convergence").json();
		assertNotEquals(beforeA.get("hash"), beforeB.get("hash"));
		assertNotEquals(beforeA.get("vector"), beforeB.get("vector"));

		exchange(a, b);
		exchange(b, a);

		JsonNode afterA = clientA.get("/api/convergence").json();
		JsonNode afterB = clientB.get("/api/convergence").json();
		assertEquals(afterA.get("vector"), afterB.get("vector"));
		assertEquals(2, afterA.get("vector").get("node-a").asLong());
		assertEquals(4, afterA.get("vector").get("node-b").asLong());
		assertEquals(afterA.get("hash"), afterB.get("hash"));
		assertTrue(afterA.get("hash").asText().matches("[0-9a-f]{64}"), afterA.toString());
		assertEquals(3, afterA.get("entities").asLong(), "task/1, task/2, note/9; the tombstone is left out");
		assertNotEquals(beforeA.get("hash"), afterA.get("hash"));
	}

	@Test
	void hashFollowsTheState() {
		a.put("task", "1", "{}").block();
		b.put("task", "1", "{}").block();
		// same documents, but different head events: the version differs
		assertNotEquals(clientA.get("/api/convergence").json().get("hash"),
				clientB.get("/api/convergence").json().get("hash"));
	}
}
