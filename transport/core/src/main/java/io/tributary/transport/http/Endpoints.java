package io.tributary.transport.http;

import java.time.Duration;
import java.util.List;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;

/**
 * The route table: every endpoint's method, path, documentation (what {@code GET /api/help} lists) and handler,
 * in the order requests are matched. The handlers are in one class per resource: {@link AdminEndpoints},
 * {@link ChangeEndpoints}, {@link WriteEndpoints}, {@link StreamEndpoints}, {@link EntityEndpoints},
 * {@link StatsEndpoints}, {@link AuditEndpoints}, {@link SyncEndpoints}, {@link SignalEndpoints},
 * {@link PeerEndpoints} and {@link DashboardEndpoints}; the answers' JSON is
 * {@link ApiAnswers}'. Every handler returns a cold {@code Mono} that the server subscribes on a Netty event loop;
 * engine calls complete on the storage's threads.
 */
final class Endpoints {

	/** Largest {@code limit} of a page. */
	static final int MAX_LIMIT = 1000;

	/** Default {@code limit} of a page. */
	static final int DEFAULT_LIMIT = 100;

	private final Duration idempotencyRetention;
	private final String prefix;
	private final List<Route> routes;

	Endpoints(HttpApi config, ApiJson json, OperationCounts counts, SignalHub hub, String prefix) {
		this.idempotencyRetention = config.idempotencyRetention();
		this.prefix = prefix;
		this.routes = table(config, json, counts, hub);
	}

	List<Route> routes() {
		return routes;
	}

