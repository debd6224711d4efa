package io.tributary;

/**
 * Base of every exception Tributary signals.
 */
public class TributaryException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception with a message.
	 *
	 * @param message what went wrong
	 */
	public TributaryException(String message) {
		super(message);
	}

	/**
	 * An exception with a message and a cause.
	 *
	 * @param message what went wrong
	 * @param cause the cause
	 */
	public TributaryException(String message, Throwable cause) {
		super(message, cause);
	}
}
