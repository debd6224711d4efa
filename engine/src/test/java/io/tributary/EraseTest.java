package io.tributary;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EraseTest {

	private static final long T0 = 1_700_000_000_000L;

	private final OpenEngines engines = new OpenEngines();
	private final MutableClock clock = new MutableClock(T0);

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	private SyncEngine engine(InMemoryStorage storage, ProjectionPolicy policy) {
		return engines.open(SyncEngine.builder().storage(storage).origin("dev").clock(clock).projection(policy)
				.checkpointInterval(Duration.ofHours(1)));
	}

	private static WriteRequest as(String user, WriteRequest r) {
		return r.withUserId(user);
	}

	@Test
	void eraseBlanksTheUsersEventsAndRemovesTheirEntitiesWhileOthersStay() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, ProjectionPolicy.defaults());
		await(engine.write(as("alice", WriteRequest.put("doc", "a1", "{\"secret\":\"alice-1\"}"))));
		await(engine.write(as("bob", WriteRequest.put("doc", "b1", "{\"v\":\"bob-1\"}"))));
		await(engine.write(as("alice", WriteRequest.put("note", "a2", "{\"secret\":\"alice-2\"}"))));
		VersionVector before = engine.vector();

		StepVerifier.create(engine.signals().ofType(SyncSignal.UserErased.class).next())
				.then(() -> assertEquals(2L, await(engine.erase("alice"))))
				.expectNext(new SyncSignal.UserErased(2, 2))
				.expectComplete()
				.verify(TIMEOUT);

		assertNull(await(engine.get("doc", "a1")));
		assertNull(await(engine.get("note", "a2")));
		assertEquals(List.of("doc"), await(engine.types().collectList()), "a type left with no entity is gone");
		assertEquals("{\"v\":\"bob-1\"}", await(engine.get("doc", "b1")).json());
		assertEquals(before, engine.vector(), "the vector does not change");
		for (Event e : await(engine.read(0, 10).collectList())) {
			assertTrue(e.isBlank() || "bob".equals(e.userId()), e.toString());
		}
		assertEquals(4, await(engine.write(as("bob", WriteRequest.put("doc", "b2", "{}")))).originSeq(),
				"writes continue the sequence");
	}

	@Test
	void anEntityBothUsersWroteIsFoldedAgainFromWhatRemainsOfTheLog() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, ProjectionPolicy.defaults());
		await(engine.write(as("bob", WriteRequest.put("doc", "shared", "{\"by\":\"bob\",\"v\":1}"))));
		clock.advance(10);
		// alice's PUT drops bob's from the fold: only the log still has it
		await(engine.write(as("alice", WriteRequest.put("doc", "shared", "{\"by\":\"alice\"}"))));
		clock.advance(10);
		await(engine.write(as("bob", WriteRequest.patch("doc", "shared", "{\"v\":2}"))));
		assertEquals("{\"by\":\"alice\",\"v\":2}", await(engine.get("doc", "shared")).json());

		assertEquals(1L, await(engine.erase("alice")));

		EntityState after = await(engine.get("doc", "shared"));
		assertEquals("{\"by\":\"bob\",\"v\":2}", after.json(), "bob's PUT then bob's PATCH");
		assertEquals("bob", after.userId());

		engines.close(engine);
		SyncEngine reopened = engine(storage, ProjectionPolicy.defaults());
		assertEquals(after, await(reopened.get("doc", "shared")), "the refolded entity was checkpointed");
	}

	@Test
	void aRestartBeforeTheNextCheckpointReplaysTheLogToTheSameState() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, ProjectionPolicy.defaults());
		await(engine.write(as("bob", WriteRequest.put("doc", "shared", "{\"v\":1}"))));
		await(engine.write(as("alice", WriteRequest.put("doc", "shared", "{\"v\":2}"))));
		await(engine.write(as("bob", WriteRequest.put("doc", "b", "{\"v\":3}"))));
		await(engine.checkpoint());

		engines.close(engine);
		// only the store's part of an erase, as if the engine died before folding again and checkpointing
		assertEquals(1L, await(storage.erase("alice")));

		SyncEngine reopened = engine(storage, ProjectionPolicy.defaults());
		assertEquals("{\"v\":1}", await(reopened.get("doc", "shared")).json());
		assertEquals("{\"v\":3}", await(reopened.get("doc", "b")).json());
	}

	@Test
	void conflictsInvolvingTheUserAreErased() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engine(storage, ProjectionPolicy.defaults());
		Event bob = await(engine.write(as("bob", WriteRequest.put("doc", "x", "{\"v\":1}"))));
		await(engine.write(as("alice", WriteRequest.put("doc", "x", "{\"v\":2}").withBase(new UUID(0, 1)))));
		await(engine.write(as("carol", WriteRequest.put("doc", "y", "{\"v\":1}"))));
		await(engine.write(as("carol", WriteRequest.put("doc", "y", "{\"v\":2}").withBase(new UUID(0, 2)))));
		assertEquals(2, await(engine.conflicts(null, 10).count()));

		await(engine.erase("alice"));

		List<Conflict> left = await(engine.conflicts(null, 10).collectList());
		assertEquals(1, left.size());
		assertEquals("y", left.get(0).entityId());
		assertEquals(bob.id(), await(engine.get("doc", "x")).version());
	}

	@Test
	void writesWaitForAnEraseAndAllLandAfterIt() {
		SyncEngine engine = engine(new InMemoryStorage(), ProjectionPolicy.defaults());
		for (int i = 0; i < 50; i++) {
			await(engine.write(as(i % 2 == 0 ? "alice" : "bob", WriteRequest.put("doc", "e" + i, "{}"))));
		}
		reactor.core.publisher.Mono<Long> erase = engine.erase("alice");
		Flux<Event> writes = Flux.range(0, 100).flatMap(i -> engine.write(as("alice", WriteRequest.put("doc", "n" + i, "{}"))));
		long erased = await(reactor.core.publisher.Mono.zip(erase, writes.count()).map(t -> {
			assertEquals(100L, t.getT2(), "every write committed");
			return t.getT1();
		}));

		assertEquals(150, engine.vector().get("dev"));
		List<String> alice = await(engine.query("doc").filter(s -> "alice".equals(s.userId())).map(EntityState::entityId)
				.collectList());
		assertTrue(alice.stream().allMatch(id -> id.startsWith("n")), alice.toString());
		assertEquals(100 - (erased - 25), alice.size(), "writes committed before the erase were erased, none after");
		assertEquals(25, await(engine.query("doc").filter(s -> "bob".equals(s.userId())).count()));
	}

	@Test
	void eraseAfterCloseFails() {
		SyncEngine engine = engine(new InMemoryStorage(), ProjectionPolicy.defaults());
		engines.close(engine);
		engine.erase("alice").as(StepVerifier::create).expectError(EngineClosedException.class).verify(TIMEOUT);
	}

	@Test
	void aUserWhoLogsInAgainGetsTheirDataBackByFillingTheBlanks() {
		SyncEngine node = engine(new InMemoryStorage(), ProjectionPolicy.defaults());
		await(node.forUser("alice").put("doc", "a-node", "{\"v\":1}"));
		await(node.forUser("bob").put("doc", "b-node", "{\"v\":1}"));
		InMemoryStorage deviceStore = new InMemoryStorage();
		SyncEngine device = engines.open(SyncEngine.builder().storage(deviceStore).origin("phone").currentUser("alice")
				.checkpointInterval(Duration.ofHours(1)));

		// alice: pull, write, push
		await(node.forUser("alice").lacking(device.vector(), 100).collectList().flatMap(device::apply));
		await(device.put("doc", "a-phone", "{\"v\":2}"));
		await(device.lacking(node.vector(), 100).collectList().flatMap(node.forUser("alice")::apply));
		List<EntityState> alicesData = await(node.forUser("alice").query("doc").collectList());
		assertEquals(2, alicesData.size());
		assertEquals(alicesData, await(device.query("doc").collectList()));

		// logout, bob logs in: his rows are blanks here (alice's view withheld them), so he fills
		await(device.erase("alice"));
		device.switchUser("bob");
		assertEquals(List.of(), await(device.query("doc").collectList()));
		List<Event> bobsLog = await(node.forUser("bob").lacking(VersionVector.empty(), 100).collectList());
		assertEquals(1, await(device.fill(bobsLog)));
		assertEquals(List.of("b-node"), await(device.query("doc").map(EntityState::entityId).collectList()));
		assertEquals(0, await(device.fill(await(node.lacking(VersionVector.empty(), 100).collectList()))),
				"alice's events are refused while bob is the user");

		// bob logs out, alice logs in again and gets everything back, her own phone writes included
		await(device.erase("bob"));
		device.switchUser("alice");
		List<Event> alicesLog = await(node.forUser("alice").lacking(VersionVector.empty(), 100).collectList());
		assertEquals(2, await(device.fill(alicesLog)));
		assertEquals(alicesData, await(device.query("doc").collectList()));
		assertEquals(node.vector(), device.vector());
		assertEquals(0, await(device.fill(alicesLog)), "filling again changes nothing");

		engines.close(device);
		SyncEngine reopened = engines.open(SyncEngine.builder().storage(deviceStore).origin("phone"));
		assertEquals(alicesData, await(reopened.query("doc").collectList()), "fills are durable");
	}
}
