package io.tributary.storage.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.EntityRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Erasure on PostgreSQL leaves nothing of the user in the tables' files: the rows are gone or blanks, and the tables
 * are rewritten, so no old row version holds the user's id or payload (the write-ahead log and backups are another
 * matter, see docs/STORAGE.md).
 */
class PostgresEraseTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);
	private static final String USER = "erasable-user-7f3a";
	private static final String SECRET = "the-secret-payload-9c1d";
	private static final String[] TABLES = { "tributary_event", "tributary_entity", "tributary_conflict",
			"tributary_dead_letter", "tributary_idempotency_key" };

	private String database;
	private PostgresStorage storage;

	@BeforeEach
	void open() {
		database = EmbeddedPostgresFixture.freshDatabase();
		storage = EmbeddedPostgresFixture.storage(database).node("n").open().block(TIMEOUT);
	}

	@AfterEach
	void close() {
		storage.close().block(TIMEOUT);
	}

	private static Event event(long seq, String user) {
		return new Event(new UUID(3, seq), "o", seq, Hlc.pack(1_700_000_000_000L + seq, 0), "todo", "e" + seq, Op.PUT,
				("{\"note\":\"" + (USER.equals(user) ? SECRET : "public") + "\"}").getBytes(StandardCharsets.UTF_8), null,
				user, 1, 0);
	}

	/** The bytes of a table's files (its heap and TOAST relations) as they are on disk after a checkpoint. */
	private List<byte[]> files(String table) throws SQLException, IOException {
		List<byte[]> out = new ArrayList<>();
		try (Connection c = EmbeddedPostgresFixture.jdbc(database); Statement s = c.createStatement()) {
			s.execute("CHECKPOINT");
			try (ResultSet rs = s.executeQuery("SELECT current_setting('data_directory'), pg_relation_filepath('" + table
					+ "'), (SELECT pg_relation_filepath(reltoastrelid) FROM pg_class WHERE oid = '" + table
					+ "'::regclass AND reltoastrelid <> 0)")) {
				rs.next();
				Path dir = Path.of(rs.getString(1));
				for (int i = 2; i <= 3; i++) {
					if (rs.getString(i) != null && Files.exists(dir.resolve(rs.getString(i)))) {
						out.add(Files.readAllBytes(dir.resolve(rs.getString(i))));
					}
				}
			}
		}
		return out;
	}

	private static boolean holds(List<byte[]> files, String text) {
		byte[] needle = text.getBytes(StandardCharsets.UTF_8);
		for (byte[] file : files) {
			for (int i = 0; i + needle.length <= file.length; i++) {
				if (java.util.Arrays.equals(file, i, i + needle.length, needle, 0, needle.length)) {
					return true;
				}
			}
		}
		return false;
	}

	@Test
	void eraseLeavesNoByteOfTheUserInTheTablesFiles() throws SQLException, IOException {
		List<Event> stored = storage.events().append(List.of(event(1, USER), event(2, "other"), event(3, USER)))
				.block(TIMEOUT);
		storage.projections().save(3, List.of(new EntityRecord("todo", "e1", USER, SECRET.getBytes(StandardCharsets.UTF_8),
				("{\"note\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8))), List.of(), false).block(TIMEOUT);
		storage.deadLetters().put(new DeadLetter(stored.get(0), "FORBIDDEN", "no", Instant.ofEpochMilli(1))).block(TIMEOUT);
		storage.idempotencyKeys().save(new io.tributary.spi.IdempotencyRecord(USER, "k", new byte[] { 1 }, 201,
				SECRET.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(1)), Instant.EPOCH).block(TIMEOUT);
		assertTrue(holds(files("tributary_event"), SECRET), "the files held the secret before");

		assertEquals(2L, storage.erase(USER).block(TIMEOUT));

		for (String table : TABLES) {
			List<byte[]> files = files(table);
			assertFalse(holds(files, SECRET), "no old version of the user's rows in " + table);
			assertFalse(holds(files, USER), "no trace of the user's id in " + table);
		}
		List<Event> log = storage.events().read(0, 10).collectList().block(TIMEOUT);
		assertEquals(List.of(stored.get(0).blank(), stored.get(1), stored.get(2).blank()), log);
	}
}
