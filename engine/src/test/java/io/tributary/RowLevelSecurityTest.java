package io.tributary;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowLevelSecurityTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	private SyncEngine engine(InMemoryStorage storage, String origin, String user) {
		return engines.open(SyncEngine.builder().storage(storage).origin(origin).clock(new MutableClock(T0))
				.checkpointInterval(Duration.ofHours(1)).currentUser(user));
	}

	/** Every signal of a type from now on, collected from the tap's thread. */
	/** The first {@code count} signals of a type from now on, once they all came (hot: subscribed here). */
	private static <T extends SyncSignal> CompletableFuture<List<T>> signals(SyncEngine engine, Class<T> type,
			int count) {
		return engine.signals().ofType(type).take(count).collectList().toFuture();
	}

	private static Event owned(String origin, long seq, String entityId, String user) {
		Event e = TestEvents.put(origin, seq, T0 + seq, entityId, "{\"n\":" + seq + "}");
		return new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), e.type(), e.entityId(), e.op(), e.payload(), e.base(),
				user, e.schemaVersion(), 0);
	}

	@Test
	void localWritesAreStampedWithTheCurrentUser() {
		SyncEngine engine = engine(new InMemoryStorage(), "dev", "alice");
		assertEquals("alice", engine.currentUser());

		assertEquals("alice", await(engine.put("doc", "1", "{}")).userId());
		assertEquals("alice", await(engine.write(WriteRequest.put("doc", "2", "{}").withUserId("alice"))).userId());
		assertEquals("alice", await(engine.get("doc", "1")).userId());

		engine.switchUser("bob");
		assertEquals("bob", await(engine.put("doc", "3", "{}")).userId(), "switching user is for the next writes");
		engine.switchUser(null);
		assertNull(await(engine.put("doc", "4", "{}")).userId(), "without a user nothing is stamped");
		assertThrows(IllegalArgumentException.class, () -> engine.switchUser(""));
	}

	@Test
	void aWriteForAnotherUserIsRefusedAndNothingIsStored() throws Exception {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, "dev", "alice");
		CompletableFuture<List<SyncSignal.WriteRejected>> rejected = signals(engine, SyncSignal.WriteRejected.class, 2);

		engine.write(WriteRequest.put("doc", "x", "{}").withUserId("mallory")).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertInstanceOf(RowLevelSecurityException.class, e);
					assertEquals("write to doc/x refused: it is for another user than the one writing", e.getMessage());
				})
				.verify(TIMEOUT);
		engine.writeAll(List.of(WriteRequest.put("doc", "ok", "{}"), WriteRequest.delete("doc", "y").withUserId("bob")))
				.as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertInstanceOf(RowLevelSecurityException.class, e);
					assertTrue(e.getMessage().startsWith("write 1: "), e.getMessage());
				})
				.verify(TIMEOUT);

		assertEquals(VersionVector.empty(), engine.vector());
		assertEquals(0L, await(storage.events().lastPosition()));
		assertEquals(2, rejected.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size(), "each refusal is signalled");
	}

	@Test
	void aWriteToAnEntityOfAnotherUserIsRefused() {
		SyncEngine engine = engine(new InMemoryStorage(), "dev", null);
		await(engine.write(WriteRequest.put("doc", "bobs", "{\"v\":1}").withUserId("bob")));
		await(engine.put("doc", "nobodys", "{\"v\":1}"));
		engine.switchUser("alice");

		engine.patch("doc", "bobs", "{\"v\":2}").as(StepVerifier::create)
				.expectErrorMessage("write to doc/bobs refused: the entity belongs to another user").verify(TIMEOUT);
		engine.delete("doc", "nobodys").as(StepVerifier::create)
				.expectError(RowLevelSecurityException.class).verify(TIMEOUT);
		assertEquals("{\"v\":1}", await(engine.get("doc", "bobs")).json());
		assertEquals(2, engine.lastPosition());
	}

	@Test
	void peerEventsOfAnotherUserOrOfNoUserAreRefusedCountedAndKeptAsBlanks() throws Exception {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, "dev", "alice");
		CompletableFuture<List<SyncSignal.RemoteRefused>> refused = signals(engine, SyncSignal.RemoteRefused.class, 2);
		List<Event> incoming = List.of(owned("up", 1, "a1", "alice"), owned("up", 2, "b1", "bob"),
				owned("up", 3, "n1", null), owned("up", 4, "a2", "alice"));

		assertEquals(new SyncEngine.ApplyResult(4, 0, 0, 0, 2), await(engine.apply(incoming)));

		assertEquals(VersionVector.empty().with("up", 4), engine.vector(), "the vector stays gapless");
		List<Event> stored = await(storage.events().read(0, 10).collectList());
		assertEquals(List.of(incoming.get(0).withPosition(1), incoming.get(1).blank().withPosition(2),
				incoming.get(2).blank().withPosition(3), incoming.get(3).withPosition(4)), stored);
		assertFalse(stored.stream().anyMatch(e -> "bob".equals(e.userId()) || "b1".equals(e.entityId())),
				"nothing of bob's event is stored");
		assertEquals(List.of("a1", "a2"), await(engine.query("doc").map(EntityState::entityId).collectList()));
		assertEquals(List.of(), await(engine.types().filter(Event.BLANK_TYPE::equals).collectList()),
				"blanks are not projected");

		assertEquals(List.of(new SyncSignal.RemoteRefused("up", 2, "doc", "alice"),
				new SyncSignal.RemoteRefused("up", 3, "doc", "alice")), refused.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

		assertEquals(new SyncEngine.ApplyResult(0, 4, 0, 0, 2), await(engine.apply(incoming)), "resent: duplicates");
	}

	@Test
	void withoutACurrentUserEveryUsersEventsAreAccepted() {
		SyncEngine engine = engine(new InMemoryStorage(), "node", null);
		assertEquals(new SyncEngine.ApplyResult(3, 0, 0, 0, 0), await(engine.apply(List.of(owned("up", 1, "a", "alice"),
				owned("up", 2, "b", "bob"), owned("up", 3, "n", null)))));
		assertEquals(3, await(engine.query("doc").count()));
	}

	@Test
	void localWritesOfTheReservedBlankTypeAreRefused() {
		SyncEngine engine = engine(new InMemoryStorage(), "dev", null);
		engine.delete(Event.BLANK_TYPE, "x").as(StepVerifier::create)
				.expectErrorMessage("entity type _rejected is reserved for blanks").verify(TIMEOUT);
		Event real = owned("up", 1, "x", null);
		Event blank = real.blank();
		assertTrue(blank.isStub() && blank.isBlank(), "a blank is a stub");
		assertEquals(new Event(real.id(), "up", 1, real.hlc(), "_rejected", real.id().toString(), Op.PATCH, null, null,
				null, 0, 0), blank, "the peer protocol's rejection stub");
		for (Event fake : List.of(new Event(blank.id(), "up", 1, blank.hlc(), Event.BLANK_TYPE, blank.entityId(), Op.PATCH,
				null, null, "bob", 0, 0), new Event(blank.id(), "up", 1, blank.hlc(), Event.BLANK_TYPE, blank.entityId(),
						Op.PUT, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null, 0, 0))) {
			engine.apply(List.of(fake)).as(StepVerifier::create)
					.expectErrorMessage("peer event up#1: a blank carries no entity, owner or payload").verify(TIMEOUT);
		}
		assertEquals(new SyncEngine.ApplyResult(1, 0, 0, 0), await(engine.apply(List.of(blank))));
		assertEquals(List.of(), await(engine.types().collectList()), "a blank is not projected");
	}

	// ------------------------------------------------------------ user-scoped views

	/** A node holding alice's, bob's and ownerless data. */
	private SyncEngine node() {
		SyncEngine node = engine(new InMemoryStorage(), "node", null);
		await(node.apply(List.of(owned("up", 1, "a1", "alice"), owned("up", 2, "b1", "bob"), owned("up", 3, "n1", null),
				owned("up", 4, "a2", "alice"))));
		await(node.forUser("bob").put("doc", "b2", "{\"n\":5}"));
		return node;
	}

	@Test
	void aViewReadsOnlyTheUsersEntities() {
		SyncEngine node = node();
		UserView alice = node.forUser("alice");
		UserView bob = node.forUser("bob");

		assertEquals("alice", alice.userId());
		assertEquals(List.of("a1", "a2"), await(alice.query("doc").map(EntityState::entityId).collectList()));
		assertEquals(List.of("b1", "b2"), await(bob.query("doc").map(EntityState::entityId).collectList()));
		assertEquals("a1", await(alice.get("doc", "a1")).entityId());
		assertNull(await(alice.get("doc", "b1")), "another user's entity is as if unknown");
		assertNull(await(alice.get("doc", "n1")), "so is an entity of no user");
		assertEquals(5, await(node.query("doc").count()), "the engine itself is not filtered");
	}

	@Test
	void aViewShowsTheLogWithOtherUsersEventsAsBlanks() {
		SyncEngine node = node();
		UserView alice = node.forUser("alice");
		List<Event> all = await(node.read(0, 10).collectList());

		List<Event> seen = await(alice.read(0, 10).collectList());
		assertEquals(all.stream().map(e -> "alice".equals(e.userId()) ? e : e.blank()).collect(Collectors.toList()), seen);
		assertEquals(seen, await(alice.lacking(VersionVector.empty(), 10).collectList()));
		assertEquals(seen.subList(2, 5), await(alice.lacking(VersionVector.empty(), seen.get(1).position(), 10)
				.collectList()));
		assertEquals(seen, await(alice.events(0).take(5).collectList()));
		assertEquals(seen, await(alice.eventBatches(0).flatMapIterable(l -> l).take(5).collectList()));
		assertEquals(seen.get(1), await(alice.event("up", 2)));
		assertEquals(seen.get(0), await(alice.event("up", 1)));
	}

	@Test
	void aReplicaFedFromAViewHoldsAGaplessVectorAndNothingOfOtherUsers() {
		SyncEngine node = node();
		InMemoryStorage deviceStore = new InMemoryStorage();
		SyncEngine device = engine(deviceStore, "device", "alice");

		SyncEngine.ApplyResult r = await(node.forUser("alice").lacking(device.vector(), 100).collectList()
				.flatMap(device::apply));

		assertEquals(new SyncEngine.ApplyResult(5, 0, 0, 0, 0), r, "blanks are admitted: they carry nothing");
		assertEquals(node.vector(), device.vector());
		assertEquals(List.of("a1", "a2"), await(device.query("doc").map(EntityState::entityId).collectList()));
		for (Event e : await(deviceStore.events().read(0, 100).collectList())) {
			assertTrue(e.isBlank() || "alice".equals(e.userId()) && e.entityId().startsWith("a"), e.toString());
		}
		assertEquals(List.of(), await(node.forUser("alice").lacking(device.vector(), 100).collectList()),
				"resumes by vector like any replica");
	}

	@Test
	void aViewsLiveChangesAreTheUsersOnly() {
		SyncEngine node = node();
		UserView alice = node.forUser("alice");
		alice.changes("doc").map(c -> c.state().entityId()).take(2).collectList().as(StepVerifier::create)
				.then(() -> {
					await(node.forUser("bob").put("doc", "b3", "{}"));
					await(alice.put("doc", "a3", "{}"));
					await(node.put("doc", "n2", "{}"));
					await(alice.patch("doc", "a1", "{\"x\":1}"));
				})
				.expectNext(List.of("a3", "a1"))
				.verifyComplete();
	}

	@Test
	void aViewStampsWritesAndRefusesOtherUsersEntitiesAndEvents() {
		SyncEngine node = node();
		UserView alice = node.forUser("alice");

		assertEquals("alice", await(alice.put("doc", "a9", "{}")).userId());
		alice.patch("doc", "b1", "{\"x\":1}").as(StepVerifier::create)
				.expectError(RowLevelSecurityException.class).verify(TIMEOUT);
		alice.writeAll(List.of(WriteRequest.put("doc", "a10", "{}"), WriteRequest.put("doc", "z", "{}").withUserId("bob")))
				.as(StepVerifier::create).expectError(RowLevelSecurityException.class).verify(TIMEOUT);
		assertNull(await(node.get("doc", "a10")), "a refused batch writes nothing");

		SyncEngine.ApplyResult pushed = await(alice.apply(List.of(owned("dev", 1, "a11", "alice"),
				owned("dev", 2, "b11", "bob"))));
		assertEquals(new SyncEngine.ApplyResult(2, 0, 0, 0, 1), pushed, "a push for another user is refused");
		assertNull(await(node.get("doc", "b11")));
		assertEquals("alice", await(node.get("doc", "a11")).userId());
		assertThrows(IllegalArgumentException.class, () -> node.forUser(""));
	}
}
