package io.tributary;

/**
 * A write was refused by row-level security: it was for another user than the one it was made as, or to an
 * entity another user owns. Nothing was stored.
 */
public class RowLevelSecurityException extends ValidationException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception with a message.
	 *
	 * @param message what was refused and why
	 */
	public RowLevelSecurityException(String message) {
		super(message);
	}
}
