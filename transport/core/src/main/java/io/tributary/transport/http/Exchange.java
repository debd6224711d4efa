package io.tributary.transport.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One matched request: its path variables and query parameters, with helpers that turn bad input
 * into {@link ApiException}s and write JSON answers.
 */
final class Exchange {

	private static final String JSON = "application/json";

	private final HttpServerRequest request;
	private final HttpServerResponse response;
	private final Map<String, String> vars;
	private final Map<String, List<String>> query;
	private final ApiJson json;
	private final String user;

	Exchange(HttpServerRequest request, HttpServerResponse response, Map<String, String> vars,
			QueryStringDecoder uri, ApiJson json, String user) {
		this.user = user;
		this.request = request;
		this.response = response;
		this.vars = vars;
		this.query = uri.parameters();
		this.json = json;
	}

	/** The user whose token the request presented, {@code null} for the node's token or none. */
	String user() {
		return user;
	}

	HttpServerRequest request() {
		return request;
	}

	HttpServerResponse response() {
		return response;
	}

	ApiJson json() {
		return json;
	}

	/** A path variable of the route's template. */
	String var(String name) {
		return vars.get(name);
	}

	/**
	 * A query parameter.
	 *
	 * @return its value, {@code null} when absent
	 * @throws ApiException when given more than once
	 */
	String query(String name) {
		List<String> values = query.get(name);
		if (values == null || values.isEmpty()) {
			return null;
		}
		if (values.size() > 1) {
			throw ApiException.badRequest("invalid_parameter", "query parameter '" + name + "' is given "
					+ values.size() + " times; give it once");
		}
		return values.get(0);
	}

	/**
	 * A whole-number query parameter within bounds.
	 *
	 * @throws ApiException when it is not a number or out of bounds
	 */
	long longQuery(String name, long defaultValue, long min, long max) {
		String value = query(name);
		return value == null ? defaultValue : parseLong("query parameter '" + name + "'", value, min, max);
	}

	static long parseLong(String what, String value, long min, long max) {
		long n;
		try {
			n = Long.parseLong(value.trim());
		}
		catch (NumberFormatException e) {
			throw ApiException.badRequest("invalid_parameter", what + " must be a whole number from " + min + " to "
					+ max + ", was '" + abbreviate(value) + "'");
		}
		if (n < min || n > max) {
			throw ApiException.badRequest("invalid_parameter", what + " must be from " + min + " to " + max + ", was " + n);
		}
		return n;
	}

	/** Refuses a body that declares a content type other than JSON; no content type is taken as JSON. */
	void requireJsonBody() {
		String type = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
		if (type == null) {
			return;
		}
		int semi = type.indexOf(';');
		String media = (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
		if (!media.equals(JSON) && !(media.startsWith("application/") && media.endsWith("+json"))) {
			throw new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
					"the body must be JSON (Content-Type: application/json), was '" + abbreviate(type) + "'");
		}
	}

	/** Sends a JSON document with a status. */
	Mono<Void> send(HttpResponseStatus status, byte[] body) {
		return send(response, status, body);
	}

	/** Sends a JSON document written by a generator with a status. */
	Mono<Void> send(HttpResponseStatus status, ApiJson.Body body) {
		return send(response, status, json.write(body));
	}

	static Mono<Void> send(HttpServerResponse response, HttpResponseStatus status, byte[] body) {
		return response.status(status)
				.header(HttpHeaderNames.CONTENT_TYPE, JSON)
				.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
				.header(HttpHeaderNames.CACHE_CONTROL, "no-store")
				.sendByteArray(Mono.just(body))
				.then();
	}

	/** A duration as people write it: {@code 24h}, {@code 90m}, {@code 45s} or {@code 1500ms}. */
	static String describe(java.time.Duration d) {
		if (d.toMillisPart() != 0 || d.isZero()) {
			return d.toMillis() + "ms";
		}
		long s = d.toSeconds();
		if (s % 3600 == 0) {
			return s / 3600 + "h";
		}
		return s % 60 == 0 ? s / 60 + "m" : s + "s";
	}

	/** Input echoed in a message, cut to a readable length. */
	static String abbreviate(String value) {
		return value.length() <= 64 ? value : value.substring(0, 64) + "…";
	}
}
