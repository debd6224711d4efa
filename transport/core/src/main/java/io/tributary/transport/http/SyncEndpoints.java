package io.tributary.transport.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.transport.PeerDirectory;
import io.tributary.transport.SyncReport;
import io.tributary.transport.client.AuthRequiredException;
import io.tributary.transport.client.SyncClient;
import io.tributary.transport.client.Upstreams;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Mono;

/**
 * The handlers of the node's syncs: with a peer now ({@code POST /api/sync}), and with its upstream (outsync,
 * downsync, both, and the upstream's status). The node's token only; the route table and its documentation are
 * in {@link Endpoints}.
 */
final class SyncEndpoints {

	private static final Logger log = LoggerFactory.getLogger(SyncEndpoints.class);

	/** The parameter of every upstream endpoint. */
	static final Route.Param UPSTREAM = new Route.Param("upstream", "query",
			"the upstream's host:port (its peer port); default: the node's configured upstream");

	private final PeerDirectory peers;
	private final Upstreams upstreams;
	private final ApiJson json;

	SyncEndpoints(PeerDirectory peers, Upstreams upstreams, ApiJson json) {
		this.peers = peers;
		this.upstreams = upstreams;
		this.json = json;
	}

	/** {@code POST /api/sync?peer=host:port}: the report; 502 with it when the sync failed. */
	Mono<Void> sync(Exchange x) {
		String peer = x.query("peer");
		if (peer == null || peer.isBlank()) {
			throw ApiException.badRequest("invalid_parameter", "query parameter 'peer' (host:port) is required");
		}
		requireHostPort(peer);
		return Mono.defer(() -> peers.syncNow(peer))
				.onErrorMap(e -> !(e instanceof ApiException), e -> {
					if (e instanceof IllegalArgumentException) {
						return ApiException.badRequest("invalid_parameter", e.getMessage());
					}
					log.warn("sync with {} failed: {}", peer, e.toString());
					return new ApiException(HttpResponseStatus.BAD_GATEWAY, "sync_failed",
							"sync with " + peer + " failed: " + e.getMessage());
				})
				.flatMap(report -> report.ok() ? x.send(HttpResponseStatus.OK, json.value(report))
						: failedSync(x, report));
	}

	private static Mono<Void> failedSync(Exchange x, SyncReport report) {
		log.warn("sync with {} failed: {}", report.peer(), report.error());
		return x.send(HttpResponseStatus.BAD_GATEWAY, ApiAnswers.error("sync_failed",
				"sync with " + report.peer() + " failed: " + report.error(), report));
	}

	/** A {@code host:port} or {@code [v6]:port} with a port from 1 to 65535. */
	static void requireHostPort(String peer) {
		int colon = peer.lastIndexOf(':');
		String host = colon < 0 ? "" : peer.substring(0, colon);
		boolean hostOk = !host.isEmpty() && (host.startsWith("[") ? host.endsWith("]") && host.length() > 2
				: host.indexOf(':') < 0 && host.chars().noneMatch(Character::isWhitespace));
		int port = -1;
		if (hostOk) {
			try {
				port = Integer.parseInt(peer.substring(colon + 1));
			}
			catch (NumberFormatException e) {
				port = -1;
			}
		}
		if (!hostOk || port < 1 || port > 65_535) {
			throw ApiException.badRequest("invalid_parameter",
					"peer must be host:port with a port from 1 to 65535, was '" + Exchange.abbreviate(peer) + "'");
		}
	}

	/** The upstream a sync goes to: the one given in the query, else the configured one. */
	private SyncClient upstream(Exchange x) {
		return upstreams.use(givenUpstream(x)).orElseThrow(SyncEndpoints::noUpstream);
	}

	private static PeerAddress givenUpstream(Exchange x) {
		String given = x.query("upstream");
		if (given == null) {
			return null;
		}
		requireHostPort(given);
		return PeerAddress.parse(given);
	}

	private static ApiException noUpstream() {
		return new ApiException(HttpResponseStatus.CONFLICT, "no_upstream",
				"this node has no upstream: start it with --upstream or pass upstream=host:port");
	}

	private static ApiException upstreamFailure(SyncClient client, Throwable e) {
		if (e instanceof ApiException) {
			return (ApiException) e;
		}
		if (e instanceof AuthRequiredException) {
			return new ApiException(HttpResponseStatus.BAD_GATEWAY, "upstream_auth_required",
					"the upstream " + client.upstream() + " refused the token: " + e.getMessage());
		}
		return new ApiException(HttpResponseStatus.BAD_GATEWAY, "sync_failed",
				"sync with the upstream " + client.upstream() + " failed: " + e.getMessage());
	}

	/** {@code POST /api/sync/outsync}: the drain report. */
	Mono<Void> outsync(Exchange x) {
		SyncClient client = upstream(x);
		return client.outsync().onErrorMap(e -> upstreamFailure(client, e))
				.flatMap(r -> x.send(HttpResponseStatus.OK, json.value(r)));
	}

	/** {@code POST /api/sync/downsync}: the pull report. */
	Mono<Void> downsync(Exchange x) {
		SyncClient client = upstream(x);
		return client.downsync().onErrorMap(e -> upstreamFailure(client, e))
				.flatMap(r -> x.send(HttpResponseStatus.OK, json.value(r)));
	}

	/** {@code POST /api/sync/sync}: the outcome; 502 with it when a step failed. */
	Mono<Void> upstreamSync(Exchange x) {
		SyncClient client = upstream(x);
		return client.sync().flatMap(outcome -> outcome.ok() ? x.send(HttpResponseStatus.OK, json.value(outcome))
				: x.send(HttpResponseStatus.BAD_GATEWAY, ApiAnswers.error("sync_failed", "sync with the upstream "
						+ client.upstream() + " failed: " + String.join("; ", outcome.errors()), outcome)));
	}

	/** {@code GET /api/sync/status}: of the given upstream, else of the one last synced with. */
	Mono<Void> syncStatus(Exchange x) {
		PeerAddress given = givenUpstream(x);
		SyncClient client = (given == null ? upstreams.latest() : upstreams.client(given))
				.orElseThrow(SyncEndpoints::noUpstream);
		return client.status().flatMap(s -> x.send(HttpResponseStatus.OK, ApiAnswers.syncStatus(s)));
	}
}
