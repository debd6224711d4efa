package io.tributary.transport.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.ErrorCode;
import io.tributary.transport.peer.PeerProtocolException;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/** Retries of transient failures with capped, jittered exponential backoff. */
final class Retries {

	/** Told of each retry before its delay starts. */
	interface Listener {
		void retrying(long attempt, Duration delay, Throwable error);
	}

	private Retries() {
	}

	/**
	 * Whether retrying can help: connection failures, timeouts and the upstream's transient error codes.
	 *
	 * @param e the failure
	 * @return true when transient
	 */
	static boolean isTransient(Throwable e) {
		if (e instanceof PeerProtocolException) {
			ErrorCode c = ((PeerProtocolException) e).code();
			return c == ErrorCode.IDLE_TIMEOUT || c == ErrorCode.SHUTTING_DOWN || c == ErrorCode.INTERNAL;
		}
		return e instanceof java.io.IOException || e instanceof TimeoutException
				|| e instanceof io.netty.channel.ChannelException;
	}

	/**
	 * An operation retried after transient failures: the delay before retry {@code n} (0-based) is
	 * {@link Backoff#delay(long, DoubleSupplier)}, waited with {@code Mono.delay} on the parallel scheduler
	 * (virtual time in tests). Other failures, and the failure after the last retry, end the operation.
	 *
	 * @param operation the operation, subscribed again for each attempt
	 * @param backoff the delays
	 * @param maxRetries most retries, 0 for none
	 * @param random uniform numbers in [0, 1) for the jitter
	 * @param listener told of each retry
	 * @return the operation with retries
	 */
	static <T> Mono<T> withBackoff(Mono<T> operation, Backoff backoff, int maxRetries, DoubleSupplier random,
			Listener listener) {
		return operation.retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
			Throwable failure = signal.failure();
			long attempt = signal.totalRetries();
			if (!isTransient(failure) || attempt >= maxRetries) {
				return Mono.error(failure);
			}
			Duration delay = backoff.delay(attempt, random);
			listener.retrying(attempt + 1, delay, failure);
			return Mono.delay(delay);
		})));
	}
}
