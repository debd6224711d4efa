package io.tributary.transport.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.MutableClock;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryIdempotencyStore;
import io.tributary.transport.peer.UserTokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /api/changes} is idempotent: by the ids changes carry, and by the {@code Idempotency-Key} header.
 */
class HttpApiIdempotencyTest {

	private static final long T0 = 1_700_000_000_000L;

	private final ApiFixture fixture = new ApiFixture();
	private final MutableClock clock = new MutableClock(T0);
	private final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();

	@AfterEach
	void close() {
		fixture.close();
	}

	private HttpApi api(SyncEngine engine) {
		return HttpApi.builder(engine).idempotencyKeys(keys).clock(clock).idempotencyRetention(Duration.ofHours(24))
				.build();
	}

	private TestClient client(SyncEngine engine) {
		return new TestClient(fixture.serve(api(engine)));
	}

	private static String change(String entityId, int n) {
		return "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"" + entityId + "\",\"data\":{\"n\":" + n
				+ "}}";
	}

	private static String changeWithId(UUID id, String entityId, int n) {
		return "{\"id\":\"" + id + "\"," + change(entityId, n).substring(1);
	}

	private static JsonNode log(TestClient client) {
		TestClient.Response page = client.get("/api/changes?limit=1000");
		assertEquals(200, page.status(), page.body());
		return page.json();
	}

	private static TestClient.Response keyed(TestClient client, String key, String body) {
		return client.withHeader(IdempotencyKeys.HEADER, key).post("/api/changes", body);
	}

	@Test
	void changeWithAnIdIsStoredOnceAndRepeatsAnswerTheStoredChange() {
		TestClient client = client(fixture.engine("n"));
		UUID id = UUID.randomUUID();
		TestClient.Response first = client.post("/api/changes", changeWithId(id, "a", 1));
		assertEquals(201, first.status(), first.body());
		JsonNode stored = first.json().get("changes").get(0);
		assertEquals(id.toString(), stored.get("id").asText());

		TestClient.Response again = client.post("/api/changes", changeWithId(id, "a", 1));
		TestClient.Response otherContent = client.post("/api/changes", changeWithId(id, "b", 2));

		assertEquals(201, again.status(), again.body());
		assertEquals(first.body(), again.body(), "the same seq, cid and data");
		assertEquals(201, otherContent.status(), otherContent.body());
		assertEquals(first.body(), otherContent.body(), "the stored change, unchanged");
		assertEquals(1, log(client).get("count").asInt());
		assertEquals(404, client.get("/api/entities/todo/b").status(), "the other content was not stored");
	}

	@Test
	void idsInABatchAreCheckedOneByOne() {
		TestClient client = client(fixture.engine("n"));
		UUID known = UUID.randomUUID();
		client.post("/api/changes", changeWithId(known, "a", 1));

		TestClient.Response batch = client.post("/api/changes", "[" + changeWithId(known, "a", 9) + ","
				+ changeWithId(UUID.randomUUID(), "b", 2) + "," + change("c", 3) + "]");

		assertEquals(201, batch.status(), batch.body());
		JsonNode changes = batch.json().get("changes");
		assertEquals(List.of(1L, 2L, 3L), List.of(changes.get(0).get("seq").asLong(), changes.get(1).get("seq").asLong(),
				changes.get(2).get("seq").asLong()));
		assertEquals(1, changes.get(0).get("data").get("n").asInt(), "the stored change, not the repeat");
		assertEquals(3, log(client).get("count").asInt());
	}

	@Test
	void anIdThatIsNotACanonicalUuidIsRefusedNamingTheChangeAndNothingIsStored() {
		TestClient client = client(fixture.engine("n"));
		for (String bad : List.of("\"not-a-uuid\"", "\"0b9e3c5a6f1d4c7e9a2b3d4e5f607182\"", "42",
				"\"{0b9e3c5a-6f1d-4c7e-9a2b-3d4e5f607182}\"", "\"0b9e3c5a-6f1d-4c7e-9a2b-3d4e5f60718\"")) {
			TestClient.Response r = client.post("/api/changes", "[" + change("a", 1) + ",{\"id\":" + bad + ","
					+ change("b", 2).substring(1) + "]");
			assertEquals(400, r.status(), bad + ": " + r.body());
			assertEquals("invalid_change", r.error());
			String message = r.json().get("message").asText();
			assertTrue(message.startsWith("changes[1] has an \"id\" that is not a UUID"), message);
		}
		TestClient.Response single = client.post("/api/changes", "{\"id\":\"x\"," + change("a", 1).substring(1));
		assertEquals(400, single.status());
		assertTrue(single.json().get("message").asText().startsWith("change has an \"id\""), single.body());
		assertEquals(0, log(client).get("count").asInt());
	}

