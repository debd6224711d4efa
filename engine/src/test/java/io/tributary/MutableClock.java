package io.tributary;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that tests set and move, backwards too. Thread-safe.
 */
public final class MutableClock extends Clock {

	private final AtomicLong millis;

	/**
	 * A clock showing the given time.
	 *
	 * @param epochMillis Unix milliseconds
	 */
	public MutableClock(long epochMillis) {
		this.millis = new AtomicLong(epochMillis);
	}

	/**
	 * Sets the time.
	 *
	 * @param epochMillis Unix milliseconds
	 */
	public void set(long epochMillis) {
		millis.set(epochMillis);
	}

	/**
	 * Moves the time by a (possibly negative) amount.
	 *
	 * @param deltaMillis milliseconds to add
	 */
	public void advance(long deltaMillis) {
		millis.addAndGet(deltaMillis);
	}

	@Override
	public long millis() {
		return millis.get();
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis.get());
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}
}
