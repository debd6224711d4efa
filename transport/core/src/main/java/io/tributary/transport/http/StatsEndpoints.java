package io.tributary.transport.http;

import java.time.Duration;
import java.util.Map;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.transport.PeerDirectory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The handlers that sum up a replica: the counts of its log ({@code GET /api/stats}) and the digest of its
 * projected state ({@code GET /api/convergence}). The route table and its documentation are in {@link Endpoints}.
 */
final class StatsEndpoints {

	/** How long the first stats request waits for the counts to catch up with the log. */
	static final Duration STATS_CATCH_UP = Duration.ofSeconds(10);

	private final SyncEngine engine;
	private final PeerDirectory peers;
	private final OperationCounts counts;

	StatsEndpoints(SyncEngine engine, PeerDirectory peers, OperationCounts counts) {
		this.engine = engine;
		this.peers = peers;
		this.counts = counts;
	}

	/** {@code GET /api/stats}; 503 when counting the log failed. */
	Mono<Void> stats(Exchange x) {
		return counts.caughtUp(STATS_CATCH_UP)
				.onErrorMap(e -> new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "stats_unavailable",
						"counting the log failed: " + e.getMessage()))
				.then(Mono.defer(() -> {
					long position = counts.position();
					Map<String, long[]> byType = counts.snapshot(x.user());
					VersionVector vector = engine.vector();
					long lastPosition = engine.lastPosition();
					return x.send(HttpResponseStatus.OK, ApiAnswers.stats(byType, position, vector, lastPosition,
							x.user() == null ? peers.peers() : null));
				}));
	}

	/** {@code GET /api/convergence}: the vector, then the digest of the state. */
	Mono<Void> convergence(Exchange x) {
		return Mono.defer(() -> {
			VersionVector vector = engine.vector();
			return ConvergenceHash.of(engine)
					.flatMap(result -> x.send(HttpResponseStatus.OK, ApiAnswers.convergence(vector, result)));
		})
				// digesting every entity is CPU work proportional to the state: off the event loop
				.subscribeOn(Schedulers.parallel());
	}
}