	@Test
	void retryWithTheKeyGetsTheFirstAnswerAndStoresNothing() {
		TestClient client = client(fixture.engine("n"));
		String body = "[" + change("a", 1) + "," + change("b", 2) + "]";
		TestClient.Response first = keyed(client, "order-17", body);
		assertEquals(201, first.status(), first.body());
		assertNull(first.headers().get(IdempotencyKeys.REPLAYED));

		TestClient.Response retry = keyed(client, "order-17", body);

		assertEquals(201, retry.status());
		assertEquals(first.body(), retry.body());
		assertEquals("true", retry.headers().get(IdempotencyKeys.REPLAYED));
		assertEquals(2, log(client).get("count").asInt());
		TestClient.Response unkeyed = client.post("/api/changes", body);
		assertEquals(201, unkeyed.status());
		assertEquals(4, log(client).get("count").asInt(), "without a key the same body is a new request");
	}

	@Test
	void theKeyWithAnotherBodyIs422AndStoresNothing() {
		TestClient client = client(fixture.engine("n"));
		assertEquals(201, keyed(client, "k1", change("a", 1)).status());

		TestClient.Response other = keyed(client, "k1", change("a", 2));

		assertEquals(422, other.status(), other.body());
		assertEquals("idempotency_key_reused", other.error());
		assertTrue(other.json().get("message").asText().contains("'k1' was sent before with another body"), other.body());
		assertEquals(1, log(client).get("count").asInt());
		assertEquals(1, client.get("/api/entities/todo/a").json().get("data").get("n").asInt());
	}

	@Test
	void aBadKeyIs400() {
		TestClient client = client(fixture.engine("n"));
		for (String bad : List.of("with space", "x".repeat(256), "caf\u00e9")) {
			TestClient.Response r = keyed(client, bad, change("a", 1));
			assertEquals(400, r.status(), r.body());
			assertEquals("invalid_idempotency_key", r.error());
		}
		assertEquals(0, log(client).get("count").asInt());
	}

	@Test
	void aFailedRequestIsNotKeptAndItsRetryRunsAgain() {
		TestClient client = client(fixture.engine("n"));
		TestClient.Response bad = keyed(client, "k", "[" + change("a", 1) + ",{\"entityType\":\"todo\"}]");
		assertEquals(400, bad.status());

		TestClient.Response fixed = keyed(client, "k", "[" + change("a", 1) + "," + change("b", 2) + "]");

		assertEquals(201, fixed.status(), fixed.body());
		assertEquals(2, log(client).get("count").asInt());
	}

	@Test
	void aRetryAfterTheAnswerWasNotKeptIsAnsweredWithTheSameChanges() {
		java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();
		io.tributary.spi.IdempotencyStore losing = new io.tributary.spi.IdempotencyStore() {
			@Override
			public reactor.core.publisher.Mono<io.tributary.spi.IdempotencyRecord> find(String scope, String key) {
				return keys.find(scope, key);
			}

			@Override
			public reactor.core.publisher.Mono<io.tributary.spi.IdempotencyRecord> save(
					io.tributary.spi.IdempotencyRecord record, java.time.Instant replaceBefore) {
				// the first answer is lost, as by a crash between the commit and the keeping of the answer
				return saves.getAndIncrement() == 0
						? reactor.core.publisher.Mono.error(new IllegalStateException("lost"))
						: keys.save(record, replaceBefore);
			}

			@Override
			public reactor.core.publisher.Mono<Long> purge(java.time.Instant createdBefore) {
				return keys.purge(createdBefore);
			}
		};
		TestClient client = new TestClient(fixture.serve(HttpApi.builder(fixture.engine("n")).idempotencyKeys(losing)
				.clock(clock).build()));
		String body = "[" + change("a", 1) + "," + change("b", 2) + "]";
		TestClient.Response first = keyed(client, "k", body);
		assertEquals(201, first.status(), first.body());
		assertNull(keys.find("", "k").block(TestClient.TIMEOUT), "the answer was not kept");

		TestClient.Response retry = keyed(client, "k", body);

		assertEquals(201, retry.status(), retry.body());
		assertEquals(first.body(), retry.body(), "the same changes, found by the ids the key derived");
		assertNull(retry.headers().get(IdempotencyKeys.REPLAYED), "it ran again");
		assertEquals(2, log(client).get("count").asInt());
		assertEquals("true", keyed(client, "k", body).headers().get(IdempotencyKeys.REPLAYED), "kept this time");
	}

