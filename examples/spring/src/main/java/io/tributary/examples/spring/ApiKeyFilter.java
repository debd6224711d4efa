package io.tributary.examples.spring;

import java.nio.charset.StandardCharsets;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * The service's own security, in front of every path (its own endpoint and Tributary's API alike): a request must
 * carry a known API key in {@code X-Api-Key}; the key's user goes into the exchange's attributes ({@link #USER}) for
 * the handlers. A request without one is answered 401 and goes no further.
 */
@Component
final class ApiKeyFilter implements WebFilter {

	/** The header that carries the key. */
	static final String HEADER = "X-Api-Key";

	/** The exchange attribute that holds the authenticated user's name. */
	static final String USER = "todo.user";

	private final TodoProperties settings;

	ApiKeyFilter(TodoProperties settings) {
		this.settings = settings;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String key = exchange.getRequest().getHeaders().getFirst(HEADER);
		String user = key == null ? null : settings.apiKeys().get(key);
		if (user == null) {
			exchange.getResponse().setStatusCode(HttpStatus.UNAUTHORIZED);
			exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_JSON);
			DataBuffer body = exchange.getResponse().bufferFactory().wrap(("{\"error\":\"unauthorized\",\"message\":"
					+ "\"this service needs a known API key in " + HEADER + "\"}").getBytes(StandardCharsets.UTF_8));
			return exchange.getResponse().writeWith(Mono.just(body));
		}
		exchange.getAttributes().put(USER, user);
		return chain.filter(exchange);
	}

	/** The user the filter authenticated; the handlers run behind it, so there always is one. */
	static String user(ServerWebExchange exchange) {
		String user = exchange.getAttribute(USER);
		if (user == null) {
			throw new IllegalStateException("no user: the request did not pass " + ApiKeyFilter.class.getSimpleName());
		}
		return user;
	}
}
