package io.tributary.transport.peer;

/**
 * The peer protocol's frame types (the byte after the length prefix); see {@code docs/PROTOCOL.md}.
 */
public enum FrameType {
	/** Opens a session: protocol versions, node id, token, vector, type filter. */
	HELLO(1),
	/** Accepts a session: chosen version, node id, vector. */
	WELCOME(2),
	/** A batch of events, each origin's in sequence order. */
	EVENTS(3),
	/** The receiver's vector after applying what it got. */
	ACK(4),
	/** Heartbeat request. */
	PING(5),
	/** Heartbeat answer. */
	PONG(6),
	/** A protocol error; the sender closes the connection after it. */
	ERROR(7),
	/** The sender has sent everything it held when the session started (catch-up done; live follows). */
	CAUGHT_UP(8),
	/** Events of the last EVENTS frame the receiver refused permanently (protocol version 2). */
	REJECTED(9);

	private static final FrameType[] BY_CODE = new FrameType[10];

	static {
		for (FrameType t : values()) {
			BY_CODE[t.code] = t;
		}
	}

	private final int code;

	FrameType(int code) {
		this.code = code;
	}

	/**
	 * The wire code.
	 *
	 * @return the byte value
	 */
	public int code() {
		return code;
	}

	/**
	 * The type of a wire code.
	 *
	 * @param code the byte value
	 * @return the type, or {@code null} when unknown
	 */
	public static FrameType of(int code) {
		return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
	}
}
