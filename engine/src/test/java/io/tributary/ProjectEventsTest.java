package io.tributary;

import java.util.List;
import java.util.Set;

import io.tributary.memory.InMemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.tributary.TestEvents.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events carry the project their write named, the default project when it named none, and a project's events
 * are read back without the others'.
 */
class ProjectEventsTest {

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	@Test
	void aWriteKeepsItsProjectAndAProjectReadsBackOnlyItsOwnEventsInOrder() {
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1"));
		String odd = "Team A/β @ home";
		for (int i = 0; i < 2_500; i++) {
			String project = i % 3 == 0 ? odd : i % 3 == 1 ? "b" : Event.DEFAULT_PROJECT;
			WriteRequest w = WriteRequest.put("note", "n" + i, "{\"i\":" + i + "}");
			engine.write(i % 3 == 2 ? w : w.withProject(project)).block(TIMEOUT);
		}
		List<Event> mine = engine.readProjects(Set.of(odd), 0, 10_000).collectList().block(TIMEOUT);
		assertEquals(834, mine.size());
		for (int k = 0; k < mine.size(); k++) {
			assertEquals(odd, mine.get(k).project());
			assertEquals("n" + 3 * k, mine.get(k).entityId());
			assertTrue(k == 0 || mine.get(k - 1).position() < mine.get(k).position());
		}
		// a page after a cursor continues where the previous one ended
		List<Event> page = engine.readProjects(Set.of(odd, Event.DEFAULT_PROJECT), mine.get(99).position(), 5)
				.collectList().block(TIMEOUT);
		assertEquals(List.of("n" + 299, "n" + 300, "n" + 302, "n" + 303, "n" + 305),
				page.stream().map(Event::entityId).toList());
		assertEquals(Event.DEFAULT_PROJECT, engine.read(0, 3).collectList().block(TIMEOUT).get(2).project());
	}

	@Test
	void aProjectIdOutsideTheLimitsIsRefusedNamingWhy() {
		SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("r1"));
		WriteRequest w = WriteRequest.put("note", "n", "{}");
		ValidationException tooLong = assertThrows(ValidationException.class,
				() -> engine.write(w.withProject("p".repeat(Limits.MAX_PROJECT_LENGTH + 1))).block(TIMEOUT));
		assertTrue(tooLong.getMessage().contains("project is longer than the limit of 128"), tooLong.getMessage());
		ValidationException empty = assertThrows(ValidationException.class, () -> engine.write(w.withProject("")).block(TIMEOUT));
		assertEquals("project is required", empty.getMessage());
		ValidationException control = assertThrows(ValidationException.class,
				() -> engine.write(w.withProject("a\nb")).block(TIMEOUT));
		assertTrue(control.getMessage().startsWith("project must not contain control characters"), control.getMessage());
		assertEquals(0, engine.read(0, 10).count().block(TIMEOUT));
	}
}
