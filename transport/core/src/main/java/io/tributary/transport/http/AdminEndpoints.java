package io.tributary.transport.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.SyncEngine;
import reactor.core.publisher.Mono;

/**
 * The handlers that run the node rather than its data: liveness ({@code GET /health}), metrics
 * ({@code GET /metrics}) and a graceful stop ({@code POST /api/shutdown}). The route table and its documentation
 * are in {@link Endpoints}.
 */
final class AdminEndpoints {

	private static final Logger log = LoggerFactory.getLogger(AdminEndpoints.class);

	private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

	private final SyncEngine engine;
	private final PrometheusMeterRegistry registry;
	private final Runnable shutdown;
	private final AtomicBoolean stopping = new AtomicBoolean();

	AdminEndpoints(SyncEngine engine, PrometheusMeterRegistry registry, Runnable shutdown) {
		this.engine = engine;
		this.registry = registry;
		this.shutdown = shutdown;
	}

	/** {@code GET /health}: up, with this node's id and the position of its newest event. */
	Mono<Void> health(Exchange x) {
		return x.send(HttpResponseStatus.OK, ApiAnswers.health(engine.origin(), engine.lastPosition()));
	}

	/**
	 * {@code POST /api/shutdown}: 202, then the stop runs once on a thread of its own; 409 where the server is
	 * embedded without a way to stop it.
	 */
	Mono<Void> shutdown(Exchange x) {
		Runnable stop = shutdown;
		if (stop == null) {
			throw new ApiException(HttpResponseStatus.CONFLICT, "not_stoppable",
					"this server cannot be stopped through its API; stop the process that embeds it");
		}
		boolean first = stopping.compareAndSet(false, true);
		return x.send(HttpResponseStatus.ACCEPTED, ApiAnswers.stopping(engine.origin())).doFinally(signal -> {
			// accepted once authenticated: the stop goes ahead even when the answer cannot be delivered
			if (first) {
				log.info("node {} asked to stop through POST /api/shutdown", engine.origin());
				// the stop waits for requests in flight, this one included: it must not run on this request's loop
				Thread t = new Thread(stop, "tributary-api-shutdown");
				t.setDaemon(false);
				t.start();
			}
		});
	}

	/** {@code GET /metrics}: the registry's scrape in the Prometheus text format. */
	Mono<Void> metrics(Exchange x) {
		return x.response()
				.header(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT)
				.sendString(Mono.fromCallable(registry::scrape), StandardCharsets.UTF_8)
				.then();
	}
}
