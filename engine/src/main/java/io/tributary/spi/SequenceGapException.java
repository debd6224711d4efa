package io.tributary.spi;

import io.tributary.TributaryException;

/**
 * An append would leave a gap in an origin's sequence; nothing was appended.
 */
public class SequenceGapException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception for a gap.
	 *
	 * @param origin the origin
	 * @param expected the sequence the store expected next
	 * @param actual the sequence it was given
	 */
	public SequenceGapException(String origin, long expected, long actual) {
		super("sequence gap for origin " + origin + ": expected " + expected + ", got " + actual);
	}
}
