package io.tributary;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static io.tributary.TestEvents.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactionTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	private SyncEngine engine(InMemoryStorage storage, Redaction redaction) {
		return engines.open(SyncEngine.builder().storage(storage).origin("a").clock(new MutableClock(T0))
				.checkpointInterval(Duration.ofHours(1)).redaction(redaction));
	}

	private static String redact(Redaction r, String type, String json) {
		return new String(r.redact(type, json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
	}

	@Test
	void fieldIsReplacedAtAnyDepthInsideObjectsAndArrays() {
		Redaction r = Redaction.builder().field("password").build();
		String out = redact(r, "user", "{\"name\":\"Ann\",\"password\":\"p1\",\"nested\":{\"password\":{\"old\":\"p2\"},"
				+ "\"list\":[{\"password\":42},{\"other\":\"keep\"}]}}");
		assertEquals(tree("{\"name\":\"Ann\",\"password\":\"[REDACTED]\",\"nested\":{\"password\":\"[REDACTED]\","
				+ "\"list\":[{\"password\":\"[REDACTED]\"},{\"other\":\"keep\"}]}}"), tree(out));
	}

	@Test
	void typeFieldsAndPathsApplyOnlyWhereConfigured() {
		Redaction r = Redaction.builder().field("patient", "diagnosis").path("card.number")
				.path("patient", "contact.email").build();
		assertEquals(tree("{\"diagnosis\":\"[REDACTED]\",\"contact\":{\"email\":\"[REDACTED]\",\"phone\":\"1\"},"
				+ "\"card\":{\"number\":\"[REDACTED]\"},\"number\":\"7\"}"),
				tree(redact(r, "patient", "{\"diagnosis\":\"flu\",\"contact\":{\"email\":\"a@b\",\"phone\":\"1\"},"
						+ "\"card\":{\"number\":\"4111\"},\"number\":\"7\"}")));
		assertEquals(tree("{\"diagnosis\":\"flu\",\"contact\":{\"email\":\"a@b\"},\"card\":{\"number\":\"[REDACTED]\"},"
				+ "\"x\":{\"card\":{\"number\":\"4\"}}}"),
				tree(redact(r, "visit", "{\"diagnosis\":\"flu\",\"contact\":{\"email\":\"a@b\"},\"card\":{\"number\":\"4111\"},"
						+ "\"x\":{\"card\":{\"number\":\"4\"}}}")),
				"other types keep the type's fields; a path only matches from the root");
	}

	@Test
	void anEscapedKeyIsStillFound() {
		Redaction r = Redaction.builder().field("password").build();
		assertEquals(tree("{\"password\":\"[REDACTED]\"}"), tree(redact(r, "t", "{\"pass\\u0077ord\":\"hunter2\"}")));
	}

	@Test
	void payloadWithoutSensitiveKeysIsNotParsedOrCopied() {
		Redaction r = Redaction.builder().field("password").build();
		byte[] payload = "{\"name\":\"password\"}".getBytes(StandardCharsets.UTF_8);
		assertSame(payload, r.redact("t", payload), "the word as a value is not a key");
		byte[] nullValue = "{\"password\":null}".getBytes(StandardCharsets.UTF_8);
		assertSame(nullValue, r.redact("t", nullValue), "null carries nothing: a PATCH still removes the field");
		assertTrue(Redaction.none().isEmpty());
	}

	@Test
	void badConfigurationIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> Redaction.builder().field(""));
		assertThrows(IllegalArgumentException.class, () -> Redaction.builder().path("a..b"));
	}

	@Test
	void sensitiveValuesNeverReachTheStoreTheProjectionOrPeers() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, Redaction.builder().field("ssn").path("user", "card.number").build());

		Event put = await(engine.put("user", "u1", Map.of("name", "Ann", "ssn", "078-05-1120",
				"card", Map.of("number", "4111111111111111"))));
		await(engine.patch("user", "u1", "{\"ssn\":\"219-09-9999\"}"));

		String stored = await(storage.events().read(0, 10).collectList()).toString()
				+ new String(await(storage.events().read(0, 1).next()).payload(), StandardCharsets.UTF_8)
				+ new String(await(storage.events().read(1, 1).next()).payload(), StandardCharsets.UTF_8);
		assertFalse(stored.contains("078-05-1120") || stored.contains("219-09-9999") || stored.contains("4111111111111111"),
				stored);
		assertEquals(tree("{\"name\":\"Ann\",\"ssn\":\"[REDACTED]\",\"card\":{\"number\":\"[REDACTED]\"}}"),
				tree(put.payloadJson()), "the committed event is the redacted one");
		assertEquals(tree("{\"name\":\"Ann\",\"ssn\":\"[REDACTED]\",\"card\":{\"number\":\"[REDACTED]\"}}"),
				tree(await(engine.get("user", "u1")).json()));
		assertEquals(List.of(put.withPosition(1)), await(engine.lacking(VersionVector.empty(), 1).collectList()),
				"what a peer is sent is what was stored");
	}

	@Test
	void peerEventsAreRedactedBeforeTheyAreStored() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, Redaction.builder().field("token").build());
		Event remote = TestEvents.put("b", 1, T0, "d", "{\"token\":\"s3cr3t\",\"keep\":1}");

		assertEquals(new SyncEngine.ApplyResult(1, 0, 0, 0), await(engine.apply(List.of(remote))));

		Event stored = await(storage.events().read(0, 1).next());
		assertEquals(remote.id(), stored.id());
		assertEquals(tree("{\"token\":\"[REDACTED]\",\"keep\":1}"), tree(stored.payloadJson()));
	}

	@Test
	void invalidJsonIsRefusedWithoutQuotingTheSecretItHolds() {
		SyncEngine engine = engine(new InMemoryStorage(), Redaction.builder().field("pin").build());
		List<Throwable> errors = new ArrayList<>();
		engine.signals().ofType(SyncSignal.WriteRejected.class).subscribe(s -> errors.add(s.error()));

		for (String bad : new String[] { "{\"pin\": 1234-SECRET-TOKEN}", "{\"pin\":\"x\"} SECRET-TOKEN", "[\"SECRET-TOKEN\"]" }) {
			engine.put("t", "x", bad).as(StepVerifier::create)
					.expectErrorSatisfies(e -> {
						assertInstanceOf(ValidationException.class, e);
						for (Throwable t = e; t != null; t = t.getCause()) {
							assertFalse(String.valueOf(t.getMessage()).contains("SECRET-TOKEN"), t.getMessage());
							assertFalse(t.toString().contains("SECRET-TOKEN"), t.toString());
						}
					})
					.verify(TIMEOUT);
		}
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void aPayloadThatRedactionGrowsOverTheLimitIsRefused() {
		String payload = "{\"k\":1,\"x\":\"" + "y".repeat(40) + "\"}";
		int size = payload.length();
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("a")
				.maxPayloadBytes(size).redaction(Redaction.builder().field("k").build()));

		engine.put("t", "x", payload).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					PayloadTooLargeException p = assertInstanceOf(PayloadTooLargeException.class, e);
					assertEquals(size, p.limit());
					assertEquals(size + "\"[REDACTED]\"".length() - "1".length(), p.size(), e.getMessage());
				})
				.verify(TIMEOUT);
	}

	@Test
	void aWriteRequestDescribesItselfWithoutItsPayload() {
		String text = WriteRequest.put("user", "u1", "{\"ssn\":\"078-05-1120\"}").withUserId("ann").toString();
		assertEquals("WriteRequest{PUT user/u1 payload=21 chars userId=ann}", text);
		assertFalse(WriteRequest.patch("t", "x", Map.of("ssn", "078-05-1120")).toString().contains("078"));
		assertEquals("WriteRequest{DELETE t/x payload=none schemaVersion=2}",
				WriteRequest.delete("t", "x").withSchemaVersion(2).toString());
	}
}
