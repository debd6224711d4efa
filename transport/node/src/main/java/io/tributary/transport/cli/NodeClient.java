package io.tributary.transport.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutException;
import io.tributary.Limits;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;

/**
 * A node's HTTP API as the operator commands use it: one new connection per request (a command makes one
 * or two), the bearer token on every request, failures mapped to a {@link CliException} that says what to
 * do. The answers are cold {@code Mono}s completing on a Netty event loop; commands block on them.
 */
final class NodeClient {

	/** The most bytes of one answer the commands parse; the largest answers are change pages of about 4 MiB. */
	static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

	// the answer comes from wherever --node points: bounded like every other JSON input
	// (a change's data sits a few levels down in a page, and may be anything a payload may be)
	static final ObjectMapper JSON = new ObjectMapper(Limits.jsonFactory(8, MAX_ANSWER_BYTES));

	private final URI node;
	private final boolean hasToken;
	private final Duration timeout;
	private final HttpClient http;

	NodeClient(URI node, String token, Duration timeout) {
		this(node, token, timeout, null);
	}

	/**
	 * A client of one node.
	 *
	 * @param node the node's base URL, {@code http} or {@code https}
	 * @param token the bearer token, {@code null} for none
	 * @param timeout how long to wait for an answer
	 * @param caFile PEM CA certificates to trust for an https node, {@code null} for the JVM's
	 * @throws CliException when {@code caFile} cannot be read
	 */
	NodeClient(URI node, String token, Duration timeout, Path caFile) {
		this.node = node;
		this.hasToken = token != null;
		this.timeout = timeout;
		int connectMillis = (int) Math.min(timeout.toMillis(), 10_000);
		HttpClient client = HttpClient.newConnection();
		if (caFile != null) {
			SslContext trusting = trusting(caFile);
			client = client.secure(spec -> spec.sslContext(trusting));
		}
		this.http = client
				.baseUrl(node.toString())
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(connectMillis, 1))
				.responseTimeout(timeout)
				.headers(h -> {
					h.set(HttpHeaderNames.ACCEPT, "application/json");
					if (token != null) {
						h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
					}
				});
	}

	private static SslContext trusting(Path caFile) {
		try {
			return Http11SslContextSpec.forClient().configure(b -> b.trustManager(caFile.toFile())).sslContext();
		}
		catch (SSLException | RuntimeException e) {
			throw new CliException("cannot use --ca-file " + caFile + ": " + (e.getCause() != null
					? e.getCause().getMessage() : e.getMessage()), e);
		}
	}

	/** The node's base URL, as given. */
	URI node() {
		return node;
	}

	/**
	 * A JSON answer with status 2xx.
	 *
	 * @param path the path and query
	 * @return the body; errors with a {@link CliException} when the node is unreachable or answers otherwise
	 */
	Mono<JsonNode> get(String path) {
		return exchange(HttpMethod.GET, path).map(this::require);
	}

	/**
	 * Any answer the node gives, for callers that read error bodies themselves.
	 *
	 * @param method the method
	 * @param path the path and query
	 * @return the status and the body ({@link NullNode} when empty); errors with a {@link CliException} when the
	 *         node is unreachable, does not answer in time or answers 401
	 */
	Mono<Answer> exchange(HttpMethod method, String path) {
		return exchange(method, path, null);
	}

	/**
	 * Any answer the node gives to a request with a JSON body.
	 *
	 * @param method the method
	 * @param path the path and query
	 * @param json the body, {@code null} for none
	 * @return the status and the body, as {@link #exchange(HttpMethod, String)}
	 */
	Mono<Answer> exchange(HttpMethod method, String path, String json) {
		HttpClient client = json == null ? http
				: http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
		return client.request(method)
				.uri(path)
				.send(json == null ? Mono.empty() : ByteBufFlux.fromString(Mono.just(json), StandardCharsets.UTF_8,
						ByteBufAllocator.DEFAULT))
				.responseSingle((response, body) -> body.asString(StandardCharsets.UTF_8)
						.defaultIfEmpty("")
						.map(text -> new Answer(response.status(), parse(text, response.status()))))
				// responseTimeout covers the wait for each read; this also bounds a slow trickle of a body
				.timeout(timeout.plusSeconds(5))
				.onErrorMap(e -> !(e instanceof CliException), this::unreachable)
				.map(this::refuseUnauthorized);
	}

	/** The body of a 2xx answer, or the node's reason for another. */
	JsonNode require(Answer answer) {
		if (answer.status().code() / 100 == 2) {
			return answer.body();
		}
		throw new CliException("the node at " + node + " answered " + answer.status() + reason(answer.body()));
	}

	private Answer refuseUnauthorized(Answer answer) {
		if (answer.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
			throw new CliException(hasToken
					? "the node at " + node + " refused the token (401 Unauthorized): check --token or "
							+ NodeSettings.TOKEN_VARIABLE
					: "the node at " + node + " needs a token (401 Unauthorized): give it with --token or "
							+ NodeSettings.TOKEN_VARIABLE);
		}
		return answer;
	}

	private JsonNode parse(String text, HttpResponseStatus status) {
		if (text.isBlank()) {
			return NullNode.getInstance();
		}
		try {
			return JSON.readTree(text);
		}
		catch (IOException e) {
			throw new CliException("the node at " + node + " answered " + status
					+ " with a body that is not JSON; is this a Tributary node?");
		}
	}

	private Throwable unreachable(Throwable e) {
		String why;
		if (e instanceof ConnectTimeoutException) {
			why = "the connection timed out";
		}
		else if (e instanceof ConnectException) {
			why = "connection refused; is the node running and is --node right?";
		}
		else if (e instanceof UnknownHostException) {
			why = "unknown host " + node.getHost();
		}
		else if (e instanceof ReadTimeoutException || e instanceof TimeoutException) {
			return new CliException("the node at " + node + " did not answer within "
					+ DurationConverter.format(timeout) + " (--timeout)", e);
		}
		else if (e instanceof SSLHandshakeException || e.getCause() instanceof SSLHandshakeException) {
			Throwable h = e instanceof SSLHandshakeException ? e : e.getCause();
			return new CliException("the TLS handshake with the node at " + node + " failed (" + h.getMessage()
					+ "); is --ca-file the CA that signed the node's certificate?", e);
		}
		else if (e instanceof SSLException) {
			return new CliException("TLS with the node at " + node + " failed: " + e.getMessage()
					+ (node.getScheme().equalsIgnoreCase("https") ? "" : "; does the node serve HTTPS?"), e);
		}
		else if (e instanceof PrematureCloseException) {
			return new CliException("the node at " + node + " closed the connection before answering", e);
		}
		else {
			why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
		}
		return new CliException("cannot reach the node at " + node + ": " + why, e);
	}

	private static String reason(JsonNode body) {
		JsonNode message = body.path("message");
		return message.isTextual() ? ": " + message.asText() : "";
	}

	/**
	 * A status and a JSON body.
	 *
	 * @param status the status
	 * @param body the body, {@link NullNode} when empty
	 */
	record Answer(HttpResponseStatus status, JsonNode body) {
	}
}
