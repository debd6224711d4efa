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
 * A full projection snapshot is written in pieces, each its own transaction, so that the event log's commits
 * never wait for the whole snapshot; the pieces count only once the last transaction moves the high-water
 * mark past them. A snapshot cut short (a crash between pieces) leaves the previous projection in force.
 */
class H2ProjectionPiecesTest {

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
	void aFullSnapshotOfManyPiecesReplacesEverythingSavedBefore() {
		open();
		List<EntityRecord> first = records("first", 3000);
		storage.projections().save(10, first, List.of(), false).block(T);
		List<EntityRecord> full = records("full", 2500);
		int chunks = H2ProjectionStore.encodeChunks(full).size();
		assertTrue(chunks > 3 * H2ProjectionStore.PIECE_CHUNKS, "the snapshot spans several pieces: " + chunks);

		storage.projections().save(20, full, List.of(), true).block(T);

		assertEquals(expected(full), saved(), "only the full snapshot's records remain");
		assertEquals(20L, storage.projections().checkpoint().block(T));
		reopen();
		assertEquals(expected(full), saved());
		assertEquals(20L, storage.projections().checkpoint().block(T));
		storage.close().block(T);
		storage = null;
		assertEquals(chunks, projectionRows(), "the replaced chunks were removed from the table");
	}

	private long projectionRows() {
		try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("tributary").toAbsolutePath());
				ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM tributary_projection")) {
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
	void aSaveCutShortBetweenPiecesLeavesThePreviousProjectionInForce(boolean full) {
		open();
		List<EntityRecord> before = records("before", 1200);
		storage.projections().save(10, before, List.of(), false).block(T);
		// several pieces are committed, then the save fails before its last transaction
		List<EntityRecord> cut = records("cut", 1500);
		assertTrue(H2ProjectionStore.encodeChunks(cut.subList(0, 1400)).size() > 2 * H2ProjectionStore.PIECE_CHUNKS);
		assertThrows(IllegalStateException.class,
				() -> storage.projections().save(20, failingAt(cut, 1400), List.of(), full).block(T));
		assertEquals(expected(before), saved(), "pieces above the high-water mark are not read");
		assertEquals(10L, storage.projections().checkpoint().block(T));

		reopen();
		assertEquals(expected(before), saved(), "nor after a restart");
		assertEquals(10L, storage.projections().checkpoint().block(T));

		List<EntityRecord> next = records("next", 100);
		storage.projections().save(30, next, List.of(), false).block(T);
		Map<String, String> merged = expected(before);
		merged.putAll(expected(next));
		assertEquals(merged, saved(), "the next save removed the cut save's pieces; they never show");
		reopen();
		assertEquals(merged, saved());
		assertEquals(30L, storage.projections().checkpoint().block(T));
	}
}
