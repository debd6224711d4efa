package io.tributary;

/**
 * Hybrid-logical-clock stamps packed in a {@code long}: the upper 48 bits are wall-clock milliseconds
 * since the epoch, the lower 16 bits a logical counter. Packed stamps compare as plain longs, which is
 * what the projector's canonical order and the wire format rely on.
 */
public final class Hlc {

	/** Bits of the logical counter. */
	public static final int COUNTER_BITS = 16;

	/** Largest logical counter before the stamp borrows the next millisecond. */
	public static final int MAX_COUNTER = (1 << COUNTER_BITS) - 1;

	private Hlc() {
	}

	/**
	 * Packs milliseconds and a counter into a stamp.
	 *
	 * @param millis wall-clock milliseconds since the epoch (48 bits)
	 * @param counter logical counter, 0 to {@link #MAX_COUNTER}
	 * @return the stamp
	 */
	public static long pack(long millis, int counter) {
		if (millis < 0 || millis >= (1L << 48)) {
			throw new IllegalArgumentException("millis out of range: " + millis);
		}
		if (counter < 0 || counter > MAX_COUNTER) {
			throw new IllegalArgumentException("counter out of range: " + counter);
		}
		return (millis << COUNTER_BITS) | counter;
	}

	/**
	 * The milliseconds of a stamp.
	 *
	 * @param stamp a packed stamp
	 * @return wall-clock milliseconds since the epoch
	 */
	public static long millis(long stamp) {
		return stamp >>> COUNTER_BITS;
	}

	/**
	 * The logical counter of a stamp.
	 *
	 * @param stamp a packed stamp
	 * @return the counter
	 */
	public static int counter(long stamp) {
		return (int) (stamp & MAX_COUNTER);
	}

	/**
	 * A readable form, {@code millis.counter}.
	 *
	 * @param stamp a packed stamp
	 * @return the text
	 */
	public static String toString(long stamp) {
		return millis(stamp) + "." + counter(stamp);
	}
}
