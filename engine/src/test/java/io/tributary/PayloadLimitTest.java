package io.tributary;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Every way into the log enforces the payload limit with the same clear error, and stores nothing of the call.
 */
class PayloadLimitTest {

	private static final int LIMIT = 100;
	private static final String FITS = "{\"s\":\"" + "x".repeat(LIMIT - 8) + "\"}";
	private static final String OVER = "{\"s\":\"" + "x".repeat(LIMIT - 7) + "\"}";

	private InMemoryStorage storage;
	private SyncEngine engine;

	@BeforeEach
	void open() {
		storage = new InMemoryStorage();
		engine = await(SyncEngine.builder().storage(storage).origin("a").maxPayloadBytes(LIMIT).open());
		assertEquals(LIMIT, FITS.length());
		assertEquals(LIMIT + 1, OVER.length());
	}

	@AfterEach
	void close() {
		engine.closeAsync().block(TIMEOUT);
	}

	private static void assertTooLarge(Throwable e, String what) {
		PayloadTooLargeException p = assertInstanceOf(PayloadTooLargeException.class, e);
		assertEquals(LIMIT + 1, p.size());
		assertEquals(LIMIT, p.limit());
		assertEquals("payload of " + what + " is 101 bytes, over the limit of 100 bytes", e.getMessage());
	}

	private void assertNothingStored() {
		assertEquals(0L, await(storage.events().lastPosition()));
		assertEquals(VersionVector.empty(), engine.vector());
	}

	@Test
	void writeOverTheLimitIsRefused() {
		engine.put("doc", "w", OVER).as(StepVerifier::create).expectErrorSatisfies(e -> assertTooLarge(e, "doc/w"))
				.verify(TIMEOUT);
		engine.patch("doc", "w", OVER.getBytes(java.nio.charset.StandardCharsets.UTF_8)).as(StepVerifier::create)
				.expectErrorSatisfies(e -> assertTooLarge(e, "doc/w")).verify(TIMEOUT);
		assertNothingStored();
		assertEquals(1, await(engine.put("doc", "w", FITS)).originSeq(), "a payload at the limit is accepted");
	}

	@Test
	void writeAllWithOneOverTheLimitWritesNothing() {
		engine.writeAll(List.of(WriteRequest.put("doc", "ok", FITS), WriteRequest.put("doc", "big", OVER)))
				.as(StepVerifier::create).expectErrorSatisfies(e -> assertTooLarge(e, "doc/big")).verify(TIMEOUT);
		assertNothingStored();
	}

	@Test
	void peerEventsOverTheLimitAreRefusedAsABatch() {
		Event ok = TestEvents.put("b", 1, 1_700_000_000_000L, "ok", FITS);
		Event big = TestEvents.put("b", 2, 1_700_000_000_001L, "big", OVER);
		engine.apply(List.of(ok, big)).as(StepVerifier::create).expectErrorSatisfies(e -> assertTooLarge(e, "doc/big"))
				.verify(TIMEOUT);
		assertNothingStored();
		assertEquals(new SyncEngine.ApplyResult(2, 0, 0, 0), await(engine.apply(List.of(ok, big.stub()))),
				"a stub has no payload to measure");
	}

	@Test
	void everyRefusalIsSignalled() {
		StepVerifier.create(engine.signals().ofType(SyncSignal.WriteRejected.class).take(2).collectList())
				.then(() -> Flux.concat(engine.put("doc", "x", OVER).onErrorComplete(),
						engine.writeAll(List.of(WriteRequest.put("doc", "y", OVER))).onErrorComplete()).blockLast(TIMEOUT))
				.assertNext(s -> {
					assertEquals(List.of("x", "y"), s.stream().map(SyncSignal.WriteRejected::entityId).toList());
					s.forEach(r -> assertInstanceOf(PayloadTooLargeException.class, r.error()));
				})
				.expectComplete()
				.verify(TIMEOUT);
	}
}
