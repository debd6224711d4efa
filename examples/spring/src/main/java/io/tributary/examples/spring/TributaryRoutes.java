package io.tributary.examples.spring;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;

import io.tributary.transport.http.ApiRoutes;
import io.tributary.transport.http.Caller;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Tributary's HTTP API as a WebFlux router function: requests under the API's prefix, once the service's filters
 * have let them through, are handed to the API's Reactor Netty handler with the request and response WebFlux runs on
 * (Spring Boot's WebFlux server is Reactor Netty). The API then reads the body and writes the answer itself,
 * streams (server-sent events) included, exactly as on a node; it acts for the user the service's security
 * authenticated.
 * <p>
 * Before the API writes, WebFlux's response is committed without a body: what the filters put on it (headers,
 * cookies, before-commit actions) goes onto the response, and WebFlux writes nothing of its own afterwards.
 */
final class TributaryRoutes {

	private TributaryRoutes() {
	}

	/**
	 * Routes the API's prefix and every path under it to the API.
	 *
	 * @param api the mounted API
	 * @return the router function
	 */
	static RouterFunction<ServerResponse> of(ApiRoutes api) {
		return RouterFunctions.route(RequestPredicates.path(api.prefix() + "/**"), request -> serve(api, request));
	}

	private static Mono<ServerResponse> serve(ApiRoutes api, ServerRequest request) {
		Caller caller = Caller.user(ApiKeyFilter.user(request.exchange()));
		return ServerResponse.ok().build((ServerWebExchange exchange, ServerResponse.Context context) -> {
			HttpServerRequest nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
			HttpServerResponse nativeResponse = ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse());
			return exchange.getResponse().setComplete()
					.then(Mono.defer(() -> Mono.from(api.handle(nativeRequest, nativeResponse, caller))));
		});
	}
}
