package io.tributary.transport.http;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Reads a request body into memory up to a limit. A declared {@code Content-Length} over the limit is
 * refused before reading; a chunked body is refused as soon as it passes the limit, so no more than the
 * limit is ever held.
 */
final class BodyReader {

	private BodyReader() {
	}

	/**
	 * The body's bytes; empty array for no body. Errors with a 413 {@link ApiException} over the limit.
	 * Cold; the bytes arrive on the connection's event loop.
	 */
	static Mono<byte[]> read(HttpServerRequest request, int maxBytes) {
		return Mono.defer(() -> {
			String declared = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
			if (declared != null) {
				long length;
				try {
					length = Long.parseLong(declared.trim());
				}
				catch (NumberFormatException e) {
					return Mono.error(ApiException.badRequest("bad_request", "Content-Length is not a number"));
				}
				if (length > maxBytes) {
					return Mono.error(tooLarge(maxBytes));
				}
			}
			// the event loop releases each buffer after onNext: copy, never keep it
			return request.receive().reduceWith(() -> new Accumulator(maxBytes), Accumulator::add).map(Accumulator::bytes);
		});
	}

	static ApiException tooLarge(int maxBytes) {
		return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
				"the request body is over the limit of " + maxBytes + " bytes");
	}

	private static final class Accumulator {
		private final int max;
		private byte[] bytes = new byte[0];
		private int size;

		Accumulator(int max) {
			this.max = max;
		}

		Accumulator add(ByteBuf chunk) {
			int n = chunk.readableBytes();
			if (n > max - size) {
				throw tooLarge(max);
			}
			if (size + n > bytes.length) {
				bytes = Arrays.copyOf(bytes, (int) Math.min(max, Math.max(size + n, 2L * bytes.length + 1024)));
			}
			chunk.readBytes(bytes, size, n);
			size += n;
			return this;
		}

		byte[] bytes() {
			return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
		}
	}
}
