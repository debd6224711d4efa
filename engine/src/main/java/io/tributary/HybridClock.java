package io.tributary;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hybrid logical clock (Kulkarni et al.): stamps follow the wall clock where it moves forward and
 * a logical counter where it stalls or jumps back, so stamps issued by one clock never decrease and
 * a stamp received from a peer is always exceeded by the next local one.
 * <p>
 * Thread-safe and lock-free. The wall clock is injectable so tests can skew it.
 */
public final class HybridClock {

	private final Clock clock;
	private final AtomicLong last = new AtomicLong();

	/**
	 * A clock reading the given wall clock.
	 *
	 * @param clock the wall clock
	 */
	public HybridClock(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * A clock reading the system UTC clock.
	 *
	 * @return a new clock
	 */
	public static HybridClock system() {
		return new HybridClock(Clock.systemUTC());
	}

	/**
	 * Issues a stamp for a local event: greater than every stamp issued or received before.
	 *
	 * @return the stamp
	 */
	public long now() {
		long wall = Hlc.pack(clock.millis(), 0);
		for (;;) {
			long prev = last.get();
			long next = wall > prev ? wall : prev + 1;
			if (last.compareAndSet(prev, next)) {
				return next;
			}
		}
	}

	/**
	 * Takes in a stamp received from another replica, so that later local stamps exceed it.
	 *
	 * @param remote the received stamp
	 */
	public void update(long remote) {
		long wall = Hlc.pack(clock.millis(), 0);
		for (;;) {
			long prev = last.get();
			long next = Math.max(prev, Math.max(wall, remote));
			if (next == prev || last.compareAndSet(prev, next)) {
				return;
			}
		}
	}

	/**
	 * The last stamp issued or received.
	 *
	 * @return the stamp, 0 before any
	 */
	public long last() {
		return last.get();
	}
}
