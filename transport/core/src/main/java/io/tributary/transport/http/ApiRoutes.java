package io.tributary.transport.http;

import java.util.Objects;
import java.util.function.Consumer;

import org.reactivestreams.Publisher;

import reactor.core.Disposable;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The HTTP API mounted under a path prefix of a host's Reactor Netty server: every path under the prefix is the
 * API's ({@code <prefix>/api/changes}, {@code <prefix>/health}, …, unknown ones answered with the API's 404), every
 * other path is left to the host's routes. Made by {@link HttpApi#routes(String)}; the standalone server of
 * {@link HttpApi#bind(String, int)} is the same routes at the root.
 * <pre>{@code
 * ApiRoutes api = HttpApi.builder(engine).token(token).build().routes("/sync");
 * DisposableServer server = HttpServer.create().port(8080)
 *         .route(r -> {
 *             api.accept(r);                                   // /sync/**: Tributary's API
 *             r.get("/mine", (req, res) -> res.sendString(Mono.just("the host's own")));
 *         })
 *         .bindNow();
 * server.onDispose(api);                                       // stops the API's background work with the server
 * }</pre>
 * Mounted at the root ({@code routes("")}) the API answers every path, so a host registers its own routes first.
 * Requests are authenticated as the {@link HttpApi} is configured (its token and users' tokens, or its
 * {@link HttpApi.Authenticator}); {@link #handle(HttpServerRequest, HttpServerResponse, Caller)} serves a request
 * that the host has authenticated itself.
 * <p>
 * Thread-safe. Handlers run on the connection's event loop and never block it. Holds the API's background work
 * (the stats' count of the log, the signals' fan-out, the purge of expired idempotency keys), which
 * {@link #dispose()} stops: dispose it with the host's server.
 */
public final class ApiRoutes implements Consumer<HttpServerRoutes>, Disposable {

	private final ApiServer server;

	ApiRoutes(ApiServer server) {
		this.server = server;
	}

	/**
	 * The prefix the API is mounted under.
	 *
	 * @return {@code ""} at the root, else {@code /segment...} without a trailing slash
	 */
	public String prefix() {
		return server.prefix();
	}

	/**
	 * Whether a request's path is the API's: the prefix itself or a path under it.
	 *
	 * @param request the request
	 * @return true when the API serves it
	 */
	public boolean matches(HttpServerRequest request) {
		return server.matches(Objects.requireNonNull(request, "request"));
	}

	/**
	 * Adds the API to a host's routes: the paths {@link #matches(HttpServerRequest)} accepts go to
	 * {@link #handle(HttpServerRequest, HttpServerResponse)}.
	 *
	 * @param routes the host's routes, as {@code HttpServer.route(...)} hands them
	 */
	@Override
	public void accept(HttpServerRoutes routes) {
		routes.route(server::matches, server::handle);
	}

	/**
	 * Serves one request, authenticated as the API is configured. Cold; call it on the connection's event loop, as
	 * Reactor Netty calls handlers. A path outside the prefix is answered 404.
	 *
	 * @param request the request
	 * @param response its response
	 * @return completes when the response is written; errors only when a response that already started fails
	 */
	public Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		return server.handle(request, response);
	}

	/**
	 * Serves one request that the host has authenticated itself, acting for {@code caller}: the API's token, users'
	 * tokens and authenticator are not consulted. For hosts that put the API behind their own security (such as a
	 * Spring WebFlux application's filters), which decided who the request is.
	 *
	 * @param request the request
	 * @param response its response
	 * @param caller who the request acts for
	 * @return as {@link #handle(HttpServerRequest, HttpServerResponse)}
	 */
	public Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response, Caller caller) {
		return server.handle(request, response, Objects.requireNonNull(caller, "caller"));
	}

	/** Stops the API's background work; requests still served afterwards may answer stale stats. Idempotent. */
	@Override
	public void dispose() {
		server.dispose();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	@Override
	public String toString() {
		return "ApiRoutes{prefix='" + prefix() + "'}";
	}
}
