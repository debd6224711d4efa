package io.tributary.storage.h2;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.StoreFiles;
import io.tributary.SyncEngine;
import io.tributary.Uuid7;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Logout on H2 files: after {@code erase}, not one byte of the user's events, entities, ids or conflicts is left
 * in any file of the store's directory, while another user's data stays whole and readable.
 */
class H2EraseTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final long T0 = 1_700_000_000_000L;
	private static final String ALICE = "alice-u-5d1e0c";
	private static final String BOB = "bob-u-83f0aa";
	private static final int ENTITIES = 150;

	@TempDir
	Path dir;

	private SyncEngine open() {
		return SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T)).origin("device")
				.checkpointInterval(Duration.ofHours(1)).open().block(T);
	}

	private static Event remote(long seq, String user, String entityId, String json) {
		return new Event(Uuid7.create(T0 + seq), "upstream", seq, Hlc.pack(T0 + seq, 0), "mail", entityId, Op.PUT,
				json.getBytes(StandardCharsets.UTF_8), null, user, 1, 0);
	}

	/** Markers of one user: its id, entity ids and payload values, written in every place they can go. */
	private static List<String> markers(String user) {
		return List.of(user, user + "-entity-", user + "-secret-", user + "-mail-", user + "-patched-");
	}

	private static void writeData(SyncEngine engine, String user) {
		Flux.range(0, ENTITIES)
				.concatMap(i -> engine.write(WriteRequest.put("doc", user + "-entity-" + i,
						"{\"note\":\"" + user + "-secret-" + i + "\",\"n\":" + i + "}").withUserId(user)))
				.then(Flux.range(0, ENTITIES / 3).concatMap(i -> engine.write(WriteRequest.patch("doc",
						user + "-entity-" + i, "{\"extra\":\"" + user + "-patched-" + i + "\"}").withUserId(user))).then())
				.block(T);
	}

	@Test
	void nothingOfTheErasedUserRemainsInAnyFileWhileTheOtherUsersDataStaysReadable() {
		SyncEngine engine = open();
		writeData(engine, ALICE);
		writeData(engine, BOB);
		engine.checkpoint().block(T);
		// peer events of both users, a conflict of alice's on bob's entity, and more checkpoints: old page versions
		List<Event> pulled = new ArrayList<>();
		for (int i = 1; i <= 40; i++) {
			String user = i % 2 == 0 ? ALICE : BOB;
			pulled.add(remote(i, user, user + "-mail-" + i, "{\"body\":\"" + user + "-secret-mail-" + i + "\"}"));
		}
		engine.apply(pulled).block(T);
		engine.write(WriteRequest.put("doc", BOB + "-entity-0", "{\"taken\":\"" + ALICE + "-secret-conflict\"}")
				.withUserId(ALICE).withBase(new UUID(1, 1))).block(T);
		engine.write(WriteRequest.put("doc", BOB + "-entity-1", "{\"v\":\"" + BOB + "-secret-conflict\"}")
				.withUserId(BOB).withBase(new UUID(2, 2))).block(T);
		engine.checkpoint().block(T);
		assertEquals(2, engine.conflicts(null, 10).count().block(T));
		engine.closeAsync().block(T);
		assertEquals(markers(ALICE).size(), StoreFiles.find(dir, markers(ALICE)).size(),
				"before the erase alice's data is in the files, so the scan can see it");

		engine = open();
		// one more of alice's writes in this open: it is in the write-ahead log too when the erase starts
		engine.write(WriteRequest.put("doc", ALICE + "-entity-late", "{\"note\":\"" + ALICE + "-secret-late\"}")
				.withUserId(ALICE)).block(T);
		// what the upstream would still hold of alice, for her next login
		List<Event> upstreamCopy = engine.read(0, Integer.MAX_VALUE).filter(e -> ALICE.equals(e.userId()))
				.collectList().block(T);
		VersionVector vector = engine.vector();
		long last = engine.lastPosition();
		long erased = engine.erase(ALICE).block(T);
		assertEquals(ENTITIES + ENTITIES / 3 + 20 + 2, erased);
		assertEquals(vector, engine.vector());
		assertEquals(List.of(), StoreFiles.find(dir, markers(ALICE)),
				"right after the erase, the store still open (write-ahead log included): " + StoreFiles.list(dir));
		engine.closeAsync().block(T);

		assertEquals(List.of(), StoreFiles.find(dir, markers(ALICE)), "files: " + StoreFiles.list(dir));
		assertEquals(markers(BOB).size(), StoreFiles.find(dir, markers(BOB)).size(), "bob's data is still there");

		SyncEngine reopened = open();
		try {
			assertEquals(vector, reopened.vector(), "peers are not asked to resend, and see nothing lost");
			assertEquals(last, reopened.lastPosition());
			List<EntityState> docs = reopened.query("doc").collectList().block(T);
			assertEquals(ENTITIES, docs.size());
			for (EntityState s : docs) {
				assertEquals(BOB, s.userId(), s.toString());
			}
			EntityState first = reopened.get("doc", BOB + "-entity-0").block(T);
			assertEquals("{\"note\":\"" + BOB + "-secret-0\",\"n\":0,\"extra\":\"" + BOB + "-patched-0\"}", first.json(),
					"alice's PUT over bob's entity is gone: bob's own events fold again");
			assertNull(reopened.get("doc", ALICE + "-entity-0").block(T));
			assertEquals(20, reopened.query("mail").count().block(T));
			assertEquals(1, reopened.conflicts(null, 10).count().block(T), "bob's conflict stays");
			assertEquals(BOB, reopened.conflicts(null, 10).blockFirst(T).incoming().userId());
			long blanks = reopened.read(0, Integer.MAX_VALUE).filter(Event::isBlank).count().block(T);
			assertEquals(erased, blanks);
			assertEquals(vector.get("device") + 1, reopened.put("doc", "after", "{}").block(T).originSeq(),
					"writes continue the sequence");

			assertEquals(erased, (long) reopened.fill(upstreamCopy).block(T), "alice logs in again: every blank filled");
			assertEquals(2 * ENTITIES + 2, reopened.query("doc").count().block(T));
			assertEquals(40, reopened.query("mail").count().block(T));
			assertEquals("{\"taken\":\"" + ALICE + "-secret-conflict\"}", reopened.get("doc", BOB + "-entity-0").block(T).json(),
					"alice's later PUT wins again, as before the erase");
		}
		finally {
			reopened.closeAsync().block(T);
		}
	}

	@Test
	void eraseOnAnInMemoryDatabaseNeedsNoRewrite() {
		SyncEngine engine = SyncEngine.builder().storage(H2Storage.builder().inMemory("erase-" + UUID.randomUUID())
				.open().block(T)).origin("m").open().block(T);
		try {
			engine.write(WriteRequest.put("doc", "a", "{}").withUserId(ALICE)).block(T);
			engine.write(WriteRequest.put("doc", "b", "{}").withUserId(BOB)).block(T);
			assertEquals(1L, engine.erase(ALICE).block(T));
			assertEquals(List.of("b"), engine.query("doc").map(EntityState::entityId).collectList().block(T));
			assertEquals(1L, engine.read(0, 10).filter(Event::isBlank).count().block(T));
		}
		finally {
			engine.closeAsync().block(T);
		}
	}
}
