package io.tributary;

/**
 * The storage could not be reached (a database server that is down, restarting or refusing connections): the
 * operation did not happen, nothing of it was stored, and it may succeed when retried once the storage is back. The
 * message names the storage (never its password).
 */
public class StorageUnavailableException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception naming the storage and why it cannot be reached.
	 *
	 * @param message what could not be reached, and why
	 * @param cause the driver's error
	 */
	public StorageUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}
}
