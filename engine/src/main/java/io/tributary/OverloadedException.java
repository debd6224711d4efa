package io.tributary;

import java.time.Duration;

/**
 * A write was refused because the engine's ingress stayed full for the whole overload timeout. The
 * write was not stored; it is safe to retry later.
 */
public class OverloadedException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception for a write that waited too long.
	 *
	 * @param capacity the ingress capacity
	 * @param waited how long the write waited
	 */
	public OverloadedException(int capacity, Duration waited) {
		super("engine overloaded: ingress of " + capacity + " writes stayed full for " + waited.toMillis()
				+ " ms; the write was not stored, retry later");
	}
}
