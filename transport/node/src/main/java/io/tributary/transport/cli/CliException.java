package io.tributary.transport.cli;

/**
 * A failure the command line explains in one sentence and ends with exit code 1: a node that cannot start,
 * cannot be reached, refuses the token or reports a failed sync. Its message never holds a token.
 */
final class CliException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	CliException(String message) {
		super(message);
	}

	CliException(String message, Throwable cause) {
		super(message, cause);
	}
}
