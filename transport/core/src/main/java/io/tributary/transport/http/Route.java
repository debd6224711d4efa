package io.tributary.transport.http;

import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;

/**
 * One endpoint: a method and a path template whose {@code {name}} segments match one path segment each,
 * with the documentation {@code /api/help} shows. The template, not the request path, is the
 * {@code route} tag of the request metrics.
 */
final class Route {

	private final HttpMethod method;
	private final String template;
	private final String[] segments;
	private final boolean open;
	private final String description;
	private final List<Param> params;
	private final Handler handler;

	private Route(HttpMethod method, String template, boolean open, String description, List<Param> params,
			Handler handler) {
		this.method = method;
		this.template = template;
		this.segments = Paths.split(template);
		this.open = open;
		this.description = description;
		this.params = List.copyOf(params);
		this.handler = handler;
	}

	/** A route that requires the token when one is configured. */
	static Route of(HttpMethod method, String template, String description, List<Param> params, Handler handler) {
		return new Route(method, template, false, description, params, handler);
	}

	/** A route served without the token. */
	static Route open(HttpMethod method, String template, String description, List<Param> params, Handler handler) {
		return new Route(method, template, true, description, params, handler);
	}

	/**
	 * Matches decoded path segments against the template.
	 *
	 * @return the path variables, or {@code null} when the path does not match
	 */
	Map<String, String> match(String[] path) {
		if (path.length != segments.length) {
			return null;
		}
		Map<String, String> vars = Map.of();
		for (int i = 0; i < segments.length; i++) {
			String t = segments[i];
			if (t.startsWith("{") && t.endsWith("}")) {
				if (path[i].isEmpty()) {
					return null;
				}
				if (vars.isEmpty()) {
					vars = new java.util.HashMap<>(4);
				}
				vars.put(t.substring(1, t.length() - 1), path[i]);
			}
			else if (!t.equals(path[i])) {
				return null;
			}
		}
		return vars;
	}

	HttpMethod method() {
		return method;
	}

	String template() {
		return template;
	}

	boolean isOpen() {
		return open;
	}

	String description() {
		return description;
	}

	List<Param> params() {
		return params;
	}

	Handler handler() {
		return handler;
	}

	/** Serves a matched request. Called on a Netty event loop: must not block. */
	@FunctionalInterface
	interface Handler {
		Mono<Void> handle(Exchange exchange);
	}

	/**
	 * A documented parameter.
	 *
	 * @param name its name
	 * @param in where it goes: {@code path}, {@code query}, {@code header} or {@code body}
	 * @param description what it means, its default and bounds
	 */
	record Param(String name, String in, String description) {
	}
}
