package io.tributary.transport.peer;

/**
 * Error codes carried by {@link FrameType#ERROR} frames; see {@code docs/PROTOCOL.md}.
 */
public enum ErrorCode {
	/** A frame could not be decoded (unknown type, malformed body). */
	BAD_FRAME,
	/** A frame's length exceeds the receiver's maximum. */
	FRAME_TOO_LARGE,
	/** The token is missing or wrong. */
	UNAUTHORIZED,
	/** No protocol version in common. */
	UNSUPPORTED_VERSION,
	/** A valid frame at the wrong time (events before the handshake, a second HELLO). */
	PROTOCOL_VIOLATION,
	/** An event was refused by validation; nothing of its batch was stored. */
	INVALID_EVENT,
	/** An event belongs to another user than the session's (row-level security); a rejection code. */
	FORBIDDEN,
	/** Nothing was received for longer than the idle timeout. */
	IDLE_TIMEOUT,
	/** The two sides fold events into entity state differently (their projection policies differ). */
	POLICY_MISMATCH,
	/** The node is shutting down. */
	SHUTTING_DOWN,
	/** The receiver failed unexpectedly. */
	INTERNAL;

	/**
	 * Whether a client should stop reconnecting after this error (retrying cannot help).
	 *
	 * @return true for authentication, version and policy errors
	 */
	public boolean isFatal() {
		return this == UNAUTHORIZED || this == UNSUPPORTED_VERSION || this == POLICY_MISMATCH;
	}
}
