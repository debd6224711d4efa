package io.tributary;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static io.tributary.TestEvents.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schema upcasting: the chain of steps checked when built, and applied by the projection to old events (local,
 * from peers, after a restart) while the log keeps every event as written.
 */
class UpcastersTest {

	record Person(String first, String family, int age) {
	}

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	private static SyncEngine.Builder v3(InMemoryStorage storage, String origin) {
		return SyncEngine.builder().storage(storage).origin(origin).checkpointInterval(Duration.ofHours(1))
				.schemaVersion("person", 3)
				.upcaster("person", 1, PersonSchema::splitName)
				.upcaster("person", 2, PersonSchema::renameLast);
	}

	@Test
	void stepsChainFromTheDocumentsVersionToTheCurrentOne() {
		Upcasters up = Upcasters.builder().upcaster("person", 1, PersonSchema::splitName)
				.upcaster("person", 2, PersonSchema::renameLast).build();
		assertEquals(3, up.current("person"), "the version after the last step");
		assertEquals(1, up.current("other"));
		assertEquals(tree("{\"first\":\"Ada\",\"family\":\"Lovelace\"}"),
				up.upcast("person", 1, (ObjectNode) tree("{\"name\":\"Ada Lovelace\"}")));
		assertEquals(tree("{\"first\":\"Ada\",\"family\":\"L\"}"),
				up.upcast("person", 2, (ObjectNode) tree("{\"first\":\"Ada\",\"last\":\"L\"}")));
		assertEquals(tree("{\"first\":\"Ada\",\"family\":\"Lovelace\"}"),
				up.upcast("person", 0, (ObjectNode) tree("{\"name\":\"Ada Lovelace\"}")), "0 reads as 1");
		ObjectNode newer = (ObjectNode) tree("{\"name\":\"kept\"}");
		assertSame(newer, up.upcast("person", 4, newer), "a newer document is left as it is");
		assertEquals(java.util.Map.of("person", 3), up.versions());
	}

	@Test
	void aGapOrAStepAboveTheCurrentVersionIsRefusedWhenBuilt() {
		IllegalArgumentException gap = assertThrows(IllegalArgumentException.class,
				() -> Upcasters.builder().schemaVersion("person", 3).upcaster("person", 1, d -> d).build());
		assertTrue(gap.getMessage().contains("no upcaster from version 2 to 3"), gap.getMessage());
		IllegalArgumentException hole = assertThrows(IllegalArgumentException.class,
				() -> Upcasters.builder().upcaster("person", 2, d -> d).build());
		assertTrue(hole.getMessage().contains("from version 1 to 2"), hole.getMessage());
		IllegalArgumentException above = assertThrows(IllegalArgumentException.class,
				() -> Upcasters.builder().schemaVersion("person", 2).upcaster("person", 1, d -> d)
						.upcaster("person", 2, d -> d).build());
		assertTrue(above.getMessage().contains("upcaster from version 2"), above.getMessage());
		assertThrows(IllegalArgumentException.class,
				() -> Upcasters.builder().upcaster("person", 1, d -> d).upcaster("person", 1, d -> d));
		assertThrows(IllegalArgumentException.class, () -> Upcasters.builder().upcaster("person", 0, d -> d));
		assertThrows(IllegalArgumentException.class, () -> Upcasters.builder().schemaVersion("person", 0));
		StepVerifier.create(SyncEngine.builder().storage(new InMemoryStorage()).schemaVersion("person", 2).open())
				.expectErrorMatches(e -> e instanceof IllegalArgumentException
						&& e.getMessage().contains("no upcaster from version 1 to 2"))
				.verify(TIMEOUT);
	}

