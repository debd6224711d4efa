package io.tributary;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static io.tributary.TestEvents.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records in, records out: writes of records and POJOs through the engine's mapper, typed reads, typed changes,
 * the errors of a document that does not fit, and the engine as a closeable resource.
 */
class TypedApiTest {

	/** A to-do as an application would model it: time types, an Optional, a list of nested records. */
	record Todo(String title, boolean done, Instant created, LocalDate due, Optional<String> note, List<Step> steps) {
	}

	record Step(String text, int minutes) {
	}

	record Renamed(String firstName, int shoeSize) {
	}

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	private SyncEngine open() {
		return engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1"));
	}

	private static Todo milk() {
		return new Todo("Buy milk", false, Instant.parse("2026-12-03T18:04:24.5Z"), LocalDate.of(2026, 12, 24),
				Optional.of("oat"), List.of(new Step("walk", 5), new Step("pay", 1)));
	}

	@Test
	void aRecordWrittenIsStoredAsIsoJsonAndReadBackEqual() {
		SyncEngine engine = open();
		Event e = await(engine.put("todo", "milk", milk()));
		assertEquals(1, e.schemaVersion(), "stamped with the type's current version");
		JsonNode stored = tree(new String(e.payload(), StandardCharsets.UTF_8));
		assertEquals("2026-12-03T18:04:24.500Z", stored.get("created").asText(), "instants as ISO strings");
		assertEquals("2026-12-24", stored.get("due").asText(), "dates as ISO strings");
		assertEquals("oat", stored.get("note").asText(), "an Optional as its value");
		assertEquals(milk(), await(engine.get("todo", "milk", Todo.class)));
		assertEquals(Optional.empty(), await(engine.put("todo", "bread",
				new Todo("Bread", true, Instant.EPOCH, LocalDate.EPOCH, Optional.empty(), List.of()))
				.then(engine.get("todo", "bread", Todo.class))).note());
	}

	@Test
	void aTypedGetIsEmptyForUnknownAndDeletedEntities() {
		SyncEngine engine = open();
		await(engine.put("todo", "milk", milk()));
		await(engine.delete("todo", "milk"));
		StepVerifier.create(engine.get("todo", "milk", Todo.class)).verifyComplete();
		StepVerifier.create(engine.get("todo", "nothing", Todo.class)).verifyComplete();
	}

	@Test
	void aTypedQueryYieldsEachLiveEntityWithItsIdAndVersion() {
		SyncEngine engine = open();
		Event b = await(engine.put("todo", "b", milk()));
		await(engine.put("todo", "a", milk()));
		await(engine.put("todo", "c", milk()));
		await(engine.delete("todo", "c"));
		List<TypedEntity<Todo>> all = engine.query("todo", Todo.class).collectList().block(TIMEOUT);
		assertEquals(List.of("a", "b"), all.stream().map(TypedEntity::entityId).toList());
		assertEquals(b.id(), all.get(1).version(), "the version a writer passes as base");
		assertEquals(milk(), all.get(0).value());
	}

	@Test
	void typedChangesCarryTheOpAndTheValueAfterIt() {
		SyncEngine engine = open();
		Flux<TypedChange<Todo>> changes = engine.changes("todo", Todo.class);
		StepVerifier.create(changes.take(3))
				.then(() -> await(engine.put("todo", "milk", milk())
						.then(engine.patch("todo", "milk", java.util.Map.of("done", true)))
						.then(engine.delete("todo", "milk"))))
				.assertNext(c -> {
					assertEquals(Op.PUT, c.op());
					assertEquals(milk(), c.value());
				})
				.assertNext(c -> {
					assertEquals(Op.PATCH, c.op());
					assertTrue(c.value().done());
					assertEquals("milk", c.entityId());
				})
				.assertNext(c -> {
					assertEquals(Op.DELETE, c.op());
					assertNull(c.value());
					assertTrue(c.deleted());
				})
				.verifyComplete();
	}