	@Test
	void concurrentRequestsWithOneKeyOrOneIdStoreOneEventEach() throws Exception {
		TestClient client = client(fixture.engine("n"));
		String keyedBody = "[" + change("k1", 1) + "," + change("k2", 2) + "]";
		String idBody = changeWithId(UUID.randomUUID(), "i", 3);
		ExecutorService pool = Executors.newFixedThreadPool(16);
		List<CompletableFuture<TestClient.Response>> byKey = new ArrayList<>();
		List<CompletableFuture<TestClient.Response>> byId = new ArrayList<>();
		try {
			for (int i = 0; i < 24; i++) {
				byKey.add(CompletableFuture.supplyAsync(() -> keyed(client, "same-key", keyedBody), pool));
				byId.add(CompletableFuture.supplyAsync(() -> client.post("/api/changes", idBody), pool));
			}
			Set<String> keyedBodies = new HashSet<>();
			for (CompletableFuture<TestClient.Response> f : byKey) {
				TestClient.Response r = f.get(30, TimeUnit.SECONDS);
				assertEquals(201, r.status(), r.body());
				keyedBodies.add(r.body());
			}
			Set<String> idBodies = new HashSet<>();
			for (CompletableFuture<TestClient.Response> f : byId) {
				TestClient.Response r = f.get(30, TimeUnit.SECONDS);
				assertEquals(201, r.status(), r.body());
				idBodies.add(r.body());
			}
			assertEquals(1, keyedBodies.size(), "every keyed request got the same answer");
			assertEquals(1, idBodies.size(), "every request of the id got the same change");
		}
		finally {
			pool.shutdown();
			assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
		}
		assertEquals(3, log(client).get("count").asInt(), "k1, k2 and i, once each");
	}

	@Test
	void keysExpireAfterTheRetentionAndArePurged() {
		HttpApi api = api(fixture.engine("n"));
		TestClient client = new TestClient(fixture.serve(api));
		assertEquals(201, keyed(client, "k", change("a", 1)).status());
		clock.advance(Duration.ofHours(23).toMillis());
		assertEquals(422, keyed(client, "k", change("a", 2)).status(), "live for 24 hours");
		assertEquals(0L, api.idempotencyKeys().purge().block(TestClient.TIMEOUT));

		clock.advance(Duration.ofHours(2).toMillis());
		TestClient.Response reused = keyed(client, "k", change("a", 2));

		assertEquals(201, reused.status(), "an expired key is free again: " + reused.body());
		assertNull(reused.headers().get(IdempotencyKeys.REPLAYED));
		assertEquals(2, log(client).get("count").asInt());
		assertEquals(2, client.get("/api/entities/todo/a").json().get("data").get("n").asInt());

		clock.advance(Duration.ofHours(25).toMillis());
		keys.save(new io.tributary.spi.IdempotencyRecord("", "old", new byte[32], 201, new byte[0], clock.instant()
				.minus(Duration.ofHours(30))), clock.instant().minus(Duration.ofDays(9))).block(TestClient.TIMEOUT);
		assertEquals(2L, api.idempotencyKeys().purge().block(TestClient.TIMEOUT), "k and old had expired");
		assertNull(keys.find("", "k").block(TestClient.TIMEOUT));
	}

	@Test
	void keysBelongToTheirPrincipal() {
		SyncEngine engine = fixture.engine("n");
		UserTokens users = UserTokens.of(Map.of("alice-token", "alice", "bob-token", "bob"));
		TestClient server = new TestClient(fixture.serve(HttpApi.builder(engine).token("node-token").users(users)
				.idempotencyKeys(keys).clock(clock).build()));
		TestClient alice = server.withToken("alice-token");
		TestClient bob = server.withToken("bob-token");
		TestClient.Response a = keyed(alice, "shared", change("a", 1));
		assertEquals(201, a.status(), a.body());

		TestClient.Response b = keyed(bob, "shared", change("a", 1));

		assertEquals(403, b.status(), "bob's request runs as bob's (alice's entity), it is not answered with "
				+ "alice's kept answer: " + b.body());
		TestClient.Response own = keyed(bob, "shared", change("b", 2));
		assertEquals(201, own.status(), own.body());
		assertEquals("bob", own.json().get("changes").get(0).get("userId").asText());
		assertEquals(own.body(), keyed(bob, "shared", change("b", 2)).body());
		assertEquals(422, keyed(bob, "shared", change("b", 3)).status(), "bob's key holds bob's body");
		assertEquals(a.body(), keyed(alice, "shared", change("a", 1)).body(), "alice's key still holds hers");
		assertEquals(2, engine.lastPosition());
	}

	@Test
	void helpNamesTheHeaderAndTheRetention() {
		TestClient client = client(fixture.engine("n"));
		JsonNode help = client.get("/api/help").json();
		assertTrue(help.get("idempotency").asText().contains("Idempotency-Key"), help.toString());
		assertTrue(help.get("idempotency").asText().contains("24h"), help.toString());
		boolean listed = false;
		for (JsonNode e : help.get("endpoints")) {
			for (JsonNode p : e.get("parameters")) {
				listed |= e.get("path").asText().equals("/api/changes") && p.get("name").asText().equals("Idempotency-Key")
						&& p.get("in").asText().equals("header");
			}
		}
		assertTrue(listed, "POST /api/changes lists the header");
	}
}
