package io.tributary.transport.peer;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays: exponential from {@code min}, capped at {@code max}, with jitter that spreads each
 * delay uniformly over {@code [(1 - jitter) * d, d]} so that peers cut off together do not reconnect in
 * lockstep.
 *
 * @param min first delay
 * @param max cap
 * @param jitter fraction of each delay that is random, 0 to 1
 */
public record Backoff(Duration min, Duration max, double jitter) {

	/**
	 * Checks the settings.
	 */
	public Backoff {
		Objects.requireNonNull(min, "min");
		Objects.requireNonNull(max, "max");
		if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
			throw new IllegalArgumentException("need 0 < min <= max, got " + min + " and " + max);
		}
		if (jitter < 0 || jitter > 1) {
			throw new IllegalArgumentException("jitter must be within [0, 1]: " + jitter);
		}
	}

	/**
	 * The defaults: 100 ms doubling to 10 s, half of each delay random.
	 *
	 * @return the defaults
	 */
	public static Backoff defaults() {
		return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.5);
	}

	/**
	 * The delay before a reconnect attempt.
	 *
	 * @param attempt 0 for the first retry after a failure
	 * @param random a source of uniform numbers in [0, 1)
	 * @return the delay
	 */
	public Duration delay(long attempt, DoubleSupplier random) {
		long minNanos = min.toNanos();
		long maxNanos = max.toNanos();
		long exp = attempt >= 62 ? maxNanos : minNanos << Math.min(attempt, 62);
		long capped = exp <= 0 || exp > maxNanos ? maxNanos : exp;
		double factor = 1 - jitter * random.getAsDouble();
		return Duration.ofNanos(Math.max(1, (long) (capped * factor)));
	}
}
