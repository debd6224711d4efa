package io.tributary.storage.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.VersionVector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static io.tributary.storage.postgres.PostgresHorizonTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two storages on one database appending at the same time, each its own origin and both relaying one peer's events
 * in overlapping batches of different sizes: every event is stored once, each origin's sequence has no gap, and both
 * see the same vector and the same log.
 */
class PostgresConcurrentAppendTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(120);
	private static final int OWN = 600;
	private static final int PEER = 700;

	private PostgresStorage nodeA;
	private PostgresStorage nodeB;

	@BeforeEach
	void open() {
		String database = EmbeddedPostgresFixture.freshDatabase();
		nodeA = EmbeddedPostgresFixture.storage(database).node("a").open().block(TIMEOUT);
		nodeB = EmbeddedPostgresFixture.storage(database).node("b").open().block(TIMEOUT);
	}

	@AfterEach
	void close() {
		nodeA.close().block(TIMEOUT);
		nodeB.close().block(TIMEOUT);
	}

	/** Batches of an origin's events 1..count, in order, of the given size. */
	private static Flux<List<Event>> batches(String origin, int count, int size) {
		return Flux.range(1, count).map(seq -> event(origin, seq)).buffer(size);
	}

	/** One node's appends, one batch at a time (as the engine appends), its own and the peer's alternating. */
	private static Mono<Void> writer(PostgresStorage node, String own, int ownBatch, int peerBatch) {
		List<List<Event>> owns = batches(own, OWN, ownBatch).collectList().block(TIMEOUT);
		List<List<Event>> peers = batches("peer", PEER, peerBatch).collectList().block(TIMEOUT);
		List<List<Event>> alternating = new ArrayList<>();
		for (int i = 0; i < Math.max(owns.size(), peers.size()); i++) {
			if (i < owns.size()) {
				alternating.add(owns.get(i));
			}
			if (i < peers.size()) {
				alternating.add(peers.get(i));
			}
		}
		return Flux.fromIterable(alternating).concatMap(batch -> node.events().append(batch)).then();
	}

	@Test
	void everyEventIsStoredOnceWithoutGapsAndBothNodesAgree() {
		Mono.when(writer(nodeA, "node-a", 7, 10), writer(nodeB, "node-b", 11, 13)).block(TIMEOUT);

		List<Event> log = nodeA.events().read(0, Integer.MAX_VALUE).collectList().block(TIMEOUT);
		assertEquals(OWN * 2 + PEER, log.size(), "every event once");
		Set<String> addresses = new HashSet<>();
		Map<String, Long> last = new TreeMap<>();
		long previous = 0;
		for (Event e : log) {
			assertTrue(addresses.add(e.origin() + ":" + e.originSeq()), "stored twice: " + e);
			assertTrue(e.position() > previous, "positions grow");
			previous = e.position();
			assertEquals(last.getOrDefault(e.origin(), 0L) + 1, e.originSeq(), "no gap, in sequence order: " + e);
			last.put(e.origin(), e.originSeq());
		}
		VersionVector expected = VersionVector.empty().with("node-a", OWN).with("node-b", OWN).with("peer", PEER);
		assertEquals(expected, nodeA.events().vector().block(TIMEOUT));
		assertEquals(expected, nodeB.events().vector().block(TIMEOUT));
		assertEquals(log, nodeB.events().read(0, Integer.MAX_VALUE).collectList().block(TIMEOUT));
		List<Event> peer = new ArrayList<>();
		for (Event e : log) {
			if (e.origin().equals("peer")) {
				peer.add(e.withPosition(0));
			}
		}
		assertEquals(batches("peer", PEER, PEER).blockFirst(TIMEOUT), peer, "the peer's events as they were sent");
	}
}
