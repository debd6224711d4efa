package io.tributary;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Subscription;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.Storage;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static io.tributary.TestEvents.event;
import static io.tributary.TestEvents.put;
import static io.tributary.TestEvents.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyncEngineTest {

	private static final long T0 = 1_700_000_000_000L;

	private final List<SyncEngine> open = new ArrayList<>();

	@AfterEach
	void closeEngines() {
		for (SyncEngine e : open) {
			e.closeAsync().onErrorResume(EngineClosedException.class, x -> Mono.empty()).block(TIMEOUT);
		}
	}

	private SyncEngine.Builder builder(Storage storage) {
		return SyncEngine.builder().storage(storage).origin("a").clock(new MutableClock(T0))
				.checkpointInterval(Duration.ofHours(1));
	}

	private SyncEngine opened(SyncEngine.Builder builder) {
		SyncEngine e = await(builder.open());
		open.add(e);
		return e;
	}

	private SyncEngine engine() {
		return opened(builder(new InMemoryStorage()));
	}

	private static List<Long> oneTo(long n) {
		return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
	}

	// ------------------------------------------------------------ writes

	@Test
	void writesCompleteWithTheCommittedEvent() {
		SyncEngine engine = engine();
		Event[] put = new Event[1];
		Event[] patch = new Event[1];

		engine.put("todo", "t1", "{\"title\":\"milk\"}").as(StepVerifier::create)
				.assertNext(e -> {
					put[0] = e;
					assertEquals(1, e.position());
					assertEquals("a", e.origin());
					assertEquals(1, e.originSeq());
					assertEquals(Op.PUT, e.op());
					assertEquals("todo", e.type());
					assertEquals("t1", e.entityId());
					assertEquals("{\"title\":\"milk\"}", e.payloadJson());
					assertNull(e.base(), "nothing was there before");
					assertEquals(T0, Hlc.millis(e.hlc()));
				})
				.expectComplete()
				.verify(TIMEOUT);
		engine.patch("todo", "t1", Map.of("done", true)).as(StepVerifier::create)
				.assertNext(e -> {
					patch[0] = e;
					assertEquals(2, e.position());
					assertEquals(2, e.originSeq());
					assertEquals(put[0].id(), e.base(), "the base is the previous head");
					assertTrue(e.hlc() > put[0].hlc());
				})
				.expectComplete()
				.verify(TIMEOUT);
		engine.delete("todo", "t1").as(StepVerifier::create)
				.assertNext(e -> {
					assertEquals(3, e.position());
					assertEquals(3, e.originSeq());
					assertEquals(patch[0].id(), e.base());
					assertEquals(Op.DELETE, e.op());
					assertNull(e.payload());
				})
				.expectComplete()
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty().with("a", 3), engine.vector());
		assertEquals(3, engine.lastPosition());
	}

	@Test
	void concurrentWritesGetGaplessSequencesAndPerEntityBases() {
		SyncEngine engine = engine();
		List<Event> events = Flux.range(0, 1000)
				.flatMap(i -> engine.put("todo", "t" + (i % 10), "{\"n\":" + i + "}").subscribeOn(Schedulers.parallel()), 64)
				.collectList().block(TIMEOUT);

		assertNotNull(events);
		List<Long> seqs = events.stream().map(Event::originSeq).sorted().collect(Collectors.toList());
		assertEquals(oneTo(1000), seqs);
		List<Event> byPosition = new ArrayList<>(events);
		byPosition.sort((x, y) -> Long.compare(x.position(), y.position()));
		Map<String, Event> heads = new java.util.HashMap<>();
		for (Event e : byPosition) {
			assertEquals(e.position(), e.originSeq(), "one origin: positions follow its sequence");
			Event previous = heads.put(e.entityId(), e);
			assertEquals(previous == null ? null : previous.id(), e.base(), "base of " + e);
		}
		assertEquals(10, engine.query("todo").count().block(TIMEOUT));
		assertEquals(1000, engine.vector().get("a"));
	}

	@Test
	void getReturnsTheProjectedStateOrNothing() {
		SyncEngine engine = engine();
		Event e = await(engine.put("todo", "t1", "{\"a\":1}"));

		engine.get("todo", "t1").as(StepVerifier::create)
				.assertNext(s -> {
					assertEquals("{\"a\":1}", s.json());
					assertEquals(e.id(), s.version());
					assertEquals(e.hlc(), s.hlc());
					assertEquals("a", s.origin());
					assertFalse(s.deleted());
				})
				.expectComplete()
				.verify(TIMEOUT);
		engine.get("todo", "unknown").as(StepVerifier::create).expectComplete().verify(TIMEOUT);
		engine.get("other", "t1").as(StepVerifier::create).expectComplete().verify(TIMEOUT);
	}

	@Test
	void queryListsLiveEntitiesOfTheTypeSortedById() {
		SyncEngine engine = engine();
		for (String id : List.of("c", "a", "d", "b")) {
			await(engine.put("todo", id, "{\"id\":\"" + id + "\"}"));
		}
		await(engine.put("note", "a", "{}"));
		await(engine.delete("todo", "d"));

		engine.query("todo").map(EntityState::entityId).as(StepVerifier::create)
				.expectNext("a", "b", "c")
				.expectComplete()
				.verify(TIMEOUT);
		assertTrue(await(engine.get("todo", "d")).deleted(), "get still shows the tombstone");
	}

	@Test
	void changesEmitsLiveChangesOfItsTypeOnly() {
		SyncEngine engine = engine();
		await(engine.put("todo", "before", "{}"));

		engine.changes("todo").as(StepVerifier::create)
				.then(() -> {
					await(engine.put("todo", "t1", "{\"a\":1}"));
					await(engine.put("note", "n1", "{\"b\":2}"));
					await(engine.patch("todo", "t1", "{\"c\":3}"));
				})
				.assertNext(c -> {
					assertEquals("t1", c.event().entityId());
					assertEquals("{\"a\":1}", c.state().json());
				})
				.assertNext(c -> {
					assertEquals(Op.PATCH, c.event().op());
					assertEquals(tree("{\"a\":1,\"c\":3}"), tree(c.state().json()));
					assertEquals(c.event().id(), c.state().version());
				})
				.thenCancel()
				.verify(TIMEOUT);
	}

	@Test
	void changesOfEveryTypeIncludeRemoteEvents() {
		SyncEngine engine = engine();
		Event remote = put("b", 1, T0 + 5, "x", "{\"r\":1}");

		engine.changes(null).map(c -> c.event().type() + "/" + c.event().entityId()).as(StepVerifier::create)
				.then(() -> {
					await(engine.put("todo", "t1", "{}"));
					await(engine.apply(List.of(remote)));
				})
				.expectNext("todo/t1", "doc/x")
				.thenCancel()
				.verify(TIMEOUT);
	}

	// ------------------------------------------------------------ events()

	@Test
	void eventsCatchUpThenGoLiveWithoutGapOrDuplicateAtTheSwitch() throws Exception {
		for (int round = 0; round < 20; round++) {
			SyncEngine engine = engine();
			Flux.range(0, 100).flatMap(i -> engine.put("doc", "k" + (i % 7), "{\"i\":" + i + "}"), 8)
					.blockLast(TIMEOUT);

			CompletableFuture<List<Long>> seen = engine.events(0).map(Event::position).take(400).collectList()
					.subscribeOn(Schedulers.boundedElastic()).toFuture();
			CompletableFuture<Void> more = Flux.range(100, 300)
					.flatMap(i -> engine.put("doc", "k" + (i % 7), "{\"i\":" + i + "}")
							.subscribeOn(Schedulers.parallel()), 8)
					.then().toFuture();

			more.get(10, TimeUnit.SECONDS);
			assertEquals(oneTo(400), seen.get(10, TimeUnit.SECONDS), "round " + round);
		}
	}

	@Test
	void eventsAfterAPositionStartRightAfterIt() {
		SyncEngine engine = engine();
		for (int i = 0; i < 5; i++) {
			await(engine.put("doc", "k", "{\"i\":" + i + "}"));
		}
		engine.events(3).map(Event::position).take(3).as(StepVerifier::create)
				.expectNext(4L, 5L)
				.then(() -> await(engine.put("doc", "k", "{}")))
				.expectNext(6L)
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void slowEventsSubscriberIsServedFromTheStoreAndMissesNothing() {
		AtomicInteger reads = new AtomicInteger();
		Storage counting = new ForwardingStorage(new InMemoryStorage()) {
			@Override
			protected Flux<Event> read(long afterPosition, int limit) {
				reads.incrementAndGet();
				return super.read(afterPosition, limit);
			}
		};
		SyncEngine engine = opened(builder(counting).liveBuffer(4));
		List<Event> seen = new CopyOnWriteArrayList<>();
		int behind = 400;

		engine.events(0).doOnNext(seen::add).as(p -> StepVerifier.create(p, 1))
				.then(() -> await(engine.put("doc", "k0", "{}")))
				.expectNextCount(1)
				.then(() -> {
					for (int i = 1; i <= behind; i++) {
						// each write is its own commit: the subscriber requests nothing meanwhile
						await(engine.put("doc", "k" + (i % 5), "{\"i\":" + i + "}"));
					}
				})
				.thenRequest(behind)
				.expectNextCount(behind)
				.then(() -> {
					for (int i = 0; i < 20; i++) {
						await(engine.put("doc", "live", "{\"i\":" + i + "}"));
					}
				})
				.thenRequest(20)
				.expectNextCount(20)
				.thenCancel()
				.verify(TIMEOUT);

		assertEquals(oneTo(behind + 21), seen.stream().map(Event::position).collect(Collectors.toList()),
				"every event exactly once, in position order");
		assertTrue(reads.get() >= 2, "the subscriber fell behind the live buffer and was served from the store again;"
				+ " reads: " + reads.get());
	}

	@Test
	void lackingReturnsTheEventsAVectorDoesNotCover() {
		SyncEngine engine = engine();
		for (int i = 0; i < 3; i++) {
			await(engine.put("doc", "k", "{}"));
		}
		await(engine.apply(List.of(put("b", 1, T0, "x", "{}"), put("b", 2, T0, "y", "{}"))));

		engine.lacking(VersionVector.empty().with("a", 2).with("b", 1), 10)
				.map(e -> e.origin() + e.originSeq()).as(StepVerifier::create)
				.expectNext("a3", "b2")
				.expectComplete()
				.verify(TIMEOUT);
		engine.lacking(engine.vector(), 10).as(StepVerifier::create).expectComplete().verify(TIMEOUT);
	}

	// ------------------------------------------------------------ apply()

	@Test
	void applyIsIdempotent() {
		SyncEngine source = engine();
		for (int i = 0; i < 5; i++) {
			await(source.put("doc", "k" + (i % 2), "{\"i\":" + i + "}"));
		}
		List<Event> events = source.lacking(VersionVector.empty(), 100).collectList().block(TIMEOUT);
		assertNotNull(events);
		SyncEngine target = opened(builder(new InMemoryStorage()).origin("b"));

		target.apply(events).as(StepVerifier::create)
				.expectNext(new SyncEngine.ApplyResult(5, 0, 0, 0))
				.expectComplete()
				.verify(TIMEOUT);
		VersionVector after = target.vector();
		long position = target.lastPosition();

		target.apply(events).as(StepVerifier::create)
				.expectNext(new SyncEngine.ApplyResult(0, 5, 0, 0))
				.expectComplete()
				.verify(TIMEOUT);
		assertEquals(after, target.vector());
		assertEquals(source.vector(), target.vector());
		assertEquals(position, target.lastPosition(), "duplicates are not stored again");
		assertEquals(source.query("doc").collectList().block(TIMEOUT), target.query("doc").collectList().block(TIMEOUT));
	}

	@Test
	void applyHoldsOutOfOrderEventsUntilTheGapFills() {
		SyncEngine source = engine();
		for (int i = 0; i < 5; i++) {
			await(source.put("doc", "k", "{\"i\":" + i + "}"));
		}
		List<Event> e = source.lacking(VersionVector.empty(), 100).collectList().block(TIMEOUT);
		assertNotNull(e);
		SyncEngine target = opened(builder(new InMemoryStorage()).origin("b"));

		assertEquals(new SyncEngine.ApplyResult(0, 0, 2, 0), await(target.apply(List.of(e.get(4), e.get(2)))));
		assertEquals(0, target.vector().get("a"), "nothing applied past a gap");
		assertEquals(0, target.lastPosition());

		assertEquals(new SyncEngine.ApplyResult(1, 0, 0, 0), await(target.apply(List.of(e.get(0)))));
		assertEquals(1, target.vector().get("a"), "event 2 is still missing");

		assertEquals(new SyncEngine.ApplyResult(4, 0, 0, 0), await(target.apply(List.of(e.get(3), e.get(1)))));
		assertEquals(5, target.vector().get("a"));
		assertEquals(await(source.get("doc", "k")), await(target.get("doc", "k")));
		List<Long> seqs = target.events(0).take(5).map(Event::originSeq).collectList().block(TIMEOUT);
		assertEquals(oneTo(5), seqs, "stored in sequence order");
	}

	@Test
	void eventsBeyondTheHeldBufferAreReportedDroppedAndCompleteWhenSentAgain() {
		List<Event> e = new ArrayList<>();
		for (int i = 1; i <= 4; i++) {
			e.add(put("b", i, T0 + i, "k" + i, "{}"));
		}
		SyncEngine target = opened(builder(new InMemoryStorage()).maxHeldEvents(1));

		SyncEngine.ApplyResult early = await(target.apply(List.of(e.get(2), e.get(3))));
		assertEquals(new SyncEngine.ApplyResult(0, 0, 1, 1), early, "one held, one that did not fit");
		SyncEngine.ApplyResult filling = await(target.apply(List.of(e.get(0), e.get(1))));
		assertEquals(2 + early.held(), filling.applied(), "every event reported as held is applied when its gap fills");

		// the peer sends again what the vector says is missing
		List<Event> resend = e.stream().filter(x -> !target.vector().covers(x.origin(), x.originSeq())).toList();
		assertEquals(List.of(e.get(3)), resend);
		assertEquals(new SyncEngine.ApplyResult(1, 0, 0, 0), await(target.apply(resend)));
		assertEquals(4, target.vector().get("b"));
	}

	@Test
	void heldEventsSurviveAFailedCommitOfTheirPredecessor() {
		AtomicBoolean failNext = new AtomicBoolean(false);
		Storage flaky = new ForwardingStorage(new InMemoryStorage()) {
			@Override
			protected Mono<List<Event>> append(List<Event> batch) {
				return failNext.getAndSet(false) ? Mono.error(new IllegalStateException("transient")) : super.append(batch);
			}
		};
		SyncEngine target = opened(builder(flaky));
		Event first = put("b", 1, T0 + 1, "k1", "{}");
		Event second = put("b", 2, T0 + 2, "k2", "{}");
		assertEquals(new SyncEngine.ApplyResult(0, 0, 1, 0), await(target.apply(List.of(second))));

		failNext.set(true);
		target.apply(List.of(first)).as(StepVerifier::create).expectErrorMessage("transient").verify(TIMEOUT);
		// the peer retries what failed; the event it was told is held is not sent again
		SyncEngine.ApplyResult retried = await(target.apply(List.of(first)));

		assertEquals(2, target.vector().get("b"), "the held event is applied once its gap fills, even after a failed "
				+ "commit; retry gave " + retried);
	}

	@Test
	void peerStubIsStoredToKeepTheSequenceButNeverProjected() {
		SyncEngine engine = opened(builder(new InMemoryStorage()));
		Event stub = event("peer", 1, T0, "doc", "x", Op.PUT, null, null);
		Event next = event("peer", 2, T0 + 1, "doc", "y", Op.PUT, "{\"v\":2}", null);
		assertTrue(stub.isStub());
		assertEquals(new SyncEngine.ApplyResult(2, 0, 0, 0), await(engine.apply(List.of(next, stub))));
		assertEquals(2, engine.vector().get("peer"), "the stub keeps the sequence gapless");
		assertNull(await(engine.get("doc", "x")), "a stub has no content to project");
		assertEquals("{\"v\":2}", await(engine.get("doc", "y")).json());
	}

	static Stream<Arguments> invalidPeerEvents() {
		return Stream.of(
				Arguments.of(event("peer", 1, T0, "doc", "x", Op.PATCH, "[\"not\",\"an\",\"object\"]", null),
						"JSON object"),
				Arguments.of(event("peer", 1, T0, "doc", "x", Op.PUT, "{\"a\":", null), "not valid JSON"),
				Arguments.of(event("peer", 1, T0, "doc", "x", Op.DELETE, "{}", null), "carries no payload"),
				Arguments.of(event("peer", 1, T0, "", "x", Op.PUT, "{}", null), "type is required"),
				Arguments.of(event("peer", 1, T0, "doc", "x", Op.PUT, "{\"s\":\"" + "x".repeat(300) + "\"}", null),
						"over the limit"));
	}

	@ParameterizedTest
	@MethodSource("invalidPeerEvents")
	void invalidPeerEventIsRefusedWithItsBatchAndDoesNotPoisonTheLog(Event bad, String reason) {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = opened(builder(storage).maxPayloadBytes(256));
		Event good = put("peer", 2, T0, "y", "{}");
		Event other = put("other", 1, T0, "z", "{}");

		engine.apply(List.of(other, bad, good)).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertInstanceOf(ValidationException.class, e);
					assertTrue(e.getMessage().contains(reason), e.getMessage());
				})
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty(), engine.vector(), "nothing of the batch is stored");
		await(engine.closeAsync());
		open.remove(engine);

		SyncEngine reopened = opened(builder(storage));
		assertEquals(Long.valueOf(0), await(storage.events().lastPosition()));
		assertEquals(1, await(reopened.put("doc", "ok", "{}")).position(), "the replica still opens and writes");
	}

	static Stream<Arguments> invalidCheckedPeerEvents() {
		// everything but the payload's JSON form, which a caller of applyChecked has checked
		return invalidPeerEvents().filter(a -> !String.valueOf(a.get()[1]).contains("JSON"));
	}

	@ParameterizedTest
	@MethodSource("invalidCheckedPeerEvents")
	void applyCheckedMakesEveryOtherCheck(Event bad, String reason) {
		SyncEngine engine = opened(builder(new InMemoryStorage()).maxPayloadBytes(256));

		io.tributary.spi.EngineAdmin.of(engine).applyChecked(List.of(put("other", 1, T0, "z", "{}"), bad)).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertInstanceOf(ValidationException.class, e);
					assertTrue(e.getMessage().contains(reason), e.getMessage());
				})
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty(), engine.vector(), "nothing of the batch is stored");
	}

	@Test
	void applyCheckedStoresAndProjectsWhatApplyWould() {
		SyncEngine checked = opened(builder(new InMemoryStorage()));
		SyncEngine plain = opened(builder(new InMemoryStorage()));
		List<Event> batch = List.of(put("peer", 1, T0, "x", "{\"a\":1}"), put("peer", 2, T0 + 1, "y", "{\"b\":[1,{}]}"),
				put("other", 1, T0 + 2, "x", "{\"a\":2}"));

		assertEquals(await(plain.apply(batch)), await(io.tributary.spi.EngineAdmin.of(checked).applyChecked(batch)));
		assertEquals(plain.vector(), checked.vector());
		assertEquals(await(plain.query("doc").collectList()), await(checked.query("doc").collectList()));
		assertEquals(2, await(checked.query("doc").collectList()).size());
	}

	@Test
	void throwingCustomFoldIsSignalledAndTheWriteStaysCommitted() {
		CustomResolver fragile = (current, event, payload) -> {
			if (payload != null && payload.has("boom")) {
				throw new IllegalStateException("resolver bug");
			}
			return payload;
		};
		InMemoryStorage storage = new InMemoryStorage();
		ProjectionPolicy policy = ProjectionPolicy.builder().custom("doc", fragile).build();
		SyncEngine engine = opened(builder(storage).projection(policy));
		await(engine.put("doc", "x", "{\"v\":1}"));
		EntityState before = await(engine.get("doc", "x"));

		engine.signals().ofType(SyncSignal.ProjectionFailed.class).next().as(StepVerifier::create)
				.then(() -> assertEquals(2, await(engine.put("doc", "x", "{\"boom\":true}")).position(),
						"the write is durable and acknowledged"))
				.assertNext(f -> {
					assertEquals(2, f.event().position());
					assertEquals("resolver bug", f.error().getMessage());
				})
				.expectComplete()
				.verify(TIMEOUT);
		assertEquals(before, await(engine.get("doc", "x")), "the entity keeps its previous state");
		assertEquals(3, await(engine.put("doc", "other", "{}")).position(), "the engine keeps working");
		await(engine.closeAsync());
		open.remove(engine);

		SyncEngine reopened = opened(builder(storage).projection(policy));
		assertEquals(3, reopened.lastPosition(), "a throwing fold does not make the replica unopenable");
	}

	static Stream<Arguments> failingStores() {
		return Stream.of(Arguments.of("signalled"), Arguments.of("thrown"));
	}

	@ParameterizedTest
	@MethodSource("failingStores")
	void failedCommitFailsItsWritesAndUsesNoSequence(String how) {
		AtomicBoolean failNext = new AtomicBoolean(true);
		Storage failing = new ForwardingStorage(new InMemoryStorage()) {
			@Override
			protected Mono<List<Event>> append(List<Event> batch) {
				if (failNext.getAndSet(false)) {
					IllegalStateException e = new IllegalStateException("disk on fire");
					if (how.equals("thrown")) {
						throw e;
					}
					return Mono.error(e);
				}
				return super.append(batch);
			}
		};
		SyncEngine engine = opened(builder(failing));

		engine.signals().ofType(SyncSignal.CommitFailed.class).next().as(StepVerifier::create)
				.then(() -> engine.put("doc", "x", "{}").as(StepVerifier::create)
						.expectErrorMessage("disk on fire").verify(TIMEOUT))
				.assertNext(f -> assertEquals(1, f.events()))
				.expectComplete()
				.verify(TIMEOUT);

		assertEquals(VersionVector.empty(), engine.vector());
		Event next = await(engine.put("doc", "x", "{}"));
		assertEquals(1, next.originSeq(), "the failed write left no gap in the origin's sequence");
		assertEquals(1, next.position());
		assertNull(next.base(), "the failed write never became the head");
	}

	@Test
	void eventIsFoundByItsAddress() {
		SyncEngine engine = engine();
		Event mine = await(engine.put("doc", "x", "{}"));
		await(engine.put("doc", "y", "{}"));
		Event remote = put("b", 1, T0, "z", "{\"r\":1}");
		await(engine.apply(List.of(remote)));

		assertEquals(mine, await(engine.event("a", 1)));
		assertEquals(remote.withPosition(3), await(engine.event("b", 1)));
		engine.event("a", 3).as(StepVerifier::create).expectComplete().verify(TIMEOUT);
		engine.event("a", 0).as(StepVerifier::create).expectComplete().verify(TIMEOUT);
		engine.event("nobody", 1).as(StepVerifier::create).expectComplete().verify(TIMEOUT);
	}

	@Test
	void typesListsTheProjectedTypesSorted() {
		SyncEngine engine = engine();
		engine.types().as(StepVerifier::create).expectComplete().verify(TIMEOUT);
		await(engine.put("todo", "x", "{}"));
		await(engine.put("note", "x", "{}"));
		await(engine.put("todo", "y", "{}"));
		await(engine.delete("album", "x"));

		engine.types().as(StepVerifier::create).expectNext("album", "note", "todo").expectComplete().verify(TIMEOUT);
	}

	// ------------------------------------------------------------ validation

	static Stream<Arguments> invalidWrites() {
		String longType = "t".repeat(129);
		return Stream.of(
				Arguments.of(new WriteRequest(null, "x", Op.PUT, "{}", null, null, 1), "type is required"),
				Arguments.of(new WriteRequest("", "x", Op.PUT, "{}", null, null, 1), "type is required"),
				Arguments.of(new WriteRequest(longType, "x", Op.PUT, "{}", null, null, 1), "type is longer than"),
				Arguments.of(new WriteRequest("doc", null, Op.PUT, "{}", null, null, 1), "entityId is required"),
				Arguments.of(WriteRequest.put("doc", "", "{}"), "entityId is required"),
				Arguments.of(WriteRequest.put("doc", "x", "[1,2]"), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", "42"), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", "\"text\""), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", ""), "must be a JSON object"),
				Arguments.of(WriteRequest.patch("doc", "x", "{\"a\":1} {}"), "content after"),
				Arguments.of(WriteRequest.put("doc", "x", "{\"a\":"), "not valid JSON"),
				Arguments.of(WriteRequest.put("doc", "x", "{a:1}"), "not valid JSON"),
				Arguments.of(WriteRequest.put("doc", "x", "[1]".getBytes(StandardCharsets.UTF_8)), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", JsonNodeFactory.instance.arrayNode()), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", 42), "must be a JSON object"),
				Arguments.of(WriteRequest.put("doc", "x", null), "needs a payload"),
				Arguments.of(new WriteRequest("doc", "x", Op.DELETE, "{}", null, null, 1), "carries no payload"),
				Arguments.of(WriteRequest.put("doc", "x", "{}").withSchemaVersion(-1), "schemaVersion"),
				Arguments.of(WriteRequest.put("doc", "x", "{}").withUserId("u".repeat(257)), "userId"));
	}

	@ParameterizedTest
	@MethodSource("invalidWrites")
	void invalidWriteIsRefusedAndNothingIsStored(WriteRequest request, String reason) {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = opened(builder(storage));

		engine.write(request).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertInstanceOf(ValidationException.class, e);
					assertTrue(e.getMessage().contains(reason), "message '" + e.getMessage() + "' should say " + reason);
				})
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty(), engine.vector());
		assertEquals(VersionVector.empty(), await(storage.events().vector()));
		assertEquals(1, await(engine.put("doc", "ok", "{}")).originSeq(), "a refused write uses no sequence");
	}

	static Stream<Arguments> oversizedPayloads() {
		String big = "{\"s\":\"" + "x".repeat(100) + "\"}";
		return Stream.of(Arguments.of(big), Arguments.of((Object) big.getBytes(StandardCharsets.UTF_8)),
				Arguments.of(Map.of("s", "x".repeat(100))));
	}

	@ParameterizedTest
	@MethodSource("oversizedPayloads")
	void payloadOverTheLimitIsRefusedWithAClearMessage(Object payload) {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = opened(builder(storage).maxPayloadBytes(64));

		engine.put("doc", "big", payload).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					PayloadTooLargeException p = assertInstanceOf(PayloadTooLargeException.class, e);
					assertEquals(108, p.size());
					assertEquals(64, p.limit());
					assertEquals("payload of doc/big is 108 bytes, over the limit of 64 bytes", e.getMessage());
				})
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty(), engine.vector());
		assertEquals(Long.valueOf(0), await(storage.events().lastPosition()));

		String exactlyAtLimit = "{\"s\":\"" + "x".repeat(56) + "\"}";
		assertEquals(64, exactlyAtLimit.length());
		assertEquals(1, await(engine.put("doc", "fits", exactlyAtLimit)).originSeq());
	}

	@Test
	void payloadTooLargeReportsTheSizeInBytesForMultiByteText() {
		SyncEngine engine = opened(builder(new InMemoryStorage()).maxPayloadBytes(32));
		String payload = "{\"s\":\"" + "\u00E9".repeat(40) + "\"}";
		int bytes = payload.getBytes(StandardCharsets.UTF_8).length;

		engine.put("doc", "x", payload).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					PayloadTooLargeException p = assertInstanceOf(PayloadTooLargeException.class, e);
					assertEquals(bytes, p.size(), e.getMessage());
				})
				.verify(TIMEOUT);
	}

	@Test
	void refusedWriteIsSignalled() {
		SyncEngine engine = engine();
		engine.signals().ofType(SyncSignal.WriteRejected.class).next().as(StepVerifier::create)
				.then(() -> engine.put("doc", "x", "[]").onErrorResume(e -> Mono.empty()).block(TIMEOUT))
				.assertNext(s -> {
					assertEquals("doc", s.type());
					assertEquals("x", s.entityId());
					assertInstanceOf(ValidationException.class, s.error());
				})
				.expectComplete()
				.verify(TIMEOUT);
	}

	// ------------------------------------------------------------ signals()

	@Test
	void signalSubscriberThatNeverRequestsDoesNotSlowWritesAndDropsAreCounted() throws InterruptedException {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = opened(builder(new InMemoryStorage()).tapBuffer(8).meterRegistry(registry));
		List<SyncSignal> received = new CopyOnWriteArrayList<>();
		CountDownLatch delivered = new CountDownLatch(8);
		BaseSubscriber<SyncSignal> idle = new BaseSubscriber<SyncSignal>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				// requests nothing
			}

			@Override
			protected void hookOnNext(SyncSignal value) {
				received.add(value);
				delivered.countDown();
			}
		};
		engine.signals().subscribe(idle);

		// one at a time, so each write is its own commit and its own Committed signal
		Flux.range(0, 100).concatMap(i -> engine.put("doc", "k" + i, "{}")).then().block(TIMEOUT);

		assertEquals(100, engine.lastPosition(), "every write committed while the monitor requested nothing");
		assertEquals(92.0, registry.get("tributary.taps.dropped").counter().count(), "100 signals, 8 buffered");
		idle.request(100);
		assertTrue(delivered.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "buffered signals delivered on request");
		assertEquals(oneTo(100).subList(92, 100), received.stream()
				.map(s -> ((SyncSignal.Committed) s).events().get(0).position()).collect(Collectors.toList()),
				"the oldest signals were dropped, the newest kept");
		idle.dispose();
	}

	@Test
	void signalSubscriberSlowToProcessDoesNotSlowWrites() throws Exception {
		SyncEngine engine = engine();
		CountDownLatch inside = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Disposable monitor = engine.signals().subscribe(s -> {
			inside.countDown();
			try {
				// a monitor that takes its time with each signal (a slow log, a blocking exporter)
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});
		try {
			CompletableFuture<Event> first = engine.put("doc", "x", "{}").subscribeOn(Schedulers.boundedElastic())
					.toFuture();
			assertTrue(inside.await(10, TimeUnit.SECONDS), "the monitor got a signal");

			CompletableFuture<Event> second = engine.put("doc", "y", "{}").subscribeOn(Schedulers.boundedElastic())
					.toFuture();

			assertEquals(1, first.get(5, TimeUnit.SECONDS).position(), "writes complete while the monitor is busy");
			assertEquals(2, second.get(5, TimeUnit.SECONDS).position());
		}
		finally {
			release.countDown();
			monitor.dispose();
		}
	}

	@Test
	void signalsReportCommitsWithLocalCount() {
		SyncEngine engine = engine();
		engine.signals().ofType(SyncSignal.Committed.class).next().as(StepVerifier::create)
				.then(() -> await(engine.put("doc", "x", "{}")))
				.assertNext(c -> {
					assertEquals(1, c.local());
					assertEquals(1, c.events().size());
					assertEquals(1, c.events().get(0).position());
				})
				.expectComplete()
				.verify(TIMEOUT);
	}

	// ------------------------------------------------------------ close()

	@Test
	void writesAfterCloseFailWithEngineClosed() {
		SyncEngine engine = engine();
		await(engine.put("doc", "x", "{}"));
		await(engine.closeAsync());

		engine.put("doc", "y", "{}").as(StepVerifier::create).expectError(EngineClosedException.class).verify(TIMEOUT);
		engine.apply(List.of(put("b", 1, T0, "z", "{}"))).as(StepVerifier::create)
				.expectError(EngineClosedException.class).verify(TIMEOUT);
		assertEquals(1, engine.lastPosition());
	}

	@Test
	void writesAcceptedBeforeCloseAreCommitted() throws Exception {
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SyncEngine engine = opened(builder(gated));

		List<CompletableFuture<Event>> accepted = new ArrayList<>();
		for (int i = 0; i < 21; i++) {
			accepted.add(engine.put("doc", "k" + i, "{\"i\":" + i + "}").toFuture());
		}
		assertEquals(1, gated.appendsCalled(), "the first commit waits at the gate, the others queue behind it");
		CompletableFuture<Void> closed = engine.closeAsync().toFuture();
		engine.put("doc", "late", "{}").as(StepVerifier::create).expectError(EngineClosedException.class)
				.verify(TIMEOUT);
		assertFalse(closed.isDone(), "close waits for the accepted writes");

		gated.openAll();

		closed.get(10, TimeUnit.SECONDS);
		List<Long> positions = new ArrayList<>();
		for (CompletableFuture<Event> f : accepted) {
			positions.add(f.get(10, TimeUnit.SECONDS).position());
		}
		Collections.sort(positions);
		assertEquals(oneTo(21), positions);
		assertEquals(VersionVector.empty().with("a", 21), await(memory.events().vector()));
	}

	@Test
	void closeCompletesTheLiveStreams() {
		SyncEngine engine = engine();
		await(engine.put("doc", "x", "{}"));

		StepVerifier changes = engine.changes(null).as(StepVerifier::create).expectComplete().verifyLater();
		StepVerifier signals = engine.signals().ofType(SyncSignal.Committed.class).as(StepVerifier::create)
				.expectComplete().verifyLater();
		StepVerifier events = engine.events(0).map(Event::position).as(StepVerifier::create)
				.expectNext(1L).expectComplete().verifyLater();
		await(engine.closeAsync());

		changes.verify(TIMEOUT);
		signals.verify(TIMEOUT);
		events.verify(TIMEOUT);
	}

	// ------------------------------------------------------------ restart

	@Test
	void reopeningOnTheSameStorageKeepsVectorStateAndContinuesTheSequence() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine first = opened(builder(storage));
		await(first.put("doc", "x", "{\"v\":1}"));
		await(first.put("doc", "y", "{\"v\":2}"));
		await(first.patch("doc", "x", "{\"w\":3}"));
		await(first.delete("doc", "y"));
		await(first.apply(List.of(put("b", 1, T0 + 1, "z", "{\"from\":\"b\"}"),
				event("b", 2, T0 - 1, "doc", "x", Op.PATCH, "{\"late\":true}", null))));
		VersionVector vector = first.vector();
		long last = first.lastPosition();
		List<EntityState> states = first.query("doc").collectList().block(TIMEOUT);
		EntityState tombstone = await(first.get("doc", "y"));
		await(first.closeAsync());

		SyncEngine second = opened(builder(storage).origin("ignored-on-restart"));

		assertEquals("a", second.origin(), "the stored origin is kept");
		assertEquals(vector, second.vector());
		assertEquals(last, second.lastPosition());
		assertEquals(states, second.query("doc").collectList().block(TIMEOUT));
		assertEquals(tombstone, await(second.get("doc", "y")));
		Event next = await(second.put("doc", "w", "{}"));
		assertEquals(vector.get("a") + 1, next.originSeq(), "no origin sequence is reused");
		assertEquals(last + 1, next.position());
	}

	@Test
	void projectionIsRebuiltFromTheLogAfterACrash() {
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine crashed = opened(builder(storage));
		await(crashed.put("doc", "x", "{\"v\":1}"));
		await(crashed.put("doc", "y", "{\"v\":1}"));
		await(crashed.checkpoint());
		await(crashed.patch("doc", "x", "{\"v\":2}"));
		await(crashed.delete("doc", "y"));
		await(crashed.apply(List.of(event("b", 1, T0 - 100, "doc", "x", Op.PATCH, "{\"older\":1}", null))));
		List<EntityState> states = crashed.query("doc").collectList().block(TIMEOUT);
		EntityState y = await(crashed.get("doc", "y"));
		// no close: the projection checkpoint is behind the log

		SyncEngine restarted = opened(builder(storage));

		assertEquals(states, restarted.query("doc").collectList().block(TIMEOUT));
		assertEquals(y, await(restarted.get("doc", "y")));
		assertEquals(crashed.vector(), restarted.vector());
	}

	@Test
	void failedCheckpointIsRetriedByTheNextOne() {
		InMemoryStorage memory = new InMemoryStorage();
		AtomicBoolean failNext = new AtomicBoolean(true);
		Storage flaky = new ForwardingStorage(memory) {
			@Override
			protected Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts,
					boolean replaceAll) {
				return failNext.getAndSet(false) ? Mono.error(new IllegalStateException("disk full"))
						: super.save(checkpoint, entities, conflicts, replaceAll);
			}
		};
		SyncEngine first = opened(builder(flaky));
		await(first.put("doc", "x", "{\"v\":1}"));
		first.checkpoint().as(StepVerifier::create).expectErrorMessage("disk full").verify(TIMEOUT);
		await(first.put("doc", "y", "{\"v\":2}"));
		await(first.checkpoint());
		EntityState x = await(first.get("doc", "x"));
		await(first.closeAsync());

		SyncEngine second = opened(builder(memory));

		assertEquals(x, await(second.get("doc", "x")),
				"an entity whose save failed must be saved by a later checkpoint before it moves past its events");
	}

	@ParameterizedTest
	@EnumSource(value = ConflictStrategy.class, names = { "LAST_WRITE_WINS", "FIELD_MERGE", "ORIGIN_PRIORITY" })
	void stampsOfThisOriginKeepIncreasingAcrossRestartWhenTheWallClockIsBehind(ConflictStrategy strategy) {
		InMemoryStorage storage = new InMemoryStorage();
		MutableClock wall = new MutableClock(T0 + 10_000);
		ProjectionPolicy policy = ProjectionPolicy.builder().defaultStrategy(strategy)
				.originRanking(List.of("server")).build();
		SyncEngine first = opened(builder(storage).origin("client").clock(wall).projection(policy));
		await(first.apply(List.of(put("server", 1, T0, "x", "{\"by\":\"server\"}"))));
		Event mine = await(first.put("doc", "x", "{\"by\":\"client\"}"));
		await(first.closeAsync());

		wall.set(T0 + 5_000); // the device's clock was set back while the replica was down
		SyncEngine second = opened(builder(storage).clock(wall).projection(policy));
		Event next = await(second.put("doc", "y", "{}"));

		assertTrue(next.hlc() > mine.hlc(), "stamp of " + next + " must exceed the stamp of " + mine
				+ " written earlier by the same origin");
	}

	@Test
	void openWithoutStorageFails() {
		SyncEngine.builder().open().as(StepVerifier::create).expectError(IllegalArgumentException.class)
				.verify(TIMEOUT);
		SyncEngine.builder().storage(new InMemoryStorage()).ingressCapacity(0).open().as(StepVerifier::create)
				.expectErrorMessage("ingressCapacity must be at least 1, was 0").verify(TIMEOUT);
	}
}
