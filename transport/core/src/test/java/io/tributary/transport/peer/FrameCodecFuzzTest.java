package io.tributary.transport.peer;

import java.util.Arrays;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input to the peer protocol's decoding: whatever bytes arrive, the result is a frame or a declared
 * protocol error ({@code BAD_FRAME}, {@code FRAME_TOO_LARGE}), never another exception, a hang or an
 * allocation beyond the frame limit. Runs the saved corpus under {@code src/test/resources} in the default
 * build (Jazzer's regression mode); {@code JAZZER_FUZZ=1} with the {@code fuzz} profile fuzzes for real
 * (docs/RELIABILITY.md).
 */
class FrameCodecFuzzTest {

	private static final int MAX_FRAME = 64 * 1024;
	private static final Set<ErrorCode> DECLARED = Set.of(ErrorCode.BAD_FRAME, ErrorCode.FRAME_TOO_LARGE);

	private final FrameCodec codec = new FrameCodec(MAX_FRAME);

	/** One frame body (type byte and JSON), as the length-field decoder hands it over. */
	@FuzzTest(maxDuration = "5m")
	void aFrameDecodesOrIsADeclaredError(byte[] frame) {
		Frame decoded;
		try {
			decoded = codec.decode(frame);
		}
		catch (PeerProtocolException e) {
			assertTrue(DECLARED.contains(e.code()), e.code() + ": " + e.getMessage());
			return;
		}
		// what was decoded encodes to a frame that decodes to the same encoding: nothing was half-read
		byte[] encoded = codec.encode(decoded);
		byte[] again = codec.encode(codec.decode(Arrays.copyOfRange(encoded, 4, encoded.length)));
		assertArrayEquals(encoded, again, "re-encoding of " + decoded);
	}

	/**
	 * A byte stream cut into arbitrary reads, through the same length-field decoder a connection installs:
	 * frames come out whole or the stream ends with {@code FRAME_TOO_LARGE}; every buffer is released.
	 */
	@FuzzTest(maxDuration = "5m")
	void aStreamSplitsIntoFramesOrADeclaredError(FuzzedDataProvider data) {
		int cuts = data.consumeInt(0, 16);
		int[] sizes = new int[cuts];
		for (int i = 0; i < cuts; i++) {
			sizes[i] = data.consumeInt(1, 64);
		}
		byte[] stream = data.consumeRemainingAsBytes();
		EmbeddedChannel channel = new EmbeddedChannel(new LengthFieldBasedFrameDecoder(MAX_FRAME + 4, 0, 4, 0, 4, true));
		try {
			int at = 0;
			for (int i = 0; at < stream.length; i++) {
				int n = i < cuts ? Math.min(sizes[i], stream.length - at) : stream.length - at;
				try {
					channel.writeInbound(Unpooled.wrappedBuffer(stream, at, n));
				}
				catch (TooLongFrameException e) {
					// the declared FRAME_TOO_LARGE: the session answers with the error frame and closes
					return;
				}
				at += n;
				for (ByteBuf frame; (frame = channel.readInbound()) != null;) {
					try {
						assertTrue(frame.readableBytes() <= MAX_FRAME, "frame within the limit");
						aFrameDecodesOrIsADeclaredError(ByteBufUtil.getBytes(frame));
					}
					finally {
						frame.release();
					}
				}
			}
		}
		finally {
			channel.finishAndReleaseAll();
		}
	}
}
