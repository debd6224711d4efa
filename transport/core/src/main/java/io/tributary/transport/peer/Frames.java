package io.tributary.transport.peer;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import reactor.netty.Connection;

/**
 * Installs the frame decoder on a connection.
 */
final class Frames {

	static final String DECODER = "tributary-frame-decoder";

	private Frames() {
	}

	/** Splits the byte stream into frames (type byte and body, length prefix stripped); fails fast when too long. */
	static void install(Connection connection, int maxFrameBytes) {
		connection.addHandlerLast(DECODER, new LengthFieldBasedFrameDecoder(maxFrameBytes + 4, 0, 4, 0, 4, true));
	}
}