	@Test
	void aDocumentThatDoesNotFitNamesTypeEntityAndField() {
		SyncEngine engine = open();
		await(engine.put("todo", "odd", "{\"title\":\"x\",\"done\":false,\"created\":\"2026-12-03T18:04:24Z\","
				+ "\"due\":\"next week\",\"steps\":[]}"));
		StepVerifier.create(engine.get("todo", "odd", Todo.class))
				.consumeErrorWith(e -> {
					DocumentMismatchException m = assertInstanceOf(DocumentMismatchException.class, e);
					assertEquals("todo", m.type());
					assertEquals("odd", m.entityId());
					assertEquals("due", m.field());
					assertTrue(m.getMessage().contains("todo/odd") && m.getMessage().contains("field due"), m.getMessage());
				})
				.verify(TIMEOUT);
		await(engine.put("todo", "deep", "{\"title\":\"x\",\"done\":false,\"created\":\"2026-12-03T18:04:24Z\","
				+ "\"due\":\"2026-12-24\",\"steps\":[{\"text\":\"a\",\"minutes\":1},{\"text\":\"b\",\"minutes\":\"soon\"}]}"));
		StepVerifier.create(engine.query("todo", Todo.class))
				.consumeErrorWith(e -> assertEquals("steps[1].minutes", ((DocumentMismatchException) e).field()))
				.verify(TIMEOUT);
	}

	@Test
	void anUnknownFieldOrAMissingPrimitiveIsAMismatchNotASilentDefault() {
		SyncEngine engine = open();
		await(engine.put("step", "extra", "{\"text\":\"a\",\"minutes\":1,\"colour\":\"red\"}"));
		await(engine.put("step", "null", "{\"text\":\"a\",\"minutes\":null}"));
		StepVerifier.create(engine.get("step", "extra", Step.class))
				.consumeErrorWith(e -> assertEquals("colour", ((DocumentMismatchException) e).field()))
				.verify(TIMEOUT);
		StepVerifier.create(engine.get("step", "null", Step.class))
				.consumeErrorWith(e -> assertEquals("minutes", ((DocumentMismatchException) e).field()))
				.verify(TIMEOUT);
	}

	@Test
	void theBuildersMapperWritesAndReads() {
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1")
				.objectMapper(JsonMapper.builder().addModule(new JavaTimeModule()).addModule(new Jdk8Module())
						.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build()));
		Event e = await(engine.put("person", "p1", new Renamed("Ada", 38)));
		assertEquals(tree("{\"first_name\":\"Ada\",\"shoe_size\":38}"), tree(new String(e.payload(), StandardCharsets.UTF_8)));
		assertEquals(new Renamed("Ada", 38), await(engine.get("person", "p1", Renamed.class)));
		await(engine.forUser("u").put("person", "p2", new Renamed("Grace", 40)));
		assertEquals(new Renamed("Grace", 40), await(engine.forUser("u").get("person", "p2", Renamed.class)),
				"a user's view reads through the engine's mapper");
		StepVerifier.create(engine.forUser("v").get("person", "p2", Renamed.class)).verifyComplete();
	}

	@Test
	void theEnginesLimitsApplyToWhatTheMapperWrote() {
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1")
				.maxPayloadBytes(64));
		StepVerifier.create(engine.put("step", "big", new Step("x".repeat(100), 1)))
				.expectError(PayloadTooLargeException.class).verify(TIMEOUT);
		StepVerifier.create(engine.put("step", "list", List.of(1, 2)))
				.consumeErrorWith(e -> {
					assertInstanceOf(ValidationException.class, e);
					assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
				})
				.verify(TIMEOUT);
		StepVerifier.create(engine.put("step", "bean", new Object()))
				.expectError(ValidationException.class).verify(TIMEOUT);
		StepVerifier.create(engine.query("step")).verifyComplete();
	}

	@Test
	void anEngineClosesInTryWithResourcesAndASecondCloseDoesNothing() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine kept;
		try (SyncEngine engine = await(SyncEngine.builder().storage(storage).origin("r1")
				.closeTimeout(Duration.ofSeconds(5)).open())) {
			await(engine.put("step", "s", new Step("a", 1)));
			kept = engine;
		}
		StepVerifier.create(kept.get("step", "s")).expectError(EngineClosedException.class).verify(TIMEOUT);
		kept.close();
		StepVerifier.create(kept.closeAsync()).expectError(EngineClosedException.class).verify(TIMEOUT);
		try (SyncEngine again = await(SyncEngine.builder().storage(new InMemoryStorage()).open())) {
			assertFalse(again.origin().isEmpty());
		}
	}

	@Test
	void aZeroCloseTimeoutIsRefused() {
		StepVerifier.create(SyncEngine.builder().storage(new InMemoryStorage()).closeTimeout(Duration.ZERO).open())
				.expectError(IllegalArgumentException.class).verify(TIMEOUT);
		assertThrows(NullPointerException.class, () -> SyncEngine.builder().objectMapper(null));
	}
}
