package io.tributary.transport.http;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The {@code tributary.http.requests} timer: one per method, route template and status class, so the
 * number of series stays small whatever clients send.
 */
final class HttpMetrics {

	/** The route tag of requests that matched no route. */
	static final String UNMATCHED = "unmatched";

	private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

	private final MeterRegistry registry;

	HttpMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void record(HttpMethod method, String route, HttpResponseStatus status, long nanos) {
		String m = METHODS.contains(method.name()) ? method.name() : "OTHER";
		Timer.builder("tributary.http.requests")
				.description("HTTP requests served by the API, until the response ended")
				.tags("method", m, "route", route, "status", status.code() / 100 + "xx")
				.register(registry)
				.record(nanos, TimeUnit.NANOSECONDS);
	}
}
