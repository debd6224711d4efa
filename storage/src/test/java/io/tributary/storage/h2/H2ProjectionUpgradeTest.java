package io.tributary.storage.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import io.tributary.WriteRequest;

/**
 * A database of schema version 3 (the projection in append-only chunks) opens with version 4: the chunks are
 * discarded, the checkpoint goes back to 0, and the engine folds the log into the keyed table, behind a cache
 * smaller than the projection.
 */
class H2ProjectionUpgradeTest {

	private static final Duration T = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private SyncEngine open() {
		return SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T)).origin("o")
				.projectionCache(10).open().block(T);
	}

	private static List<String> states(SyncEngine engine) {
		List<String> out = new ArrayList<>();
		for (EntityState s : engine.query("todo").collectList().block(T)) {
			out.add(s.entityId() + " " + s.json() + " " + s.version());
		}
		return out;
	}

	private Connection jdbc() throws SQLException {
		return DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("tributary").toAbsolutePath());
	}

	private static long scalar(Statement s, String sql) throws SQLException {
		try (ResultSet rows = s.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	@Test
	void aVersion3DatabaseDiscardsItsChunksAndFoldsTheLogIntoTheKeyedTable() throws SQLException {
		SyncEngine engine = open();
		List<WriteRequest> writes = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			writes.add(WriteRequest.put("todo", "t" + i, Map.of("n", i)));
		}
		engine.writeAll(writes).then().block(T);
		engine.patch("todo", "t7", Map.of("done", true)).block(T);
		engine.delete("todo", "t8").block(T);
		List<String> before = states(engine);
		engine.closeAsync().block(T);

		// the database as version 3 left it: chunks, a checkpoint past the log, no keyed table
		try (Connection c = jdbc(); Statement s = c.createStatement()) {
			s.execute("DROP TABLE tributary_entity");
			s.execute("DELETE FROM tributary_schema_version WHERE version = 4");
			s.execute("CREATE TABLE tributary_projection (seq BIGINT NOT NULL PRIMARY KEY, "
					+ "chunk VARBINARY(1000000000) NOT NULL)");
			s.execute("INSERT INTO tributary_projection VALUES (1, X'00000001')");
			s.execute("MERGE INTO tributary_meta (name, val) KEY (name) VALUES ('projection.checkpoint', '102')");
			s.execute("MERGE INTO tributary_meta (name, val) KEY (name) VALUES ('projection.high_seq', '1')");
			assertEquals(3, scalar(s, "SELECT MAX(version) FROM tributary_schema_version"));
		}

		SyncEngine upgraded = open();
		try {
			assertEquals(before, states(upgraded), "the log folded again gives the same states");
			assertEquals(99, states(upgraded).size());
			assertEquals("{\"n\":7,\"done\":true}", upgraded.get("todo", "t7").block(T).json());
			upgraded.checkpoint().block(T);
		}
		finally {
			upgraded.closeAsync().block(T);
		}
		try (Connection c = jdbc(); Statement s = c.createStatement()) {
			assertEquals(4, scalar(s, "SELECT MAX(version) FROM tributary_schema_version"));
			assertEquals(0, scalar(s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
					+ "WHERE TABLE_NAME = 'TRIBUTARY_PROJECTION'"), "the chunk table is gone");
			assertEquals(100, scalar(s, "SELECT COUNT(*) FROM tributary_entity"), "one row per entity");
			assertEquals(0, scalar(s, "SELECT COUNT(*) FROM tributary_meta WHERE name LIKE 'projection.%_seq'"));
			assertTrue(scalar(s, "SELECT COUNT(*) FROM tributary_entity WHERE entity_id = 't8' "
					+ "AND document IS NULL") == 1, "a deleted entity has no document");
			assertEquals(1, scalar(s, "SELECT COUNT(*) FROM tributary_entity WHERE entity_id = 't7' "
					+ "AND UTF8TOSTRING(document) = '{\"n\":7,\"done\":true}'"), "the document is the state's JSON");
		}
	}
}
