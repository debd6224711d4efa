package io.tributary.storage.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.TestEvents;
import io.tributary.spi.EventCodec;
import reactor.core.publisher.Flux;

/**
 * The visibility horizon at work, across two engines on one database: a transaction that takes a position and
 * stays open while both engines commit many later events, then commits. No subscriber of {@code events(0)} on either
 * engine misses the late event or sees any event twice, nothing above the late event is served while it is open,
 * and the late event reaches both projections.
 */
class LateCommitIntegrationTest {

	private static final int WRITES_PER_ENGINE = 200;
	private static final Duration T = Duration.ofSeconds(60);

	private final List<SyncEngine> engines = new ArrayList<>();

	@AfterEach
	void close() {
		engines.forEach(e -> e.closeAsync().block(T));
	}

	private SyncEngine engine(String database, String node, boolean notify) {
		PostgresStorage storage = EmbeddedPostgresFixture.storage(database).node(node).notifications(notify)
				.pollInterval(Duration.ofMillis(100)).open().block(T);
		SyncEngine engine = SyncEngine.builder().storage(storage).origin(node).open().block(T);
		engines.add(engine);
		return engine;
	}

	@Test
	void aTransactionHeldOpenWhileOthersCommitIsServedOnceToEverySubscriberAndFolded() throws Exception {
		heldTransactionIsNeitherMissedNorRepeated(true);
	}

	@Test
	void withoutNotificationsTheLateCommitIsFoundByPollingAlone() throws Exception {
		heldTransactionIsNeitherMissedNorRepeated(false);
	}

	private void heldTransactionIsNeitherMissedNorRepeated(boolean notify) throws Exception {
		String db = EmbeddedPostgresFixture.freshDatabase();
		SyncEngine one = engine(db, "one", notify);
		SyncEngine two = engine(db, "two", notify);
		int total = 2 * WRITES_PER_ENGINE + 1;
		CompletableFuture<List<Event>> seenByOne = one.events(0).take(total).collectList().toFuture();
		CompletableFuture<List<Event>> seenByTwo = two.events(0).take(total).collectList().toFuture();
		List<Event> servedWhileOpen = new ArrayList<>();
		one.events(0).subscribe(e -> {
			synchronized (servedWhileOpen) {
				servedWhileOpen.add(e);
			}
		});

		Event late = TestEvents.put("late", 1, 1_000, "late-entity", "{\"late\":true}");
		long latePosition;
		try (Connection held = EmbeddedPostgresFixture.jdbc(db)) {
			held.setAutoCommit(false);
			latePosition = insertAsTheStoreDoes(held, late);
			// both engines write and commit while the transaction holding the late event is open
			Flux.range(0, WRITES_PER_ENGINE)
					.flatMap(i -> Flux.merge(one.put("doc", "one-" + i, Map.of("n", i)), two.put("doc", "two-" + i,
							Map.of("n", i))), 8)
					.blockLast(T);
			assertEquals(WRITES_PER_ENGINE, one.vector().get("one"));
			// every later commit lies above the late event: none of them may be served before it commits
			synchronized (servedWhileOpen) {
				for (Event e : servedWhileOpen) {
					assertTrue(e.position() < latePosition, "served " + e + " above the open transaction's "
							+ latePosition);
				}
			}
			held.commit();
		}

		for (CompletableFuture<List<Event>> seen : List.of(seenByOne, seenByTwo)) {
			List<Event> events = seen.get(T.toSeconds(), TimeUnit.SECONDS);
			Set<String> addresses = new HashSet<>();
			long previous = 0;
			for (Event e : events) {
				assertTrue(addresses.add(e.origin() + ":" + e.originSeq()), "served twice: " + e);
				assertTrue(e.position() > previous, "out of position order: " + e);
				previous = e.position();
			}
			assertTrue(addresses.contains("late:1"), "the late event was missed");
			for (int i = 1; i <= WRITES_PER_ENGINE; i++) {
				assertTrue(addresses.contains("one:" + i) && addresses.contains("two:" + i), "missed a write " + i);
			}
			Event served = events.stream().filter(e -> e.origin().equals("late")).findFirst().orElseThrow();
			assertEquals(latePosition, served.position());
		}
		for (SyncEngine e : List.of(one, two)) {
			String state = Flux.interval(Duration.ZERO, Duration.ofMillis(20)).onBackpressureDrop()
					.concatMap(t -> e.get("doc", "late-entity").mapNotNull(EntityState::json))
					.next().block(T);
			assertTrue(state.contains("late"), e.origin() + " did not fold the late event: " + state);
			assertEquals(1, e.vector().get("late"), e.origin() + "'s vector");
		}
	}

	/**
	 * Inserts the event as the store's append does, in the caller's open transaction: the origin's vector row,
	 * then the event at {@code (transaction id << 20) + 1}.
	 *
	 * @return the event's position
	 */
	private static long insertAsTheStoreDoes(Connection c, Event e) throws Exception {
		try (Statement s = c.createStatement()) {
			s.executeUpdate("INSERT INTO tributary_vector (origin, seq) VALUES ('" + e.origin() + "', 0) "
					+ "ON CONFLICT (origin) DO NOTHING");
		}
		try (PreparedStatement p = c.prepareStatement("INSERT INTO tributary_event (position, origin, origin_seq, "
				+ "user_id, body) VALUES ((pg_current_xact_id()::text::bigint << " + PgEventStore.ORDINAL_BITS
				+ ") + 1, ?, ?, NULL, ?) RETURNING position")) {
			p.setString(1, e.origin());
			p.setLong(2, e.originSeq());
			p.setBytes(3, EventCodec.encode(e));
			try (ResultSet r = p.executeQuery()) {
				r.next();
				long position = r.getLong(1);
				try (Statement s = c.createStatement()) {
					s.executeUpdate("UPDATE tributary_vector SET seq = " + e.originSeq() + " WHERE origin = '"
							+ e.origin() + "'");
				}
				return position;
			}
		}
	}
}
