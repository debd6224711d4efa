package io.tributary.transport.peer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.transport.SyncReport;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-peer type filters: a partial replica receives the content of the types it asked for and stubs of
 * the rest, keeps its vector gapless, and never passes a stub on as content.
 */
class PeerFilterTest extends PeerTestBase {

	private static void writeBoth(SyncEngine e, int n) {
		Flux.range(0, n).concatMap(i -> i % 3 == 0 ? e.put("note", "n" + (i % 10), "{\"i\":" + i + "}")
				: e.put("todo", "t" + (i % 20), "{\"i\":" + i + "}")).blockLast(T);
	}

	private SyncReport sync(SyncEngine from, PeerServer to, PeerConfig config) {
		return new PeerConnector(from, config, new PeerAddress("127.0.0.1", to.port()), Backoff.defaults())
				.syncOnce(T).block(T);
	}

	@Test
	void partialReplicaGetsTheTypesItAskedForAndStubsOfTheRest() {
		SyncEngine full = engine("full");
		writeBoth(full, 300);
		PeerServer server = server(full, PeerConfig.defaults());
		SyncEngine partial = engine("partial");
		PeerConfig todosOnly = PeerConfig.defaults().withTypes(Set.of("todo"));
		assertTrue(sync(partial, server, todosOnly).ok());

		assertEquals(full.vector(), partial.vector(), "the vector stays gapless");
		assertEquals(full.query("todo").collectList().block(T), partial.query("todo").collectList().block(T));
		assertEquals(List.of(), partial.query("note").collectList().block(T), "no note was projected");
		for (Event e : partial.events(0).take(partial.lastPosition()).collectList().block(T)) {
			if (e.type().equals("note")) {
				assertTrue(e.isStub(), "note content withheld: " + e);
				assertNull(e.payload());
			}
			else {
				assertTrue(!e.isStub(), "todo content held: " + e);
			}
		}
		// later writes follow the same rule, and the partial replica's own writes of any type go up in full
		writeBoth(full, 30);
		partial.put("note", "mine", "{\"by\":\"partial\"}").block(T);
		assertTrue(sync(partial, server, todosOnly).ok());
		assertEquals("{\"by\":\"partial\"}", full.get("note", "mine").block(T).json());
		assertEquals(full.query("todo").collectList().block(T), partial.query("todo").collectList().block(T));
	}

	@Test
	void stubsAreNeverPassedOnAsContent() {
		SyncEngine full = engine("full");
		writeBoth(full, 120);
		PeerServer fullServer = server(full, PeerConfig.defaults());
		SyncEngine partial = engine("partial");
		assertTrue(sync(partial, fullServer, PeerConfig.defaults().withTypes(Set.of("todo"))).ok());

		// a full replica that can only reach the partial one gets no note content, and no stub either
		PeerServer partialServer = server(partial, PeerConfig.defaults());
		SyncEngine other = engine("other");
		new PeerConnector(other, PeerConfig.defaults(), new PeerAddress("127.0.0.1", partialServer.port()),
				Backoff.defaults()).syncOnce(Duration.ofSeconds(3)).block(T);
		for (Event e : other.events(0).take(other.lastPosition()).collectList().block(T)) {
			assertTrue(!e.isStub(), "a full replica stores no stub: " + e);
		}
		assertEquals(List.of(), other.query("note").collectList().block(T));
		assertTrue(other.vector().get("full") < full.vector().get("full"), "it stops at the first note it cannot get");

		// once it reaches a replica that holds the content, it converges, each event once
		assertTrue(sync(other, fullServer, PeerConfig.defaults()).ok());
		assertEquals(full.vector(), other.vector());
		assertEquals(full.query("note").collectList().block(T), other.query("note").collectList().block(T));
		Set<UUID> ids = new HashSet<>();
		for (Event e : other.events(0).take(other.lastPosition()).collectList().block(T)) {
			assertTrue(ids.add(e.id()), "duplicate " + e);
		}
	}
}