	@Test
	void oldWritesAreFoldedAtTheCurrentSchemaAndTheLogKeepsThemAsWritten() {
		SyncEngine engine = engines.open(v3(new InMemoryStorage(), "r1"));
		Event old = await(engine.write(WriteRequest.put("person", "ada", "{\"name\":\"Ada Lovelace\",\"age\":36}")
				.withSchemaVersion(1)));
		assertEquals(1, old.schemaVersion());
		assertEquals(new Person("Ada", "Lovelace", 36), await(engine.get("person", "ada", Person.class)));
		EntityState state = await(engine.get("person", "ada"));
		assertEquals(3, state.schemaVersion());
		// a patch of version 2 is upcast too: its last name lands in the field of version 3
		await(engine.write(WriteRequest.patch("person", "ada", "{\"last\":\"King\"}").withSchemaVersion(2)));
		assertEquals(new Person("Ada", "King", 36), await(engine.get("person", "ada", Person.class)));
		Event current = await(engine.patch("person", "ada", "{\"age\":37}"));
		assertEquals(3, current.schemaVersion(), "a write without a version is stamped with the current one");
		assertEquals(new Person("Ada", "King", 37), await(engine.get("person", "ada", Person.class)));
		List<Event> log = engine.read(0, 10).collectList().block(TIMEOUT);
		assertEquals(List.of(1, 2, 3), log.stream().map(Event::schemaVersion).toList());
		assertEquals("{\"name\":\"Ada Lovelace\",\"age\":36}", new String(log.get(0).payload(), StandardCharsets.UTF_8),
				"events are never rewritten");
	}

	@Test
	void aSavedProjectionOfTheOldSchemaIsReadAtTheNewOneAfterARestart() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine before = engines.open(SyncEngine.builder().storage(storage).origin("r1"));
		await(before.put("person", "ada", "{\"name\":\"Ada Lovelace\",\"age\":36}"));
		await(before.put("person", "alan", "{\"name\":\"Alan Turing\",\"age\":41}"));
		engines.close(before);
		SyncEngine after = engines.open(v3(storage, "r1").projectionCache(1));
		assertEquals(new Person("Ada", "Lovelace", 36), await(after.get("person", "ada", Person.class)));
		assertEquals(List.of(new Person("Ada", "Lovelace", 36), new Person("Alan", "Turing", 41)),
				after.query("person", Person.class).map(TypedEntity::value).collectList().block(TIMEOUT));
	}

	@Test
	void peerEventsOfTheOldSchemaAreUpcastAndANewerOneIsFoldedAsItIs() {
		SyncEngine older = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("old"));
		SyncEngine newer = engines.open(v3(new InMemoryStorage(), "new"));
		await(older.put("person", "ada", "{\"name\":\"Ada Lovelace\",\"age\":36}"));
		await(newer.put("person", "grace", new Person("Grace", "Hopper", 85)));
		await(newer.apply(older.read(0, 10).collectList().block(TIMEOUT)));
		await(older.apply(newer.read(0, 10).collectList().block(TIMEOUT)));
		assertEquals(new Person("Ada", "Lovelace", 36), await(newer.get("person", "ada", Person.class)));
		assertEquals(tree("{\"first\":\"Grace\",\"family\":\"Hopper\",\"age\":85}"),
				tree(await(older.get("person", "grace")).json()), "the older replica keeps the newer document as is");
		assertEquals(3, await(older.get("person", "grace")).schemaVersion());
		assertEquals(1, await(older.get("person", "ada")).schemaVersion());
	}

	@Test
	void anUpcasterThatFailsLeavesItsEventOutOfTheProjectionAlike() {
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1")
				.upcaster("person", 1, d -> {
					if (d.has("bad")) {
						throw new IllegalArgumentException("cannot upcast");
					}
					return d.put("v2", true);
				}));
		await(engine.write(WriteRequest.put("person", "a", "{\"ok\":1}").withSchemaVersion(1)));
		await(engine.write(WriteRequest.patch("person", "a", "{\"bad\":1}").withSchemaVersion(1)));
		assertEquals(tree("{\"ok\":1,\"v2\":true}"), tree(await(engine.get("person", "a")).json()));
	}
}
