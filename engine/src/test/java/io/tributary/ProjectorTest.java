package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static io.tributary.TestEvents.event;
import static io.tributary.TestEvents.put;
import static io.tributary.TestEvents.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The projection as a user sees it through {@link SyncEngine}: every strategy, late and out-of-order events,
 * tombstones and conflicts. Remote events are built with {@code new Event(...)} and fed with
 * {@link SyncEngine#apply(List)}.
 */
class ProjectorTest {

	private static final long T0 = 1_700_000_000_000L;

	private final List<SyncEngine> engines = new ArrayList<>();

	@AfterEach
	void closeEngines() {
		for (SyncEngine e : engines) {
			await(e.closeAsync());
		}
	}

	private SyncEngine engine(ProjectionPolicy policy) {
		SyncEngine e = await(SyncEngine.builder().storage(new InMemoryStorage()).origin("local")
				.clock(new MutableClock(T0)).projection(policy).checkpointInterval(Duration.ofHours(1)).open());
		engines.add(e);
		return e;
	}

	private SyncEngine engine(ConflictStrategy strategy) {
		return engine(ProjectionPolicy.builder().defaultStrategy(strategy).build());
	}

	private static void applyEach(SyncEngine engine, Event... events) {
		for (Event e : events) {
			await(engine.apply(List.of(e)));
		}
	}

	private static EntityState state(SyncEngine engine, String id) {
		return await(engine.get("doc", id));
	}

	private static String json(SyncEngine engine, String id) {
		return state(engine, id).json();
	}

	// ------------------------------------------------------------ LAST_WRITE_WINS

	@Test
	void newestPutWinsWhateverTheArrivalOrder() {
		Event older = put("a", 1, T0 + 100, "x", "{\"v\":\"older\"}");
		Event newer = put("b", 1, T0 + 200, "x", "{\"v\":\"newer\"}");

		SyncEngine inOrder = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(inOrder, older, newer);
		SyncEngine reversed = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(reversed, newer, older);

		assertEquals("{\"v\":\"newer\"}", json(inOrder, "x"));
		assertEquals(newer.id(), state(inOrder, "x").version());
		assertEquals(state(inOrder, "x"), state(reversed, "x"));
	}

	@Test
	void equalStampsAreBrokenByOrigin() {
		Event fromA = put("a", 1, T0 + 100, "x", "{\"v\":\"a\"}");
		Event fromB = put("b", 1, T0 + 100, "x", "{\"v\":\"b\"}");

		SyncEngine one = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(one, fromB, fromA);
		SyncEngine two = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(two, fromA, fromB);

		assertEquals("{\"v\":\"b\"}", json(one, "x"), "the greater origin wins a tie");
		assertEquals(state(one, "x"), state(two, "x"));
	}

	@Test
	void patchMergesTopLevelFieldsAndNullRemovesAField() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		await(engine.put("doc", "x", "{\"a\":1,\"nested\":{\"keep\":true,\"x\":1},\"gone\":3}"));
		Event patch = await(engine.patch("doc", "x", "{\"nested\":{\"y\":2},\"gone\":null,\"added\":\"new\"}"));

		EntityState s = state(engine, "x");
		assertEquals(tree("{\"a\":1,\"nested\":{\"y\":2},\"added\":\"new\"}"), tree(s.json()),
				"a LAST_WRITE_WINS patch replaces top-level fields whole and null removes one");
		assertEquals(patch.id(), s.version());
		assertFalse(s.deleted());
	}

	@Test
	void patchOfAnUnknownEntityStartsFromAnEmptyDocument() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		await(engine.patch("doc", "x", "{\"a\":1,\"b\":null}"));
		assertEquals(tree("{\"a\":1}"), tree(json(engine, "x")));
	}

	@Test
	void deleteLeavesATombstoneThatAnOlderPutDoesNotResurrect() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		Event delete = event("a", 1, T0 + 200, "doc", "x", Op.DELETE, null, null);
		Event olderPut = put("b", 1, T0 + 100, "x", "{\"v\":\"late\"}");
		Event olderPatch = event("b", 2, T0 + 150, "doc", "x", Op.PATCH, "{\"w\":1}", null);

		applyEach(engine, delete, olderPut, olderPatch);

		EntityState s = state(engine, "x");
		assertTrue(s.deleted(), "still a tombstone: " + s);
		assertNull(s.document());
		assertEquals(delete.id(), s.version());
		StepVerifier.create(engine.query("doc")).expectComplete().verify(TIMEOUT);

		Event newerPut = put("b", 3, T0 + 300, "x", "{\"v\":\"back\"}");
		applyEach(engine, newerPut);
		assertEquals("{\"v\":\"back\"}", json(engine, "x"), "a newer PUT does bring the entity back");
	}

	@Test
	void olderPatchArrivingLateIsFoldedInStampOrder() {
		Event putEvent = put("a", 1, T0 + 100, "x", "{\"v\":0}");
		Event older = event("b", 1, T0 + 200, "doc", "x", Op.PATCH, "{\"v\":1,\"from\":\"b\"}", null);
		Event newer = event("a", 2, T0 + 300, "doc", "x", Op.PATCH, "{\"v\":2}", null);

		SyncEngine late = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(late, putEvent, newer, older);
		SyncEngine inOrder = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(inOrder, putEvent, older, newer);

		assertEquals(tree("{\"v\":2,\"from\":\"b\"}"), tree(json(late, "x")));
		assertEquals(state(inOrder, "x"), state(late, "x"));
	}

	// ------------------------------------------------------------ FIELD_MERGE

	@Test
	void concurrentPatchesOfDifferentNestedFieldsBothSurvive() {
		Event base = put("a", 1, T0 + 100, "x", "{\"profile\":{\"name\":\"ann\",\"age\":30},\"tags\":[1]}");
		Event rename = event("a", 2, T0 + 300, "doc", "x", Op.PATCH, "{\"profile\":{\"name\":\"Ann\"}}", base.id());
		Event birthday = event("b", 1, T0 + 200, "doc", "x", Op.PATCH, "{\"profile\":{\"age\":31}}", base.id());

		SyncEngine merged = engine(ConflictStrategy.FIELD_MERGE);
		applyEach(merged, base, rename, birthday);
		SyncEngine otherOrder = engine(ConflictStrategy.FIELD_MERGE);
		applyEach(otherOrder, birthday, base, rename);

		assertEquals(tree("{\"profile\":{\"name\":\"Ann\",\"age\":31},\"tags\":[1]}"), tree(json(merged, "x")));
		assertEquals(state(merged, "x"), state(otherOrder, "x"));

		SyncEngine lww = engine(ConflictStrategy.LAST_WRITE_WINS);
		applyEach(lww, base, rename, birthday);
		assertEquals(tree("{\"profile\":{\"name\":\"Ann\"},\"tags\":[1]}"), tree(json(lww, "x")),
				"for contrast: LAST_WRITE_WINS replaces the whole top-level field");
	}

	@Test
	void fieldMergePatchFollowsRfc7386() {
		// the examples of RFC 7386, appendix A, whose patch is an object
		String[][] cases = {
				{ "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
				{ "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
				{ "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
				{ "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
				{ "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
				{ "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
				{ "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}" },
				{ "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
				{ "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
				{ "{\"a\":\"foo\"}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
				{ "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
				{ "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\",\"familyName\":\"Doe\"},"
						+ "\"tags\":[\"example\",\"sample\"],\"content\":\"This will be unchanged\"}",
						"{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\",\"author\":{\"familyName\":null},"
								+ "\"tags\":[\"example\"]}",
						"{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},\"tags\":[\"example\"],"
								+ "\"content\":\"This will be unchanged\",\"phoneNumber\":\"+01-123-456-7890\"}" } };
		SyncEngine engine = engine(ConflictStrategy.FIELD_MERGE);
		for (int i = 0; i < cases.length; i++) {
			String id = "rfc" + i;
			await(engine.put("doc", id, cases[i][0]));
			await(engine.patch("doc", id, cases[i][1]));
			assertEquals(tree(cases[i][2]), tree(json(engine, id)), "RFC 7386 case " + cases[i][0] + " + " + cases[i][1]);
		}
	}

	// ------------------------------------------------------------ ORIGIN_PRIORITY

	private static ProjectionPolicy serverWins() {
		return ProjectionPolicy.builder().defaultStrategy(ConflictStrategy.ORIGIN_PRIORITY)
				.originRanking(List.of("server")).build();
	}

	@Test
	void serverWriteBeatsANewerClientWrite() {
		Event server = put("server", 1, T0 + 100, "x", "{\"by\":\"server\"}");
		Event client = put("client", 1, T0 + 500, "x", "{\"by\":\"client\"}");

		SyncEngine serverFirst = engine(serverWins());
		applyEach(serverFirst, server, client);
		SyncEngine clientFirst = engine(serverWins());
		applyEach(clientFirst, client, server);

		assertEquals("{\"by\":\"server\"}", json(serverFirst, "x"));
		assertEquals(server.id(), state(serverFirst, "x").version());
		assertEquals(state(serverFirst, "x"), state(clientFirst, "x"));
	}

	@Test
	void sameRankTiesAreBrokenByStamp() {
		Event clientOld = put("client-a", 1, T0 + 100, "x", "{\"by\":\"a\"}");
		Event clientNew = put("client-b", 1, T0 + 200, "x", "{\"by\":\"b\"}");
		Event serverOld = put("server", 1, T0 + 100, "y", "{\"n\":1}");
		Event serverNew = put("server", 2, T0 + 200, "y", "{\"n\":2}");

		SyncEngine engine = engine(serverWins());
		applyEach(engine, clientNew, clientOld, serverOld, serverNew);

		assertEquals("{\"by\":\"b\"}", json(engine, "x"), "two unranked clients: the newer wins");
		assertEquals("{\"n\":2}", json(engine, "y"), "two server writes: the newer wins");
	}

	// ------------------------------------------------------------ CUSTOM

	private static final CustomResolver COUNTER = (current, event, payload) -> {
		if (payload == null) {
			return null;
		}
		ObjectNode doc = current != null ? current : payload.objectNode().put("total", 0);
		doc.put("total", doc.path("total").asLong() + payload.path("add").asLong());
		return doc;
	};

	/** Order-sensitive on purpose: the trail records the order in which events were folded. */
	private static final CustomResolver TRAIL = (current, event, payload) -> {
		ObjectNode doc = current != null ? current : payload.objectNode().put("trail", "");
		doc.put("trail", doc.path("trail").asText() + payload.path("s").asText());
		return doc;
	};

	/** A batch folds as its events one at a time would, including a fold that throws and later events of its entity. */
	@Test
	void aBatchFoldsAsItsEventsOneByOne() {
		CustomResolver fragile = (current, event, payload) -> {
			if (payload != null && payload.has("boom")) {
				throw new IllegalStateException("resolver bug");
			}
			return COUNTER.fold(current, event, payload);
		};
		ProjectionPolicy policy = ProjectionPolicy.builder().custom("doc", fragile).build();
		List<Event> first = List.of(put("a", 1, T0, "x", "{\"add\":1}"), put("a", 2, T0 + 1, "w", "{\"add\":5}"));
		List<Event> batch = List.of(put("b", 1, T0 + 2, "y", "{\"boom\":1}"), put("b", 2, T0 + 3, "y", "{\"add\":2}"),
				put("b", 3, T0 + 4, "x", "{\"boom\":1}"), put("b", 4, T0 + 5, "x", "{\"add\":3}"),
				put("b", 5, T0 + 6, "z", "{\"add\":4}"), put("b", 6, T0 + 7, "z", "{\"add\":6}"),
				put("a", 3, T0 + 8, "w", "{\"add\":7}"));

		SyncEngine batched = engine(policy);
		await(batched.apply(first));
		await(batched.apply(batch));
		SyncEngine single = engine(policy);
		applyEach(single, first.toArray(new Event[0]));
		applyEach(single, batch.toArray(new Event[0]));

		assertEquals(await(single.query("doc").collectList()), await(batched.query("doc").collectList()));
		assertEquals("{\"total\":4}", json(batched, "x"), "the failed event stays out; the later one folds in");
		assertEquals("{\"total\":2}", json(batched, "y"), "an entity whose first event failed still gets the next");
		assertEquals("{\"total\":10}", json(batched, "z"));
		assertEquals("{\"total\":12}", json(batched, "w"));
	}

	@Test
	void customCounterSumsAFieldAcrossOrigins() {
		SyncEngine engine = engine(ProjectionPolicy.builder().custom("doc", COUNTER).build());
		applyEach(engine, event("a", 1, T0 + 100, "doc", "c", Op.PATCH, "{\"add\":5}", null),
				event("b", 1, T0 + 50, "doc", "c", Op.PATCH, "{\"add\":-2}", null));
		await(engine.patch("doc", "c", "{\"add\":10}"));

		assertEquals(tree("{\"total\":13}"), tree(json(engine, "c")));
	}

	@Test
	void customOlderEventArrivingLateIsFoldedInCanonicalOrder() {
		Event first = event("a", 1, T0 + 100, "doc", "t", Op.PATCH, "{\"s\":\"1\"}", null);
		Event second = event("b", 1, T0 + 200, "doc", "t", Op.PATCH, "{\"s\":\"2\"}", null);
		Event third = event("a", 2, T0 + 300, "doc", "t", Op.PATCH, "{\"s\":\"3\"}", null);
		Event tieB = event("c", 1, T0 + 300, "doc", "t", Op.PATCH, "{\"s\":\"4\"}", null);

		SyncEngine inOrder = engine(ProjectionPolicy.builder().custom("doc", TRAIL).build());
		applyEach(inOrder, first, second, third, tieB);
		SyncEngine late = engine(ProjectionPolicy.builder().custom("doc", TRAIL).build());
		applyEach(late, tieB, third, first, second);

		assertEquals("{\"trail\":\"1234\"}", json(inOrder, "t"));
		assertEquals(state(inOrder, "t"), state(late, "t"), "late arrivals are re-folded in (hlc, origin) order");
	}

	@Test
	void customResolverReturningNullLeavesATombstone() {
		SyncEngine engine = engine(ProjectionPolicy.builder().custom("doc", COUNTER).build());
		await(engine.patch("doc", "c", "{\"add\":1}"));
		await(engine.delete("doc", "c"));
		assertTrue(state(engine, "c").deleted());
		await(engine.patch("doc", "c", "{\"add\":4}"));
		assertEquals(tree("{\"total\":4}"), tree(json(engine, "c")), "the fold restarts after the tombstone");
	}

	// ------------------------------------------------------------ conflicts

	@Test
	void eventWhoseBaseIsNotTheHeadIsReportedAndStored() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		Event head = await(engine.put("doc", "x", "{\"v\":\"local\"}"));
		// a peer that never saw the local write: its base is null
		Event incoming = put("peer", 1, T0 + 10_000, "x", "{\"v\":\"peer\"}");

		engine.signals().ofType(SyncSignal.ConflictDetected.class).next()
				.as(StepVerifier::create)
				.then(() -> await(engine.apply(List.of(incoming))))
				.assertNext(signal -> {
					Conflict c = signal.conflict();
					assertEquals(incoming.id(), c.incoming().id());
					assertEquals(head.id(), c.head().id());
					assertEquals(incoming.id(), c.winner(), "the peer's write is newer");
					assertEquals(ConflictStrategy.LAST_WRITE_WINS, c.strategy());
				})
				.verifyComplete();

		engine.conflicts("doc", 10)
				.as(StepVerifier::create)
				.assertNext(c -> {
					assertEquals("doc", c.type());
					assertEquals("x", c.entityId());
					assertEquals(incoming.id(), c.incoming().id());
					assertTrue(c.incoming().position() > 0, "the stored incoming event carries its position");
					assertEquals(head, c.head());
					assertEquals(incoming.id(), c.winner());
				})
				.expectComplete()
				.verify(TIMEOUT);
		StepVerifier.create(engine.conflicts("other", 10)).expectComplete().verify(TIMEOUT);
	}

	@Test
	void losingConflictKeepsTheHeadAsWinner() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		Event head = await(engine.put("doc", "x", "{\"v\":\"local\"}"));
		Event stale = put("peer", 1, T0 - 10_000, "x", "{\"v\":\"stale\"}");

		await(engine.apply(List.of(stale)));

		assertEquals("{\"v\":\"local\"}", json(engine, "x"));
		StepVerifier.create(engine.conflicts(null, 10))
				.assertNext(c -> {
					assertEquals(stale.id(), c.incoming().id());
					assertEquals(head.id(), c.winner());
				})
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void writesThatSawTheHeadRaiseNoConflict() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		Event first = await(engine.put("doc", "x", "{\"v\":1}"));
		await(engine.patch("doc", "x", "{\"w\":2}"));
		Event remote = event("peer", 1, T0 + 10_000, "doc", "x", Op.PATCH, "{\"p\":3}",
				state(engine, "x").version());
		await(engine.apply(List.of(remote)));
		await(engine.write(WriteRequest.put("doc", "x", "{\"v\":4}").withBase(state(engine, "x").version())));

		StepVerifier.create(engine.conflicts(null, 10)).expectComplete().verify(TIMEOUT);

		UUID stale = first.id();
		await(engine.write(WriteRequest.patch("doc", "x", "{\"v\":5}").withBase(stale)));
		StepVerifier.create(engine.conflicts(null, 10))
				.assertNext(c -> assertEquals(stale, c.incoming().base(), "a local write with a stale base conflicts"))
				.expectComplete()
				.verify(TIMEOUT);
	}

	// ------------------------------------------------------------ conflict pages

	@Test
	void conflictPagesShowWhatACheckpointSavedAndForceNone() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		List<Event> incoming = new ArrayList<>();
		for (String id : List.of("x", "y", "z")) {
			await(engine.put("doc", id, "{\"v\":\"local\"}"));
			incoming.add(put("peer", incoming.size() + 1, T0 + 10_000, id, "{\"v\":\"peer\"}"));
		}
		await(engine.apply(incoming));

		StepVerifier.create(engine.conflicts(null, 0, 10)).expectComplete().verify(TIMEOUT);
		StepVerifier.create(engine.conflicts(null, 0, 10)).as("a read forced no checkpoint").expectComplete()
				.verify(TIMEOUT);

		await(engine.checkpoint());
		List<UUID> paged = new ArrayList<>();
		long cursor = 0;
		for (List<Conflict> page = await(engine.conflicts("doc", cursor, 2).collectList()); !page.isEmpty();
				page = await(engine.conflicts("doc", cursor, 2).collectList())) {
			page.forEach(c -> paged.add(c.incoming().id()));
			cursor = page.get(page.size() - 1).incoming().position();
		}
		assertEquals(incoming.stream().map(Event::id).toList(), paged, "each conflict once, in log order");
		StepVerifier.create(engine.conflicts("other", 0, 10)).expectComplete().verify(TIMEOUT);
	}

	@Test
	void aUsersConflictPagesHoldTheConflictsInvolvingTheUserWithOtherUsersEventsBlank() {
		SyncEngine engine = engine(ConflictStrategy.LAST_WRITE_WINS);
		UserView alice = engine.forUser("alice");
		UserView bob = engine.forUser("bob");
		List<Event> peer = new ArrayList<>();
		// more of bob's conflicts than the view reads from the store at once, before and between alice's
		for (int i = 0; i < 300; i++) {
			await(bob.put("doc", "bob-" + i, "{}"));
			peer.add(owned(put("p", peer.size() + 1, T0 + 10_000, "bob-" + i, "{\"v\":1}"), "bob"));
		}
		Event aliceHead = await(alice.put("doc", "shared", "{\"v\":\"alice\"}"));
		Event bobsIncoming = owned(put("p", peer.size() + 1, T0 + 10_000, "shared", "{\"v\":\"bob\"}"), "bob");
		peer.add(bobsIncoming);
		for (int i = 0; i < 300; i++) {
			await(bob.put("doc", "more-" + i, "{}"));
			peer.add(owned(put("p", peer.size() + 1, T0 + 10_000, "more-" + i, "{\"v\":1}"), "bob"));
		}
		await(alice.put("doc", "own", "{}"));
		Event alicesIncoming = owned(put("p", peer.size() + 1, T0 + 10_000, "own", "{\"v\":2}"), "alice");
		peer.add(alicesIncoming);
		await(engine.apply(peer));
		await(engine.checkpoint());
		assertEquals(602L, await(engine.conflicts(null, 0, 1000).count()));

		List<Conflict> first = await(alice.conflicts(null, 0, 1).collectList());
		assertEquals(1, first.size());
		Conflict shared = first.get(0);
		assertEquals(aliceHead, shared.head(), "alice's side as it is");
		assertEquals(bobsIncoming.id(), shared.incoming().id());
		assertTrue(shared.incoming().isBlank(), "bob's side as a blank");
		List<Conflict> second = await(alice.conflicts(null, shared.incoming().position(), 10).collectList());
		assertEquals(1, second.size());
		assertEquals(alicesIncoming.id(), second.get(0).incoming().id());
		assertFalse(second.get(0).incoming().isBlank());
		assertEquals(List.of(), await(alice.conflicts(null, second.get(0).incoming().position(), 10).collectList()));
		assertEquals(601L, await(bob.conflicts(null, 0, 1000).count()), "bob's own, and the shared one");
		assertEquals(0L, await(engine.forUser("carol").conflicts(null, 0, 1000).count()));
	}

	private static Event owned(Event e, String userId) {
		return new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), e.type(), e.entityId(), e.op(), e.payload(),
				e.base(), userId, e.schemaVersion(), e.position());
	}
}
