package io.tributary.transport.client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.ErrorCode;
import io.tributary.transport.peer.PeerProtocolException;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The drain's retries in virtual time: exponential delays, the cap, the jitter, and what is not retried.
 */
class RetriesTest {

	private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8), 0.5);

	/** Fails with the given errors in turn, then succeeds with the number of attempts. */
	private static Mono<Integer> failing(AtomicInteger attempts, Throwable... errors) {
		return Mono.defer(() -> {
			int n = attempts.getAndIncrement();
			return n < errors.length ? Mono.<Integer>error(errors[n]) : Mono.just(n + 1);
		});
	}

	@Test
	void delaysDoubleUpToTheCapWithoutJitterWhenTheRandomPartIsZero() {
		AtomicInteger attempts = new AtomicInteger();
		List<Duration> announced = new ArrayList<>();
		IOException down = new IOException("connection refused");
		StepVerifier.withVirtualTime(() -> Retries.withBackoff(failing(attempts, down, down, down, down, down),
				BACKOFF, 10, () -> 0.0, (attempt, delay, error) -> announced.add(delay)))
				.expectSubscription()
				.expectNoEvent(Duration.ofSeconds(1 + 2 + 4 + 8).minusMillis(1))
				.thenAwait(Duration.ofSeconds(8))
				.expectNoEvent(Duration.ofMillis(1).minusNanos(1))
				.thenAwait(Duration.ofMillis(1))
				.expectNext(6)
				.verifyComplete();
		assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
				Duration.ofSeconds(8)), announced, "the fifth delay is capped at 8 s");
	}

	@Test
	void jitterShortensEachDelayByUpToItsFraction() {
		AtomicInteger attempts = new AtomicInteger();
		List<Duration> announced = new ArrayList<>();
		StepVerifier.withVirtualTime(() -> Retries.withBackoff(failing(attempts, new IOException("a"),
				new IOException("b")), BACKOFF, 10, () -> 0.5, (attempt, delay, error) -> announced.add(delay)))
				.expectSubscription()
				.expectNoEvent(Duration.ofMillis(750 + 1500 - 1))
				.thenAwait(Duration.ofMillis(1))
				.expectNext(3)
				.verifyComplete();
		assertEquals(List.of(Duration.ofMillis(750), Duration.ofMillis(1500)), announced);
	}

	@Test
	void givesUpAfterTheLastRetryWithTheLastFailure() {
		AtomicInteger attempts = new AtomicInteger();
		IOException last = new IOException("still down");
		StepVerifier.withVirtualTime(() -> Retries.withBackoff(failing(attempts, new IOException("1"),
				new IOException("2"), last), BACKOFF, 2, () -> 0.0, (attempt, delay, error) -> { }))
				.expectSubscription()
				.thenAwait(Duration.ofSeconds(3))
				.expectErrorMatches(e -> e == last)
				.verify();
		assertEquals(3, attempts.get(), "one attempt and two retries");
	}

	@Test
	void refusedTokensAndBadFramesAreNotRetried() {
		for (ErrorCode code : List.of(ErrorCode.UNAUTHORIZED, ErrorCode.BAD_FRAME, ErrorCode.PROTOCOL_VIOLATION)) {
			AtomicInteger attempts = new AtomicInteger();
			PeerProtocolException e = new PeerProtocolException(code, "no", true);
			StepVerifier.withVirtualTime(() -> Retries.withBackoff(failing(attempts, e), BACKOFF, 5, () -> 0.0,
					(attempt, delay, error) -> { }))
					.expectSubscription()
					.expectErrorMatches(x -> x == e)
					.verify();
			assertEquals(1, attempts.get(), code + " is not retried");
		}
		for (ErrorCode code : List.of(ErrorCode.SHUTTING_DOWN, ErrorCode.IDLE_TIMEOUT, ErrorCode.INTERNAL)) {
			AtomicInteger attempts = new AtomicInteger();
			StepVerifier.withVirtualTime(() -> Retries.withBackoff(failing(attempts,
					new PeerProtocolException(code, "later", true)), BACKOFF, 5, () -> 0.0, (attempt, delay, error) -> { }))
					.expectSubscription()
					.thenAwait(Duration.ofSeconds(1))
					.expectNext(2)
					.verifyComplete();
		}
	}
}
