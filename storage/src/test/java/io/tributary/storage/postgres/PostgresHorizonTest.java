package io.tributary.storage.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.VersionVector;
import io.tributary.spi.EventCodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The visibility horizon at store level: two storages on one database (two nodes), a transaction that took its
 * position first held open while the other node appends and commits later ones. Readers never pass the held
 * transaction; once it commits, a reader that paged from the start gets every event exactly once, in order.
 */
class PostgresHorizonTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

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

	static Event event(String origin, long seq) {
		return new Event(new UUID(origin.hashCode(), seq), origin, seq, Hlc.pack(1_700_000_000_000L + seq, 0), "todo",
				origin + "-" + seq, Op.PUT, ("{\"n\":" + seq + "}").getBytes(StandardCharsets.UTF_8), null, null, 1, 0);
	}

	@Test
	void heldTransactionStallsReadersAndIsReadOnceAfterItCommits() throws SQLException {
		Event first = nodeA.events().append(List.of(event("a", 1))).block(TIMEOUT).get(0);
		List<Event> paged = new ArrayList<>(nodeA.events().read(0, 100).collectList().block(TIMEOUT));
		assertEquals(List.of(first), paged);

		Event late = event("late", 1);
		try (Connection held = EmbeddedPostgresFixture.jdbc(database)) {
			held.setAutoCommit(false);
			// the store's own insert: position from the transaction id, taken now, committed last
			try (PreparedStatement insert = held.prepareStatement("INSERT INTO tributary_event "
					+ "(position, origin, origin_seq, user_id, body) VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, "
					+ "?, ?, NULL, ?)")) {
				insert.setString(1, late.origin());
				insert.setLong(2, late.originSeq());
				insert.setBytes(3, EventCodec.encode(late));
				insert.executeUpdate();
			}
			try (PreparedStatement vector = held.prepareStatement("INSERT INTO tributary_vector (origin, seq) VALUES (?, 1)")) {
				vector.setString(1, late.origin());
				vector.executeUpdate();
			}

			List<Event> later = new ArrayList<>();
			for (int seq = 1; seq <= 3; seq++) {
				later.addAll(nodeB.events().append(List.of(event("b", seq))).block(TIMEOUT));
			}
			assertEquals(3, later.size(), "the other node's appends commit while the first transaction is open");

			for (PostgresStorage reader : List.of(nodeA, nodeB)) {
				assertEquals(List.of(), reader.events().read(first.position(), 100).collectList().block(TIMEOUT),
						"nothing above the held transaction is read while it is open");
				assertEquals(List.of(first), reader.events().readLacking(VersionVector.empty(), 100).collectList()
						.block(TIMEOUT));
				assertEquals(first.position(), reader.events().lastPosition().block(TIMEOUT));
				assertEquals(VersionVector.empty().with("a", 1).with("b", 3), reader.events().vector().block(TIMEOUT),
						"the vector counts every committed event");
			}
			held.commit();

			paged.addAll(nodeB.events().read(first.position(), 100).collectList().block(TIMEOUT));
			List<Event> expected = new ArrayList<>();
			expected.add(first);
			expected.add(paged.get(1));
			expected.addAll(later);
			assertEquals(late, paged.get(1).withPosition(0), "the late commit comes right after what was read");
			assertEquals(expected, paged, "every event exactly once, in position order");
			assertTrue(paged.get(1).position() < later.get(0).position(), "its position is below the later commits'");
			assertEquals(paged, nodeA.events().read(0, 100).collectList().block(TIMEOUT));
			assertEquals(later.get(2).position(), nodeA.events().lastPosition().block(TIMEOUT));
		}
	}
}
