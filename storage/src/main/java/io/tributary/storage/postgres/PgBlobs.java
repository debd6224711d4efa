package io.tributary.storage.postgres;

import org.jspecify.annotations.Nullable;

/**
 * Many binary values bound as one: r2dbc-postgresql does not bind a {@code byte[][]} as a {@code bytea[]} faithfully
 * (its text form loses the escapes), so a batch binds its values laid end to end in one {@code bytea} with their
 * offsets and lengths as {@code int[]}, and the statement cuts them out again:
 * {@code substring($n::bytea FROM off FOR len)} over {@code unnest(offsets, lengths)}. A {@code null} value has a
 * {@code null} length, and {@code substring} gives {@code null} for it.
 *
 * @param all the values, end to end
 * @param offsets where each value starts, 1-based as SQL counts
 * @param lengths each value's length, {@code null} for a {@code null} value
 */
record PgBlobs(byte[] all, Integer[] offsets, Integer[] lengths) {

	/**
	 * Lays values end to end.
	 *
	 * @param values the values, some may be {@code null}
	 * @return the packed values
	 */
	static PgBlobs of(byte @Nullable [][] values) {
		long total = 0;
		for (byte[] v : values) {
			total += v == null ? 0 : v.length;
		}
		if (total > Integer.MAX_VALUE - 16) {
			throw new IllegalArgumentException("a batch of " + total + " bytes is too large for one statement");
		}
		byte[] all = new byte[(int) total];
		Integer[] offsets = new Integer[values.length];
		Integer[] lengths = new Integer[values.length];
		int at = 0;
		for (int i = 0; i < values.length; i++) {
			byte[] v = values[i];
			offsets[i] = at + 1;
			if (v != null) {
				System.arraycopy(v, 0, all, at, v.length);
				lengths[i] = v.length;
				at += v.length;
			}
		}
		return new PgBlobs(all, offsets, lengths);
	}
}
