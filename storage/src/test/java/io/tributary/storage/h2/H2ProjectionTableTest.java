package io.tributary.storage.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tributary.spi.EntityRecord;

/**
 * The projection table keeps one row per entity: a save upserts its records a piece at a time, all in one
 * transaction with the checkpoint, so a save cut short leaves the previous projection in force; a database of
 * schema version 3 (append-only chunks) is upgraded by discarding the chunks with the checkpoint back at 0.
 */
class H2ProjectionTableTest {

	private static final Duration T = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private H2Storage storage;

	@AfterEach
	void close() {
		if (storage != null) {
			storage.close().block(T);
		}
	}

	private H2Storage open() {
		storage = H2Storage.builder().directory(dir).open().block(T);
		return storage;
	}

	private void reopen() {
		storage.close().block(T);
		storage = null;
		open();
	}

	/** Records of {@code count} entities, each fold naming the generation, about 2 KB each. */
	private static List<EntityRecord> records(String generation, int count) {
		List<EntityRecord> records = new ArrayList<>();
		String padding = "x".repeat(2000);
		for (int i = 0; i < count; i++) {
			records.add(new EntityRecord("todo", "e" + i, null,
					(generation + ":" + i + ":" + padding).getBytes(StandardCharsets.UTF_8)));
		}
		return records;
	}

	private Map<String, String> saved() {
		Map<String, String> byId = new TreeMap<>();
		for (EntityRecord r : storage.projections().entities().collectList().block(T)) {
			byId.put(r.type() + "/" + r.entityId(), new String(r.fold(), StandardCharsets.UTF_8));
		}
		return byId;
	}

	private static Map<String, String> expected(List<EntityRecord> records) {
		Map<String, String> byId = new TreeMap<>();
		for (EntityRecord r : records) {
			byId.put(r.type() + "/" + r.entityId(), new String(r.fold(), StandardCharsets.UTF_8));
		}
		return byId;
	}

	@Test
	void aSaveOfManyPiecesUpsertsEveryRowAndAFullSnapshotReplacesTheRest() {
		open();
		List<EntityRecord> first = records("first", 3 * H2ProjectionStore.PIECE_ROWS + 7);
		storage.projections().save(10, first, List.of(), false).block(T);
		assertEquals(expected(first), saved());
		List<EntityRecord> changed = records("changed", 2 * H2ProjectionStore.PIECE_ROWS + 1);
		storage.projections().save(15, changed, List.of(), false).block(T);
		Map<String, String> merged = expected(first);
		merged.putAll(expected(changed));
		assertEquals(merged, saved(), "each entity keeps its newest fold");
		List<EntityRecord> full = records("full", 2500);

		storage.projections().save(20, full, List.of(), true).block(T);

		assertEquals(expected(full), saved(), "only the full snapshot's records remain");
		assertEquals(20L, storage.projections().checkpoint().block(T));
		reopen();
		assertEquals(expected(full), saved());
		assertEquals(20L, storage.projections().checkpoint().block(T));
		storage.close().block(T);
		storage = null;
		assertEquals(full.size(), projectionRows(), "one row per entity");
	}

	private long projectionRows() {
		try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("tributary").toAbsolutePath());
				ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM tributary_entity")) {
			rows.next();
			return rows.getLong(1);
		}
		catch (SQLException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Records that fail when the store reads the one at {@code failAt}: a save that dies after some pieces. */
	private static List<EntityRecord> failingAt(List<EntityRecord> records, int failAt) {
		return new java.util.AbstractList<>() {
			@Override
			public EntityRecord get(int index) {
				if (index == failAt) {
					throw new IllegalStateException("encoding failed");
				}
				return records.get(index);
			}

			@Override
			public int size() {
				return records.size();
			}
		};
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void aSaveCutShortLeavesThePreviousProjectionInForce(boolean full) {
		open();
		List<EntityRecord> before = records("before", 1200);
		storage.projections().save(10, before, List.of(), false).block(T);
		// several pieces are written, then the save fails before it commits
		List<EntityRecord> cut = records("cut", 1500);
		assertTrue(1400 > 2 * H2ProjectionStore.PIECE_ROWS, "the failure comes after several pieces");
		assertThrows(IllegalStateException.class,
				() -> storage.projections().save(20, failingAt(cut, 1400), List.of(), full).block(T));
		assertEquals(expected(before), saved(), "nothing of the failed save shows");
		assertEquals(10L, storage.projections().checkpoint().block(T));

		reopen();
		assertEquals(expected(before), saved(), "nor after a restart");
		assertEquals(10L, storage.projections().checkpoint().block(T));

		List<EntityRecord> next = records("next", 100);
		storage.projections().save(30, next, List.of(), false).block(T);
		Map<String, String> merged = expected(before);
		merged.putAll(expected(next));
		assertEquals(merged, saved(), "the cut save never shows");
		reopen();
		assertEquals(merged, saved());
		assertEquals(30L, storage.projections().checkpoint().block(T));
	}
}