	private List<Route> table(HttpApi config, ApiJson json, OperationCounts counts, SignalHub hub) {
		Duration heartbeat = config.heartbeat();
		AdminEndpoints admin = new AdminEndpoints(config.engine(), config.meterRegistry(), config.shutdown());
		ChangeEndpoints changes = new ChangeEndpoints(config.engine());
		WriteEndpoints writes = new WriteEndpoints(config.engine(), json, config.maxBodyBytes(), config.idempotencyKeys());
		StreamEndpoints stream = new StreamEndpoints(config.engine(), json, heartbeat);
		EntityEndpoints entities = new EntityEndpoints(config.engine());
		StatsEndpoints stats = new StatsEndpoints(config.engine(), config.peers(), counts);
		AuditEndpoints audit = new AuditEndpoints(config.engine(), writes, config.maxBodyBytes());
		SyncEndpoints sync = new SyncEndpoints(config.peers(), config.upstreams(), json);
		SignalEndpoints signals = new SignalEndpoints(hub, json, heartbeat, config.meterRegistry());
		PeerEndpoints peers = new PeerEndpoints(config.engine(), config.peers(), config.upstreams());
		DashboardEndpoints dashboard = new DashboardEndpoints(prefix);
		return List.of(
				Route.open(HttpMethod.GET, "/health", "Liveness: status UP, this node's id and the position of its "
						+ "newest event. Open without a token.", List.of(), admin::health),
				Route.open(HttpMethod.GET, "/dashboard", "The live dashboard, a page for a browser: the node id and "
						+ "vector, events per second, the peers and their lag, recent signals, conflicts, dead letters "
						+ "with replay and the convergence hash, updated over server-sent events. The page is open; it "
						+ "asks for the token once, keeps it for the browser session (sessionStorage) and sends it in the "
						+ "Authorization header, never in a URL.", List.of(), dashboard::page),
				Route.open(HttpMethod.GET, "/dashboard/{file}", "The dashboard's script, style and icon.",
						List.of(new Route.Param("file", "path", "dashboard.js, dashboard.css or favicon.svg")),
						dashboard::file),
				Route.open(HttpMethod.GET, "/dashboard/lib/{file}", "The dashboard's chart library (uPlot), served "
						+ "from the jar.", List.of(new Route.Param("file", "path", "uPlot.iife.min.js or uPlot.min.css")),
						dashboard::lib),
				Route.of(HttpMethod.GET, "/api/help", "This list of endpoints.", List.of(), this::help),
				Route.of(HttpMethod.GET, "/api/changes", "A page of the change log after a cursor, oldest first: "
						+ "{changes, count, timestamp, cursor}; cursor (the seq of the page's last change) is present only "
						+ "when more changes follow: pass it back to read the next page. A page may hold fewer than "
						+ "limit changes when their data exceeds " + ChangeEndpoints.MAX_PAGE_PAYLOAD_BYTES / (1024 * 1024) + " MiB. "
						+ "A change is {seq, cid, id, entityType, operation, entityId, timestamp, data, origin, "
						+ "originSeq, userId?}; seq is local to this node, cid (origin:originSeq) is the same on every "
						+ "replica.",
						List.of(new Route.Param("cursor", "query", "exclusive position to read after; default 0"),
								new Route.Param("limit", "query", "most changes, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						changes::changes),
				Route.of(HttpMethod.POST, "/api/changes", "Writes changes, in order, each durable before the answer: "
						+ "201 {changes, count} with the stored changes. Every change is checked before any is written; "
						+ "create and update both replace the document (the log records create when the entity had no "
						+ "version), patch merges fields, delete leaves a tombstone. A change with an id already stored "
						+ "is not stored again: the stored change is answered, unchanged. With an " + IdempotencyKeys.HEADER
						+ " header, a retry with the same key and body gets the first answer again (header "
						+ IdempotencyKeys.REPLAYED + ": true) and stores nothing; the same key with another body gets 422 "
						+ "idempotency_key_reused. Keys are kept for " + Exchange.describe(idempotencyRetention)
						+ ", per token's principal.",
						List.of(new Route.Param("body", "body", "a change {entityType, operation: create|update|patch|"
								+ "delete, entityId, data (a JSON object; none for delete), userId?, id? (a UUID the client "
								+ "chose), schemaVersion? (the data's schema, at least 1; default the type's current)} or an "
								+ "array of 1 to " + ChangeRequests.MAX_CHANGES + " of them"),
								new Route.Param(IdempotencyKeys.HEADER, "header", "optional: 1 to 255 visible ASCII "
										+ "characters (such as a new UUID) naming this request, sent again unchanged with "
										+ "its retries")),
						writes::postChanges),
				Route.of(HttpMethod.GET, "/api/changes/{cid}", "One change by its change id.",
						List.of(new Route.Param("cid", "path", "origin:originSeq")), changes::change),
				Route.of(HttpMethod.GET, "/api/stats", "Counts of the log's events by entity type and operation, "
						+ "totalEvents, the vector, lastPosition and the peers. The counts are kept from the first stats "
						+ "request on: that request waits up to " + StatsEndpoints.STATS_CATCH_UP.toSeconds() + " s for them to cover "
						+ "the log; countedPosition tells how far they reach.", List.of(), stats::stats),
				Route.of(HttpMethod.GET, "/api/stream", "Server-sent events: the changes after the cursor, then live "
						+ "ones, each as 'id: <seq>', 'event: change', 'data: <change>'. Comment lines keep the "
						+ "connection open every " + heartbeat.toSeconds() + " s. A reconnecting client resumes with "
						+ "Last-Event-ID.",
						List.of(new Route.Param("cursor", "query", "exclusive position to stream after; default 0"),
								new Route.Param("Last-Event-ID", "header", "when present, the cursor")),
						stream::stream),
				Route.of(HttpMethod.GET, "/api/signals", "Server-sent events of the engine's signals, from the request "
						+ "on: one event type per kind (" + String.join(", ", SignalEndpoints.KINDS.values()) + "), each "
						+ "'id: <n>', 'event: <kind>', 'data: {kind, id, time, ...}' (ids count from 1 since the server "
						+ "started; docs/NODE.md gives each kind's fields). A reader that falls more than buffer frames "
						+ "behind loses the oldest and gets 'event: dropped' with {dropped, reason}; 'event: heartbeat' "
						+ "every heartbeat seconds. A reconnecting reader resumes with Last-Event-ID from the newest signals "
						+ "the server keeps (up to " + SignalHub.RING + "; a dropped event with reason expired counts "
						+ "what was no longer kept). A user's token sees " + String.join(", ", new java.util.TreeSet<>(
								SignalEndpoints.USER_KINDS)) + " about the user's own events only.",
						List.of(new Route.Param("kinds", "query", "comma-separated kinds; default: every kind; an "
								+ "unknown kind is a 400"),
								new Route.Param("buffer", "query", "frames this reader may fall behind, 1 to "
										+ SignalEndpoints.MAX_BUFFER + "; default " + SignalEndpoints.DEFAULT_BUFFER),
								new Route.Param("heartbeat", "query", "seconds between heartbeats, 1 to "
										+ SignalEndpoints.MAX_HEARTBEAT_SECONDS + "; default " + heartbeat.toSeconds()),
								new Route.Param("Last-Event-ID", "header", "the id of the last signal received")),
						signals::signals),
				Route.of(HttpMethod.GET, "/api/peers", "Every peer link, outbound (configured) and inbound (connected "
						+ "now), and the upstream: {nodeId, vector, time, peers, upstream}. A peer is {address, nodeId, "
						+ "direction, connected, since, vector, lagEvents, behindEvents, lagSeconds, laggingSince, "
						+ "eventsSent, eventsReceived, bytesSent, bytesReceived, lastError, lastErrorAt}: lagEvents are "
						+ "events this node holds that the peer is not known to hold, behindEvents the reverse, "
						+ "lagSeconds how long the peer has lacked some without a break. The upstream (null when none) is "
						+ "{address, lagEvents, lagSeconds, lastOutsync, lastDownsync, vector, lastError, authRequired, "
						+ "deadLetters}.", List.of(), nodeOnly(peers::peers)),
				Route.of(HttpMethod.GET, "/api/entities/{type}", "Live entities of a type sorted by id: {entities, "
						+ "next}; next (the page's last id) is present only when more follow: pass it as after.",
						List.of(new Route.Param("type", "path", "entity type"),
								new Route.Param("after", "query", "exclusive id to list after; default: from the first"),
								new Route.Param("limit", "query", "most entities, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						entities::entities),
				Route.of(HttpMethod.GET, "/api/entities/{type}/{id}", "One entity's projected state {type, id, "
						+ "version, deleted, data, origin, schemaVersion} (data upcast to the type's current schema); "
						+ "a deleted entity is a tombstone with deleted true.",
						List.of(new Route.Param("type", "path", "entity type"), new Route.Param("id", "path", "entity id")),
						entities::entity),
				Route.of(HttpMethod.GET, "/api/conflicts", "A page of the stored conflicts (an event that arrived while "
						+ "its writer had not seen the entity's head, and how its type's strategy resolved it), in the order "
						+ "of the incoming change's seq: {conflicts, count, timestamp, cursor}; cursor (the seq of the "
						+ "page's last conflict) is present only when more follow: pass it back for the next page. A "
						+ "conflict is {seq, entityType, entityId, strategy, winner, incoming, head}, incoming and head "
						+ "changes as in /api/changes. Conflicts show once the projection checkpoint after them saved "
						+ "them; reading forces none. A user's token sees the conflicts that involve the user's changes, "
						+ "the other side as a blank.",
						List.of(new Route.Param("type", "query", "entity type; default: every type"),
								new Route.Param("cursor", "query", "exclusive seq to read after; default 0"),
								new Route.Param("limit", "query", "most conflicts, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						audit::conflicts),
				Route.of(HttpMethod.GET, "/api/dead-letters", "A page of the dead letters, this node's changes its "
						+ "upstream refused for good, by id: {deadLetters, count, cursor}; cursor (the id of the page's "
						+ "last letter) is present only when more follow. A dead letter is {id, code, reason, rejectedAt, "
						+ "change}; its id is the refused change's cid (origin:originSeq). A user's token sees the user's "
						+ "own.",
						List.of(new Route.Param("cursor", "query", "exclusive id to list after; default: from the first"),
								new Route.Param("limit", "query", "most dead letters, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						audit::deadLetters),
				Route.of(HttpMethod.POST, "/api/dead-letters/{id}/replay", "Replays a dead letter as a new change of "
						+ "this node (a new cid; the next outsync pushes it) and deletes the dead letter: 201 {replayed, "
						+ "change}. With a body, the corrected change is written as given; without one, the refused "
						+ "change's own content (entity, operation, data, userId) is written again, and when it is still "
						+ "invalid the answer is 422. A write that fails keeps the dead letter. 404 for an unknown id, or "
						+ "another user's letter with a user's token.",
						List.of(new Route.Param("id", "path", "the dead letter's id, origin:originSeq"),
								new Route.Param("body", "body", "optional: one change as POST /api/changes takes it")),
						audit::replay),
				Route.of(HttpMethod.DELETE, "/api/dead-letters/{id}", "Deletes a dead letter without replaying it: 200 "
						+ "{deleted}; 404 for an unknown id, or another user's letter with a user's token.",
						List.of(new Route.Param("id", "path", "the dead letter's id, origin:originSeq")), audit::delete),
				Route.of(HttpMethod.GET, "/api/convergence", "{vector, hash, entities}: a SHA-256 of the projected "
						+ "state (per type sorted, per live entity sorted by id: type, id, version and document, each "
						+ "length-prefixed). Replicas that hold the same events have the same hash; compare hashes of "
						+ "equal vectors while no events arrive.", List.of(), nodeOnly(stats::convergence)),
				Route.of(HttpMethod.POST, "/api/sync", "Syncs with a peer now and answers the report; 502 when the "
						+ "sync fails.", List.of(new Route.Param("peer", "query", "the peer's host:port")), nodeOnly(sync::sync)),
				Route.of(HttpMethod.POST, "/api/sync/outsync", "Pushes this node's own events that its upstream lacks "
						+ "and answers the drain report {pushed, rejected, pending, upstream, stoppedOnRejection}; 409 "
						+ "when no upstream is configured or given, 502 when the upstream fails or refuses the token "
						+ "(error upstream_auth_required).", List.of(SyncEndpoints.UPSTREAM), nodeOnly(sync::outsync)),
				Route.of(HttpMethod.POST, "/api/sync/downsync", "Pulls what this node lacks from its upstream and "
						+ "answers {byType, applied, upstream}; errors as outsync.", List.of(SyncEndpoints.UPSTREAM), nodeOnly(sync::downsync)),
				Route.of(HttpMethod.POST, "/api/sync/sync", "An outsync, then a downsync: {outsync, downsync, "
						+ "errors}; 502 with the outcome as report when a step failed.", List.of(SyncEndpoints.UPSTREAM),
						nodeOnly(sync::upstreamSync)),
				Route.of(HttpMethod.GET, "/api/sync/status", "The upstream sync status, of the given upstream or else of the one "
						+ "last synced with (the configured one before any sync): {upstream, pending, "
						+ "lastOutsync, lastDownsync, upstreamVector, lastError, authRequired, syncedTypes, "
						+ "deadLetters}; pending counts this node's events the upstream is not known to hold.",
						List.of(SyncEndpoints.UPSTREAM), nodeOnly(sync::syncStatus)),
				Route.of(HttpMethod.GET, "/metrics", "Metrics in the Prometheus text format.", List.of(), nodeOnly(admin::metrics)),
				Route.of(HttpMethod.POST, "/api/shutdown", "Stops the node gracefully, as SIGTERM does: answers 202 "
						+ "{status: stopping, nodeId}, then stops accepting requests and peers, lets those in flight finish "
						+ "within the node's grace period, closes the store and ends the process with exit code 0. A "
						+ "repeated request answers 202 again; 409 not_stoppable where the server is embedded without a "
						+ "way to stop it.", List.of(), nodeOnly(admin::shutdown)));
	}

	/** A handler of the node's own endpoints: a user's token gets 403. */
	private static Route.Handler nodeOnly(Route.Handler handler) {
		return x -> x.user() != null
				? Mono.error(new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden",
						"this endpoint needs the node's token, not a user's"))
				: handler.handle(x);
	}

	/** {@code GET /api/help}: this table. */
	private Mono<Void> help(Exchange x) {
		return x.send(HttpResponseStatus.OK, ApiAnswers.help(routes, prefix, idempotencyRetention));
	}
}
