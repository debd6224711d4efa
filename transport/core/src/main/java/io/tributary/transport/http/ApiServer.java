package io.tributary.transport.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tributary.transport.peer.UserTokens;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The API's request handling under one prefix: routing, authentication, error answers and request metrics.
 * Disposed with its server (or with the host's, through {@link ApiRoutes}), which stops the stats counting.
 */
final class ApiServer implements Disposable {

	private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

	private static final String BEARER = "Bearer ";

	private final String prefix;
	private final String token;
	private final UserTokens users;
	private final HttpApi.Authenticator authenticator;
	private final ApiJson json;
	private final OperationCounts counts;
	private final List<Route> routes;
	private final HttpMetrics metrics;
	private final Disposable purging;
	private final SignalHub signals;

	ApiServer(HttpApi config, String prefix) {
		this.prefix = prefix;
		this.token = config.token();
		this.users = config.users();
		this.authenticator = config.authenticator();
		this.json = new ApiJson(config.maxBodyBytes());
		this.counts = new OperationCounts(config.engine());
		this.signals = new SignalHub(config.engine());
		this.routes = new Endpoints(config, json, counts, signals, prefix).routes();
		this.metrics = new HttpMetrics(config.meterRegistry());
		this.purging = config.idempotencyKeys().startPurging();
	}

	String prefix() {
		return prefix;
	}

	/** Whether the request's path is the prefix or under it. */
	boolean matches(HttpServerRequest request) {
		return prefix.isEmpty() || under(new QueryStringDecoder(request.uri()).rawPath());
	}

	private boolean under(String rawPath) {
		return rawPath.startsWith(prefix)
				&& (rawPath.length() == prefix.length() || rawPath.charAt(prefix.length()) == '/');
	}

	/** Serves one request, authenticated as configured; called by Reactor Netty on the connection's event loop. */
	Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		return handle(request, response, null);
	}

	/**
	 * Serves one request; called by Reactor Netty on the connection's event loop.
	 *
	 * @param host who the host's own authentication says the request acts for; {@code null} to authenticate it here
	 */
	Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response, Caller host) {
		long start = System.nanoTime();
		String[] route = { HttpMetrics.UNMATCHED };
		return Mono.defer(() -> {
			QueryStringDecoder uri = new QueryStringDecoder(request.uri());
			String rawPath = uri.rawPath();
			if (!under(rawPath)) {
				return Mono.error(ApiException.notFound("no endpoint " + Exchange.abbreviate(rawPath)
						+ "; the API is under " + prefix + "/"));
			}
			String[] path;
			try {
				path = Paths.decode(rawPath.substring(prefix.length()));
				uri.parameters();
			}
			catch (IllegalArgumentException e) {
				return Mono.error(ApiException.badRequest("bad_request", "malformed escape in the URI: " + e.getMessage()));
			}
			Route matched = null;
			Map<String, String> vars = null;
			List<String> allowed = new ArrayList<>(2);
			for (Route r : routes) {
				Map<String, String> v = r.match(path);
				if (v == null) {
					continue;
				}
				route[0] = r.template();
				if (r.method().equals(request.method())) {
					matched = r;
					vars = v;
					break;
				}
				allowed.add(r.method().name());
			}
			Route found = matched;
			Map<String, String> foundVars = vars;
			// unknown paths are not told apart from known ones before authentication
			Mono<Caller> caller = host != null ? Mono.just(host)
					: matched != null && matched.isOpen() ? Mono.just(Caller.node()) : authenticate(request);
			return caller
					.switchIfEmpty(Mono.error(() -> new ApiException(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
							authenticator != null ? "this endpoint needs the host's authentication"
									: "this endpoint needs 'Authorization: Bearer <token>'",
							Map.of("WWW-Authenticate", "Bearer realm=\"tributary\""))))
					.flatMap(c -> {
						if (found == null) {
							return Mono.error(allowed.isEmpty()
									? ApiException.notFound("no endpoint " + Exchange.abbreviate(rawPath) + "; GET "
											+ prefix + "/api/help lists them")
									: new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
											request.method().name() + " is not allowed on " + prefix + route[0] + "; use "
													+ String.join(" or ", allowed),
											Map.of("Allow", String.join(", ", allowed))));
						}
						return found.handler().handle(new Exchange(request, response, foundVars, uri, json, c.user()));
					});
		})
				.onErrorResume(error -> answerError(request, response, error))
				// metrics are recorded when the response ended, was cancelled or failed
				.doFinally(signal -> metrics.record(request.method(), route[0], response.status(),
						System.nanoTime() - start));
	}

	/**
	 * Who a request acts for, as the host's authenticator says, or else as its bearer token says; empty when the
	 * request is not admitted.
	 */
	private Mono<Caller> authenticate(HttpServerRequest request) {
		if (authenticator != null) {
			return Mono.defer(() -> authenticator.authenticate(request));
		}
		return Mono.justOrEmpty(tokenCaller(request));
	}

	/**
	 * The caller the request's bearer token stands for: the node's token (or no token where none is configured) is
	 * unrestricted, a user's token acts for that user; {@code null} when none does. Tokens are compared in constant
	 * time.
	 */
	private Caller tokenCaller(HttpServerRequest request) {
		boolean noUsers = users == null || users.isEmpty();
		if (token == null && noUsers) {
			return Caller.node();
		}
		String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
		if (header == null || header.length() <= BEARER.length()
				|| !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
			return null;
		}
		String offered = header.substring(BEARER.length()).trim();
		if (token != null && UserTokens.matches(token, offered)) {
			return Caller.node();
		}
		io.tributary.transport.peer.UserTokens.Grant grant = noUsers ? null : users.grantOf(offered);
		return grant == null ? null : Caller.user(grant.user(), grant.projects());
	}

	private Mono<Void> answerError(HttpServerRequest request, HttpServerResponse response, Throwable error) {
		ApiException answer = ApiException.of(error);
		if (answer == null) {
			log.error("{} {} failed", request.method(), request.uri(), error);
			answer = ApiException.internal();
		}
		if (response.hasSentHeaders()) {
			// a stream that already started cannot change its status: end the connection so that the
			// client sees a failure, not a complete answer
			log.warn("{} {} ended with an error after the response started: {}", request.method(), request.uri(),
					error.toString());
			return Mono.error(error);
		}
		for (Map.Entry<String, String> h : answer.headers().entrySet()) {
			response.header(h.getKey(), h.getValue());
		}
		return Exchange.send(response, answer.status(), json.write(ApiAnswers.error(answer.code(), answer.getMessage())));
	}

	@Override
	public void dispose() {
		purging.dispose();
		signals.dispose();
		counts.dispose();
	}

	@Override
	public boolean isDisposed() {
		return counts.isDisposed();
	}
}
