package io.tributary.transport.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/** A blocking HTTP client for tests, and a parser of server-sent events. */
final class TestClient {

	static final ObjectMapper MAPPER = new ObjectMapper();
	static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final HttpClient client;

	TestClient(DisposableServer server) {
		this(HttpClient.create().baseUrl("http://127.0.0.1:" + server.port()));
	}

	TestClient(int port) {
		this(HttpClient.create().baseUrl("http://127.0.0.1:" + port));
	}

	private TestClient(HttpClient client) {
		this.client = client;
	}

	TestClient withHeader(String name, String value) {
		return new TestClient(client.headers(h -> h.set(name, value)));
	}

	TestClient withToken(String token) {
		return withHeader(HttpHeaderNames.AUTHORIZATION.toString(), "Bearer " + token);
	}

	Response get(String uri) {
		return request(HttpMethod.GET, uri, null, null);
	}

	Response post(String uri, String json) {
		return request(HttpMethod.POST, uri, "application/json", json);
	}

	Response request(HttpMethod method, String uri, String contentType, String body) {
		HttpClient c = contentType == null ? client : client.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, contentType));
		return c.request(method)
				.uri(uri)
				.send(body == null ? Mono.empty() : ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
						.map(text -> new Response(res.status().code(), res.responseHeaders(), text)))
				.block(TIMEOUT);
	}

	/** Sends a body of any bytes. */
	Response postBytes(String uri, String contentType, byte[] body) {
		return client.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, contentType))
				.post()
				.uri(uri)
				.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
				.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
						.map(text -> new Response(res.status().code(), res.responseHeaders(), text)))
				.block(TIMEOUT);
	}

	/** Sends a body in chunks, without a Content-Length. */
	Response postChunked(String uri, List<String> chunks) {
		return client.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post()
				.uri(uri)
				.send(ByteBufFlux.fromString(Flux.fromIterable(chunks)))
				.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
						.map(text -> new Response(res.status().code(), res.responseHeaders(), text)))
				.block(TIMEOUT);
	}

	/** The frames of a server-sent-event stream, comments included; cancel to disconnect. */
	Flux<SseFrame> stream(String uri, Map<String, String> headers) {
		return client.headers(h -> headers.forEach(h::set))
				.get()
				.uri(uri)
				.response((res, content) -> {
					if (res.status().code() != 200) {
						return Flux.error(new AssertionError("stream answered " + res.status()));
					}
					return SseFrame.parse(content.asString(StandardCharsets.UTF_8));
				});
	}

	/** A response. */
	record Response(int status, HttpHeaders headers, String body) {
		JsonNode json() {
			try {
				return MAPPER.readTree(body);
			}
			catch (java.io.IOException e) {
				throw new AssertionError("not JSON (" + status + "): " + body, e);
			}
		}

		/** The error code of a {@code {"error","message"}} body, checking the shape. */
		String error() {
			JsonNode j = json();
			if (!j.path("error").isTextual() || !j.path("message").isTextual()) {
				throw new AssertionError("not an error body: " + body);
			}
			return j.get("error").asText();
		}
	}

	/**
	 * One event or comment of a stream.
	 *
	 * @param id the id field, null when none
	 * @param event the event field, null when none
	 * @param data the data lines joined with '\n', null when none
	 * @param comment the comment text, null for an event
	 */
	record SseFrame(String id, String event, String data, String comment) {

		JsonNode json() {
			try {
				return MAPPER.readTree(data);
			}
			catch (java.io.IOException e) {
				throw new AssertionError("data is not JSON: " + data, e);
			}
		}

		boolean isChange() {
			return "change".equals(event);
		}

		/** Splits text chunks (cut anywhere) into frames at blank lines. */
		static Flux<SseFrame> parse(Flux<String> chunks) {
			return Flux.defer(() -> {
				StringBuilder pending = new StringBuilder();
				return chunks.concatMapIterable(chunk -> {
					pending.append(chunk);
					List<SseFrame> frames = new ArrayList<>();
					int end;
					while ((end = pending.indexOf("\n\n")) >= 0) {
						frames.add(frame(pending.substring(0, end)));
						pending.delete(0, end + 2);
					}
					return frames;
				});
			});
		}

		private static SseFrame frame(String block) {
			String id = null;
			String event = null;
			StringBuilder data = null;
			StringBuilder comment = null;
			for (String line : block.split("\n", -1)) {
				if (line.startsWith(":")) {
					comment = (comment == null ? new StringBuilder() : comment.append('\n')).append(line.substring(1).trim());
					continue;
				}
				int colon = line.indexOf(':');
				String field = colon < 0 ? line : line.substring(0, colon);
				String value = colon < 0 ? "" : line.substring(colon + 1);
				if (value.startsWith(" ")) {
					value = value.substring(1);
				}
				switch (field) {
				case "id":
					id = value;
					break;
				case "event":
					event = value;
					break;
				case "data":
					data = (data == null ? new StringBuilder() : data.append('\n')).append(value);
					break;
				default:
					break;
				}
			}
			return new SseFrame(id, event, data == null ? null : data.toString(), comment == null ? null : comment.toString());
		}
	}
}
