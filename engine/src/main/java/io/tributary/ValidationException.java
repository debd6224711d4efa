package io.tributary;

/**
 * A write was refused because it is not valid: a missing field, a payload that is not a JSON object,
 * a name that is too long. Nothing was stored. Retrying the same write fails the same way.
 */
public class ValidationException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception with a message.
	 *
	 * @param message what is invalid
	 */
	public ValidationException(String message) {
		super(message);
	}

	/**
	 * An exception with a message and a cause.
	 *
	 * @param message what is invalid
	 * @param cause the cause
	 */
	public ValidationException(String message, Throwable cause) {
		super(message, cause);
	}
}
