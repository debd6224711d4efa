package io.tributary.storage.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.Conflict;
import io.tributary.ConflictStrategy;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.EntityRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Row-level security seen from an application role that logs in with plain SQL: without the transaction's user it
 * sees no row of the tables holding users' data; with {@code set_config('tributary.user_id', ..., true)} it sees that
 * user's rows only, and the setting ends with the transaction on the same connection. The node sees every row.
 */
class PostgresRowLevelSecurityTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);
	private static final String[] TABLES = { "tributary_event", "tributary_entity", "tributary_conflict",
			"tributary_dead_letter", "tributary_idempotency_key" };

	private String database;
	private PostgresStorage storage;
	private String role;

	@BeforeEach
	void open() throws SQLException {
		database = EmbeddedPostgresFixture.freshDatabase();
		storage = EmbeddedPostgresFixture.storage(database).node("n").open().block(TIMEOUT);
		role = "app_" + database;
		try (Connection admin = EmbeddedPostgresFixture.jdbc(database); Statement s = admin.createStatement()) {
			s.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'app-secret'");
			s.execute("GRANT tributary_app TO " + role);
		}
		List<Event> stored = storage.events().append(List.of(event("a", 1, "alice"), event("a", 2, "bob"),
				event("a", 3, "alice"), event("a", 4, "bob"))).block(TIMEOUT);
		storage.projections().save(4, List.of(entity("alice-1", "alice"), entity("bob-1", "bob"), entity("bob-2", "bob")),
				List.of(conflict(stored.get(2), stored.get(0)), conflict(stored.get(3), stored.get(1))), false)
				.block(TIMEOUT);
		for (Event e : stored) {
			storage.deadLetters().put(new DeadLetter(e, "FORBIDDEN", "no", Instant.ofEpochMilli(1))).block(TIMEOUT);
		}
		storage.idempotencyKeys().save(new io.tributary.spi.IdempotencyRecord("alice", "k", new byte[] { 1 }, 201,
				new byte[] { 2 }, Instant.ofEpochMilli(5)), Instant.EPOCH).block(TIMEOUT);
		storage.idempotencyKeys().save(new io.tributary.spi.IdempotencyRecord("bob", "k", new byte[] { 1 }, 201,
				new byte[] { 3 }, Instant.ofEpochMilli(5)), Instant.EPOCH).block(TIMEOUT);
	}

	@AfterEach
	void close() throws SQLException {
		storage.close().block(TIMEOUT);
		try (Connection admin = EmbeddedPostgresFixture.jdbc(database); Statement s = admin.createStatement()) {
			s.execute("DROP OWNED BY " + role);
			s.execute("DROP ROLE " + role);
		}
	}

	private static Event event(String origin, long seq, String user) {
		return new Event(new UUID(7, seq), origin, seq, Hlc.pack(1_700_000_000_000L + seq, 0), "todo", user + "-" + seq,
				Op.PUT, ("{\"owner\":\"" + user + "\"}").getBytes(StandardCharsets.UTF_8), null, user, 1, 0);
	}

	private static EntityRecord entity(String id, String user) {
		return new EntityRecord("todo", id, user, new byte[] { 1, 2 },
				("{\"owner\":\"" + user + "\"}").getBytes(StandardCharsets.UTF_8));
	}

	private static Conflict conflict(Event incoming, Event head) {
		return new Conflict(incoming.type(), incoming.entityId(), incoming, head, head.id(),
				ConflictStrategy.LAST_WRITE_WINS);
	}

	private Connection asApplication() throws SQLException {
		Properties props = new Properties();
		props.setProperty("user", role);
		props.setProperty("password", "app-secret");
		return DriverManager.getConnection("jdbc:postgresql://localhost:" + EmbeddedPostgresFixture.server().getPort() + "/"
				+ database, props);
	}

	/** The user ids of a table's rows that the connection sees. */
	private static List<String> owners(Connection c, String table) throws SQLException {
		String column = switch (table) {
			case "tributary_conflict" -> "incoming_user_id";
			case "tributary_idempotency_key" -> "scope";
			default -> "user_id";
		};
		List<String> out = new ArrayList<>();
		try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + column + " FROM " + table)) {
			while (rs.next()) {
				out.add(rs.getString(1));
			}
		}
		return out;
	}

	private static void setUser(Connection c, String user) throws SQLException {
		try (Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("SELECT set_config('tributary.user_id', '" + user + "', true)")) {
			rs.next();
		}
	}

	@Test
	void applicationRoleSeesOnlyTheTransactionsUsersRows() throws SQLException {
		try (Connection app = asApplication()) {
			app.setAutoCommit(false);
			for (String table : TABLES) {
				assertEquals(List.of(), owners(app, table), "no user set: no row of " + table);
			}
			app.commit();

			setUser(app, "alice");
			for (String table : TABLES) {
				List<String> seen = owners(app, table);
				assertEquals(false, seen.isEmpty(), "alice's rows of " + table);
				assertEquals(List.of("alice"), seen.stream().distinct().toList(), "only alice's rows of " + table);
			}
			try (Statement s = app.createStatement();
					ResultSet rs = s.executeQuery("SELECT document->>'owner' FROM tributary_entity")) {
				rs.next();
				assertEquals("alice", rs.getString(1), "the state is queryable as jsonb");
			}
			app.commit();

			for (String table : TABLES) {
				assertEquals(List.of(), owners(app, table), "the setting ended with the transaction: no row of " + table);
			}
			app.rollback();

			setUser(app, "bob");
			assertEquals(List.of("bob", "bob"), owners(app, "tributary_event"));
			app.rollback();

			assertThrows(SQLException.class, () -> {
				try (Statement s = app.createStatement()) {
					s.execute("SET ROLE tributary_node");
				}
			}, "an application role cannot take the nodes' view");
			app.rollback();
			assertThrows(SQLException.class, () -> {
				try (Statement s = app.createStatement()) {
					s.executeUpdate("DELETE FROM tributary_event");
				}
			}, "an application role cannot change the log");
			app.rollback();
		}
	}

	@Test
	void storageReadsAsAUserInOneTransactionAndSeesEverythingOtherwise() {
		assertEquals(List.of("alice", "alice"), storage.asUser("alice", "SELECT user_id FROM tributary_event ORDER BY position",
				row -> row.get(0, String.class)).collectList().block(TIMEOUT));
		assertEquals(List.of("bob-1", "bob-2"), storage.asUser("bob",
				"SELECT entity_id FROM tributary_entity WHERE entity_type = $1 ORDER BY entity_id",
				row -> row.get(0, String.class), "todo").collectList().block(TIMEOUT));
		assertEquals(4, storage.events().read(0, 100).collectList().block(TIMEOUT).size(),
				"the node's own reads see every row, also on the connection the user's read used");
		assertEquals(3L, storage.projections().count().block(TIMEOUT));
	}

	@Test
	void nodeRunningAsAnOrdinaryRoleSeesEveryRowThroughItsMembership() throws SQLException {
		String nodeRole = "node_" + database;
		String nodeDatabase = database + "_owned";
		try (Connection admin = EmbeddedPostgresFixture.jdbc(database); Statement s = admin.createStatement()) {
			// what an administrator does once: the roles exist (the first migration made them), the node's login joins
			s.execute("CREATE ROLE " + nodeRole + " LOGIN");
			s.execute("GRANT tributary_node, tributary_app TO " + nodeRole);
			s.execute("CREATE DATABASE " + nodeDatabase + " OWNER " + nodeRole);
		}
		PostgresStorage node = PostgresStorage.builder().uri(PostgresUri.parse("postgresql://" + nodeRole + "@localhost:"
				+ EmbeddedPostgresFixture.server().getPort() + "/" + nodeDatabase)).node("n").open().block(TIMEOUT);
		try {
			node.events().append(List.of(event("a", 1, "alice"), event("a", 2, "bob"))).block(TIMEOUT);
			node.projections().save(2, List.of(entity("alice-1", "alice"), entity("bob-1", "bob")), List.of(), false)
					.block(TIMEOUT);
			assertEquals(2, node.events().read(0, 10).collectList().block(TIMEOUT).size(),
					"forced row-level security lets the node's role see every row");
			assertEquals(2L, node.projections().count().block(TIMEOUT));
			assertEquals(List.of("bob-1"), node.asUser("bob", "SELECT entity_id FROM tributary_entity",
					row -> row.get(0, String.class)).collectList().block(TIMEOUT));
			assertEquals(1L, node.erase("alice").block(TIMEOUT), "the owner rewrites its tables");
		}
		finally {
			node.close().block(TIMEOUT);
			try (Connection admin = EmbeddedPostgresFixture.jdbc(database); Statement s = admin.createStatement()) {
				s.execute("DROP DATABASE " + nodeDatabase);
				s.execute("DROP ROLE " + nodeRole);
			}
		}
	}
}
