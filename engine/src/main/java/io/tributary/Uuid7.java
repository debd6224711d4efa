package io.tributary;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Sorts by creation time.
 */
public final class Uuid7 {

	private Uuid7() {
	}

	/**
	 * A new UUIDv7 for the given time.
	 *
	 * @param epochMillis Unix milliseconds
	 * @return the id
	 */
	public static UUID create(long epochMillis) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long msb = (epochMillis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
		long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(msb, lsb);
	}

	/**
	 * The Unix milliseconds of a UUIDv7.
	 *
	 * @param id the id
	 * @return the milliseconds
	 */
	public static long epochMillis(UUID id) {
		return id.getMostSignificantBits() >>> 16;
	}
}
