package io.tributary.transport.client;

import io.tributary.TributaryException;

/**
 * The upstream refused the client's token. The outbox is kept; a new token resumes
 * ({@link SyncClient#resume(String)}).
 */
public class AuthRequiredException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception with the upstream's explanation.
	 *
	 * @param message the explanation
	 */
	public AuthRequiredException(String message) {
		super(message);
	}
}
