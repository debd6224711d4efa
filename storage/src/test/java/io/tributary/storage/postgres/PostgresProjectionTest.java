package io.tributary.storage.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.spi.EntityRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The projection table on PostgreSQL: the state as {@code jsonb} that plain SQL queries, lookups and keyset pages in
 * the order of {@link String#compareTo}, and the merge of saves from two nodes under the rows' locks.
 */
class PostgresProjectionTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private String database;
	private PostgresStorage nodeA;
	private PostgresStorage nodeB;

	@BeforeEach
	void open() {
		database = EmbeddedPostgresFixture.freshDatabase();
		nodeA = EmbeddedPostgresFixture.storage(database).node("a").open().block(TIMEOUT);
		nodeB = EmbeddedPostgresFixture.storage(database).node("b").open().block(TIMEOUT);
	}

	@AfterEach
	void close() {
		nodeA.close().block(TIMEOUT);
		nodeB.close().block(TIMEOUT);
	}

	private static EntityRecord record(String type, String id, String json) {
		return new EntityRecord(type, id, "u", new byte[] { 1 }, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void stateIsJsonbThatPlainSqlQueriesAndNullWhenDeleted() throws SQLException {
		nodeA.projections().save(3, List.of(record("todo", "milk", "{\"title\":\"milk \u00E9\",\"done\":false}"),
				record("todo", "gone", null), record("note", "n1", "{\"text\":\"x\"}")), List.of(), false).block(TIMEOUT);

		try (Connection c = EmbeddedPostgresFixture.jdbc(database); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("SELECT entity_id, document->>'title', document IS NULL FROM tributary_entity "
						+ "WHERE entity_type = 'todo' ORDER BY entity_id")) {
			rs.next();
			assertEquals("gone", rs.getString(1));
			assertEquals(true, rs.getBoolean(3), "a deleted entity has no document");
			rs.next();
			assertEquals("milk \u00E9", rs.getString(2));
		}
		List<EntityRecord> found = nodeB.projections().entities("todo", List.of("milk", "gone", "absent")).collectList()
				.block(TIMEOUT);
		found.sort(Comparator.comparing(EntityRecord::entityId));
		assertEquals(List.of("gone", "milk"), found.stream().map(EntityRecord::entityId).toList(),
				"the lookup finds the saved ones, from any node");
		assertNull(found.get(0).document());
		assertEquals("{\"done\": false, \"title\": \"milk \u00E9\"}", new String(found.get(1).document(),
				StandardCharsets.UTF_8), "the document as jsonb gives it back");
		assertArrayEquals(new byte[] { 1 }, found.get(1).fold());
		assertEquals(Set.of("todo", "note"), Set.copyOf(nodeB.projections().types().collectList().block(TIMEOUT)));
		assertEquals(3L, nodeB.projections().count().block(TIMEOUT));
	}

	@Test
	void keysetPagesFollowJavaStringOrder() {
		List<String> ids = new ArrayList<>(List.of("a", "B", "b", "a0", "a-1", "\u00E9", "e", "Z", "z", "\u65E5\u672C",
				"\uFFFD", "10", "9", "a b", "\u00C4", "A"));
		List<EntityRecord> records = new ArrayList<>();
		for (String id : ids) {
			records.add(record("t", id, "{}"));
		}
		records.add(record("other", "m", "{}"));
		nodeA.projections().save(1, records, List.of(), false).block(TIMEOUT);

		List<String> paged = new ArrayList<>();
		String after = "";
		while (true) {
			List<EntityRecord> page = nodeA.projections().entities("t", after, 3).collectList().block(TIMEOUT);
			if (page.isEmpty()) {
				break;
			}
			page.forEach(r -> paged.add(r.entityId()));
			after = page.get(page.size() - 1).entityId();
		}
		ids.sort(Comparator.naturalOrder());
		assertEquals(ids, paged, "every entity of the type once, in String.compareTo order");
	}

	/** Folds as sets of bytes: the merge is the union, as a fold of the union of two sets of events. */
	private static EntityRecord union(EntityRecord saved, EntityRecord incoming) {
		TreeSet<Byte> all = new TreeSet<>();
		for (byte b : saved.fold()) {
			all.add(b);
		}
		for (byte b : incoming.fold()) {
			all.add(b);
		}
		byte[] fold = new byte[all.size()];
		int i = 0;
		for (byte b : all) {
			fold[i++] = b;
		}
		return new EntityRecord(incoming.type(), incoming.entityId(), incoming.userId(), fold, incoming.document());
	}

	private static Mono<Void> saves(PostgresStorage node, int base) {
		return Flux.range(0, 20).concatMap(round -> {
			List<EntityRecord> batch = new ArrayList<>();
			for (int k = 0; k < 10; k++) {
				batch.add(new EntityRecord("todo", "k" + k, null, new byte[] { (byte) (base + round) }, null));
			}
			return node.projections().save(base + round, batch, List.of(), false);
		}).then();
	}

	@Test
	void savesOfTwoNodesAtOnceAreMergedUnderTheRowsLocks() {
		nodeA.projections().merger(PostgresProjectionTest::union);
		nodeB.projections().merger(PostgresProjectionTest::union);

		Mono.when(saves(nodeA, 0), saves(nodeB, 100)).block(TIMEOUT);

		byte[] expected = new byte[40];
		for (int i = 0; i < 20; i++) {
			expected[i] = (byte) i;
			expected[20 + i] = (byte) (100 + i);
		}
		List<EntityRecord> all = nodeA.projections().entities().collectList().block(TIMEOUT);
		assertEquals(10, all.size());
		for (EntityRecord r : all) {
			assertArrayEquals(expected, r.fold(), "every save of both nodes is in " + r.entityId());
		}
		assertEquals(19L, nodeA.projections().checkpoint().block(TIMEOUT), "each node keeps its own checkpoint");
		assertEquals(119L, nodeB.projections().checkpoint().block(TIMEOUT));
	}
}
