package io.tributary;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch writes validated as a whole, plain log reads, and reads after close.
 */
class SyncEngineReadWriteAllTest {

	private static final Duration T = Duration.ofSeconds(10);

	private static SyncEngine open() {
		return SyncEngine.builder().storage(new InMemoryStorage()).origin("o").maxPayloadBytes(64).open().block(T);
	}

	@Test
	void writeAllCommitsEveryWriteInOrder() {
		SyncEngine engine = open();
		List<Event> events = engine.writeAll(List.of(WriteRequest.put("t", "a", "{}"), WriteRequest.put("t", "b", "{}"),
				WriteRequest.patch("t", "a", "{\"x\":1}"), WriteRequest.delete("t", "b"))).collectList().block(T);
		assertEquals(List.of(1L, 2L, 3L, 4L), events.stream().map(Event::originSeq).collect(Collectors.toList()));
		assertEquals(events.get(0).id(), events.get(2).base(), "a later write in the batch sees the earlier one");
		assertEquals("{\"x\":1}", engine.get("t", "a").block(T).json());
		assertTrue(engine.get("t", "b").block(T).deleted());
		engine.closeAsync().block(T);
	}

	@Test
	void writeAllWritesNothingWhenOneWriteIsInvalid() {
		SyncEngine engine = open();
		engine.writeAll(List.of(WriteRequest.put("t", "a", "{}"), WriteRequest.put("t", "b", "[1]"),
				WriteRequest.put("t", "c", "{}")))
				.as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertTrue(e instanceof ValidationException, e.toString());
					assertTrue(e.getMessage().startsWith("write 1: "), e.getMessage());
				})
				.verify(T);
		engine.writeAll(List.of(WriteRequest.put("t", "a", "{}"),
				WriteRequest.put("t", "big", "{\"x\":\"" + "y".repeat(100) + "\"}")))
				.as(StepVerifier::create)
				.expectError(PayloadTooLargeException.class)
				.verify(T);
		assertEquals(0, engine.lastPosition(), "nothing was written");
		assertEquals(64, engine.maxPayloadBytes());
		engine.closeAsync().block(T);
	}

	@Test
	void writeAllWhoseCommitsFailReportsTheFirstErrorAndDropsNoneOfTheOthers() {
		IllegalStateException diskFull = new IllegalStateException("disk full");
		AtomicBoolean failing = new AtomicBoolean(true);
		SyncEngine engine = SyncEngine.builder().storage(new ForwardingStorage(new InMemoryStorage()) {
			@Override
			protected Mono<List<Event>> append(List<Event> batch) {
				return failing.get() ? Mono.error(diskFull) : super.append(batch);
			}
		}).origin("o").open().block(T);

		engine.writeAll(List.of(WriteRequest.put("t", "a", "{}"), WriteRequest.put("t", "b", "{}"),
				WriteRequest.put("t", "c", "{}")))
				.as(StepVerifier::create)
				.expectErrorSatisfies(e -> assertSame(diskFull, e))
				.verifyThenAssertThat(T)
				.hasNotDroppedErrors();

		failing.set(false);
		assertEquals(1, engine.put("t", "d", "{}").block(T).originSeq(), "the failed writes took no sequence");
		engine.closeAsync().block(T);
	}

	@Test
	void readPagesTheLogWithoutWaitingForLiveEvents() {
		SyncEngine engine = open();
		engine.writeAll(List.of(WriteRequest.put("t", "a", "{}"), WriteRequest.put("t", "b", "{}"),
				WriteRequest.put("t", "c", "{}"))).blockLast(T);
		engine.read(1, 10).map(Event::position).as(StepVerifier::create).expectNext(2L, 3L).verifyComplete();
		engine.read(3, 10).as(StepVerifier::create).verifyComplete();
		engine.closeAsync().block(T);
	}

	@Test
	void readsAfterCloseFailWithEngineClosed() {
		SyncEngine engine = open();
		engine.put("t", "a", "{}").block(T);
		engine.closeAsync().block(T);
		StepVerifier.create(engine.get("t", "a")).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.query("t")).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.read(0, 10)).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.events(0)).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.lacking(VersionVector.empty(), 10)).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.event("o", 1)).expectError(EngineClosedException.class).verify(T);
		StepVerifier.create(engine.conflicts(null, 10)).expectError(EngineClosedException.class).verify(T);
	}
}
