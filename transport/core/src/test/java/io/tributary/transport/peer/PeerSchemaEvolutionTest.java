package io.tributary.transport.peer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import io.tributary.EntityState;
import io.tributary.PersonSchema;
import io.tributary.SyncEngine;
import io.tributary.TypedEntity;
import io.tributary.Upcasters;
import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica on a newer schema and one still writing the older, linked over loopback TCP: both converge, the newer
 * reads everything at its schema, and the older's projection, upcast by the newer's steps, equals the newer's.
 */
class PeerSchemaEvolutionTest extends PeerTestBase {

	private static final ObjectMapper JSON = new ObjectMapper();

	record Person(String first, String last, int age) {
	}

	@Test
	void aNewerSchemaConvergesWithAnOlderWriterOverALiveLink() throws Exception {
		SyncEngine newer = SyncEngine.builder().storage(new InMemoryStorage()).origin("newer")
				.schemaVersion("person", 2).upcaster("person", 1, PersonSchema::splitName).open().block(T);
		cleanup.add(newer::close);
		SyncEngine older = engine("older");
		PeerServer server = server(newer, PeerConfig.defaults());
		PeerConnector connector = new PeerConnector(older, PeerConfig.defaults(),
				new PeerAddress("127.0.0.1", server.port()), Backoff.defaults());
		cleanup.add(connector::stop);
		connector.start();

		Flux.range(0, 40).concatMap(i -> older.put("person", "p" + i, "{\"name\":\"Old Writer" + i + "\",\"age\":" + i + "}"))
				.blockLast(T);
		Flux.range(30, 40).concatMap(i -> newer.put("person", "p" + i, new Person("New", "Writer" + i, i)))
				.blockLast(T);
		Flux.range(0, 10).concatMap(i -> older.patch("person", "p" + i, "{\"age\":" + (100 + i) + "}")).blockLast(T);
		converge(T, newer, older);

		List<TypedEntity<Person>> typed = newer.query("person", Person.class).collectList().block(T);
		assertEquals(70, typed.size(), "every entity reads as the newer schema's record");
		Map<String, Person> byId = new TreeMap<>();
		typed.forEach(t -> byId.put(t.entityId(), t.value()));
		assertEquals(new Person("Old", "Writer3", 103), byId.get("p3"), "an old put and an old patch, upcast");
		assertTrue(byId.get("p35").first().equals("New") || byId.get("p35").first().equals("Old"));

		Upcasters steps = newer.projection().upcasters();
		List<EntityState> newStates = newer.query("person").collectList().block(T);
		List<EntityState> oldStates = older.query("person").collectList().block(T);
		assertEquals(newStates.size(), oldStates.size());
		int keptNewer = 0;
		for (int i = 0; i < newStates.size(); i++) {
			EntityState n = newStates.get(i);
			EntityState o = oldStates.get(i);
			assertEquals(n.version(), o.version(), "the same head event wins on both");
			assertEquals(2, n.schemaVersion());
			keptNewer += o.schemaVersion() == 2 ? 1 : 0;
			JsonNode upcast = steps.upcast("person", o.schemaVersion(), (ObjectNode) JSON.readTree(o.document()));
			assertEquals(JSON.readTree(n.document()), upcast, "entity " + n.entityId());
		}
		assertTrue(keptNewer >= 40, "the older replica folds the newer's documents as they are: " + keptNewer);
		assertEquals(1, older.read(0, 1).blockFirst(T).schemaVersion(), "the log keeps the old writer's version");
	}
}
