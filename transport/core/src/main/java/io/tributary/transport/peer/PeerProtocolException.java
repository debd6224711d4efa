package io.tributary.transport.peer;

import io.tributary.TributaryException;

/**
 * A peer session ended on a protocol error, sent or received.
 */
public class PeerProtocolException extends TributaryException {

	private static final long serialVersionUID = 1L;

	private final ErrorCode code;
	private final boolean remote;

	/**
	 * An exception for a protocol error.
	 *
	 * @param code the error code
	 * @param message what happened
	 * @param remote whether the peer reported it (rather than this node detecting it)
	 */
	public PeerProtocolException(ErrorCode code, String message, boolean remote) {
		super((remote ? "peer reported " : "") + code + ": " + message);
		this.code = code;
		this.remote = remote;
	}

	/**
	 * The error code.
	 *
	 * @return the code
	 */
	public ErrorCode code() {
		return code;
	}

	/**
	 * Whether the peer reported it.
	 *
	 * @return true when received in an ERROR frame
	 */
	public boolean remote() {
		return remote;
	}
}
