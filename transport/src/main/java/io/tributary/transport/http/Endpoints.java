package io.tributary.transport.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.transport.PeerDirectory;
import io.tributary.transport.SyncReport;
import io.tributary.transport.client.AuthRequiredException;
import io.tributary.transport.client.SyncClient;
import io.tributary.transport.client.Upstreams;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The endpoints and their documentation. Every handler returns a cold {@code Mono} that the server
 * subscribes on a Netty event loop; engine calls complete on the storage's threads.
 */
final class Endpoints {

	private static final Logger log = LoggerFactory.getLogger(Endpoints.class);

	/** Largest {@code limit} of a page. */
	static final int MAX_LIMIT = 1000;

	/** Default {@code limit} of a page. */
	static final int DEFAULT_LIMIT = 100;

	/**
	 * Payload bytes after which a change page ends early (it still holds at least one change): a page of
	 * 1000 large payloads would otherwise be hundreds of megabytes in memory.
	 */
	static final long MAX_PAGE_PAYLOAD_BYTES = 4L * 1024 * 1024;

	/** How long the first stats request waits for the counts to catch up with the log. */
	static final Duration STATS_CATCH_UP = Duration.ofSeconds(10);

	/** Writes of one POST in flight at once: they share group commits and keep their order. */
	private static final int WRITE_CONCURRENCY = 256;

	private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

	/** Ends a stream's frames; compared by identity, so no frame can be mistaken for it. */
	private static final String END_OF_STREAM = new String("end of stream");

	@SuppressWarnings("ReferenceEquality")
	private static boolean isEndOfStream(String frame) {
		return frame == END_OF_STREAM;
	}

	private final SyncEngine engine;
	private final PeerDirectory peers;
	private final Upstreams upstreams;
	private final PrometheusMeterRegistry registry;
	private final ApiJson json;
	private final OperationCounts counts;
	private final int maxBodyBytes;
	private final Duration heartbeat;
	private final Duration idempotencyRetention;
	private final IdempotencyKeys idempotencyKeys;
	private final List<Route> routes;
	private final AuditEndpoints audit;
	private final Runnable shutdown;
	private final AtomicBoolean stopping = new AtomicBoolean();

	Endpoints(HttpApi config, ApiJson json, OperationCounts counts) {
		this.engine = config.engine();
		this.peers = config.peers();
		this.upstreams = config.upstreams();
		this.registry = config.meterRegistry();
		this.json = json;
		this.counts = counts;
		this.maxBodyBytes = config.maxBodyBytes();
		this.heartbeat = config.heartbeat();
		this.audit = new AuditEndpoints(engine, this, maxBodyBytes);
		this.idempotencyRetention = config.idempotencyRetention();
		this.idempotencyKeys = config.idempotencyKeys();
		this.shutdown = config.shutdown();
		this.routes = List.of(
				Route.open(HttpMethod.GET, "/health", "Liveness: status UP, this node's id and the position of its "
						+ "newest event. Open without a token.", List.of(), this::health),
				Route.of(HttpMethod.GET, "/api/help", "This list of endpoints.", List.of(), this::help),
				Route.of(HttpMethod.GET, "/api/changes", "A page of the change log after a cursor, oldest first: "
						+ "{changes, count, timestamp, cursor}; cursor (the seq of the page's last change) is present only "
						+ "when more changes follow: pass it back to read the next page. A page may hold fewer than "
						+ "limit changes when their data exceeds " + MAX_PAGE_PAYLOAD_BYTES / (1024 * 1024) + " MiB. "
						+ "A change is {seq, cid, id, entityType, operation, entityId, timestamp, data, origin, "
						+ "originSeq, userId?}; seq is local to this node, cid (origin:originSeq) is the same on every "
						+ "replica.",
						List.of(new Route.Param("cursor", "query", "exclusive position to read after; default 0"),
								new Route.Param("limit", "query", "most changes, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						this::changes),
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
								+ "chose)} or an array of 1 to " + ChangeRequests.MAX_CHANGES + " of them"),
								new Route.Param(IdempotencyKeys.HEADER, "header", "optional: 1 to 255 visible ASCII "
										+ "characters (such as a new UUID) naming this request, sent again unchanged with "
										+ "its retries")),
						this::postChanges),
				Route.of(HttpMethod.GET, "/api/changes/{cid}", "One change by its change id.",
						List.of(new Route.Param("cid", "path", "origin:originSeq")), this::change),
				Route.of(HttpMethod.GET, "/api/stats", "Counts of the log's events by entity type and operation, "
						+ "totalEvents, the vector, lastPosition and the peers. The counts are kept from the first stats "
						+ "request on: that request waits up to " + STATS_CATCH_UP.toSeconds() + " s for them to cover "
						+ "the log; countedPosition tells how far they reach.", List.of(), this::stats),
				Route.of(HttpMethod.GET, "/api/stream", "Server-sent events: the changes after the cursor, then live "
						+ "ones, each as 'id: <seq>', 'event: change', 'data: <change>'. Comment lines keep the "
						+ "connection open every " + heartbeat.toSeconds() + " s. A reconnecting client resumes with "
						+ "Last-Event-ID.",
						List.of(new Route.Param("cursor", "query", "exclusive position to stream after; default 0"),
								new Route.Param("Last-Event-ID", "header", "when present, the cursor")),
						this::stream),
				Route.of(HttpMethod.GET, "/api/entities/{type}", "Live entities of a type sorted by id: {entities, "
						+ "next}; next (the page's last id) is present only when more follow: pass it as after.",
						List.of(new Route.Param("type", "path", "entity type"),
								new Route.Param("after", "query", "exclusive id to list after; default: from the first"),
								new Route.Param("limit", "query", "most entities, 1 to " + MAX_LIMIT + "; default "
										+ DEFAULT_LIMIT)),
						this::entities),
				Route.of(HttpMethod.GET, "/api/entities/{type}/{id}", "One entity's projected state {type, id, "
						+ "version, deleted, data, origin}; a deleted entity is a tombstone with deleted true.",
						List.of(new Route.Param("type", "path", "entity type"), new Route.Param("id", "path", "entity id")),
						this::entity),
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
						+ "equal vectors while no events arrive.", List.of(), nodeOnly(this::convergence)),
				Route.of(HttpMethod.POST, "/api/sync", "Syncs with a peer now and answers the report; 502 when the "
						+ "sync fails.", List.of(new Route.Param("peer", "query", "the peer's host:port")), nodeOnly(this::sync)),
				Route.of(HttpMethod.POST, "/api/sync/outsync", "Pushes this node's own events that its upstream lacks "
						+ "and answers the drain report {pushed, rejected, pending, upstream, stoppedOnRejection}; 409 "
						+ "when no upstream is configured or given, 502 when the upstream fails or refuses the token "
						+ "(error upstream_auth_required).", List.of(UPSTREAM), nodeOnly(this::outsync)),
				Route.of(HttpMethod.POST, "/api/sync/downsync", "Pulls what this node lacks from its upstream and "
						+ "answers {byType, applied, upstream}; errors as outsync.", List.of(UPSTREAM), nodeOnly(this::downsync)),
				Route.of(HttpMethod.POST, "/api/sync/sync", "An outsync, then a downsync: {outsync, downsync, "
						+ "errors}; 502 with the outcome as report when a step failed.", List.of(UPSTREAM),
						nodeOnly(this::upstreamSync)),
				Route.of(HttpMethod.GET, "/api/sync/status", "The upstream sync status, of the given upstream or else of the one "
						+ "last synced with (the configured one before any sync): {upstream, pending, "
						+ "lastOutsync, lastDownsync, upstreamVector, lastError, authRequired, syncedTypes, "
						+ "deadLetters}; pending counts this node's events the upstream is not known to hold.",
						List.of(UPSTREAM), nodeOnly(this::syncStatus)),
				Route.of(HttpMethod.GET, "/metrics", "Metrics in the Prometheus text format.", List.of(), nodeOnly(this::metrics)),
				Route.of(HttpMethod.POST, "/api/shutdown", "Stops the node gracefully, as SIGTERM does: answers 202 "
						+ "{status: stopping, nodeId}, then stops accepting requests and peers, lets those in flight finish "
						+ "within the node's grace period, closes the store and ends the process with exit code 0. A "
						+ "repeated request answers 202 again; 409 not_stoppable where the server is embedded without a "
						+ "way to stop it.", List.of(), nodeOnly(this::shutdown)));
	}

	List<Route> routes() {
		return routes;
	}

	/** A handler of the node's own endpoints: a user's token gets 403. */
	private static Route.Handler nodeOnly(Route.Handler handler) {
		return x -> x.user() != null
				? Mono.error(new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden",
						"this endpoint needs the node's token, not a user's"))
				: handler.handle(x);
	}

	private Mono<Void> health(Exchange x) {
		return x.send(HttpResponseStatus.OK, g -> {
			g.writeStartObject();
			g.writeStringField("status", "UP");
			g.writeStringField("nodeId", engine.origin());
			g.writeNumberField("lastPosition", engine.lastPosition());
			g.writeEndObject();
		});
	}

	private Mono<Void> help(Exchange x) {
		return x.send(HttpResponseStatus.OK, g -> {
			g.writeStartObject();
			g.writeStringField("name", "Tributary HTTP API");
			g.writeStringField("auth", "when the node has a token, every endpoint but GET /health needs "
					+ "'Authorization: Bearer <token>'; a user's token reads other users' changes as blanks, their "
					+ "entities not at all, and writes as that user only; the node's own endpoints (syncs, "
					+ "convergence, metrics) need the node's token");
			g.writeStringField("errors", "4xx for client mistakes, 5xx for server failures, with a body "
					+ "{error, message}");
			g.writeStringField("idempotency", "POST /api/changes takes an " + IdempotencyKeys.HEADER + " header: a "
					+ "retry with the same key and body is answered as the first time and stores nothing; changes may "
					+ "also carry their own id (a UUID), stored once; keys are kept for " + Exchange.describe(idempotencyRetention)
					+ " and survive a restart");
			g.writeArrayFieldStart("endpoints");
			for (Route r : routes) {
				g.writeStartObject();
				g.writeStringField("method", r.method().name());
				g.writeStringField("path", r.template());
				g.writeStringField("description", r.description());
				g.writeBooleanField("auth", !r.isOpen());
				g.writeArrayFieldStart("parameters");
				for (Route.Param p : r.params()) {
					g.writeStartObject();
					g.writeStringField("name", p.name());
					g.writeStringField("in", p.in());
					g.writeStringField("description", p.description());
					g.writeEndObject();
				}
				g.writeEndArray();
				g.writeEndObject();
			}
			g.writeEndArray();
			g.writeEndObject();
		});
	}

	// --- the change log

	private Mono<Void> changes(Exchange x) {
		long cursor = x.longQuery("cursor", 0, 0, Long.MAX_VALUE);
		int limit = (int) x.longQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
		return page(x, cursor, limit).flatMap(page -> x.send(HttpResponseStatus.OK, g -> {
			g.writeStartObject();
			g.writeArrayFieldStart("changes");
			for (Event e : page.events()) {
				ApiJson.writeChange(g, e);
			}
			g.writeEndArray();
			g.writeNumberField("count", page.events().size());
			g.writeStringField("timestamp", Instant.now().toString());
			if (page.more()) {
				g.writeNumberField("cursor", page.events().get(page.events().size() - 1).position());
			}
			g.writeEndObject();
		}));
	}

	/**
	 * The events after a cursor, up to the log's end as it is now: never waits on the live tail.
	 */
	private Mono<Page> page(Exchange x, long cursor, int limit) {
		return Mono.defer(() -> {
			long last = engine.lastPosition();
			if (cursor >= last) {
				return Mono.just(new Page(List.of(), false));
			}
			PageBudget budget = new PageBudget(limit);
			// the event at `last` is stored, so the first takeUntil ends the read there even if a store
			// left gaps in its positions; the second ends it at limit + 1 (to learn whether more exist)
			// a plain store read of at most limit + 1 events (to learn whether more exist)
			return (x.user() == null ? engine.read(cursor, limit + 1) : engine.forUser(x.user()).read(cursor, limit + 1))
					.takeUntil(e -> e.position() >= last)
					.takeUntil(budget::full)
					.collectList()
					.map(budget::page);
		});
	}

	/** Per read: counts events and payload bytes; one event past the page tells that more exist. */
	private final class PageBudget {
		private final int limit;
		private int events;
		private long bytes;
		private boolean overBudget;

		PageBudget(int limit) {
			this.limit = limit;
		}

		boolean full(Event e) {
			events++;
			bytes += e.payload() == null ? 0 : e.payload().length;
			overBudget = bytes > MAX_PAGE_PAYLOAD_BYTES;
			return events > limit || overBudget;
		}

		Page page(List<Event> read) {
			if (read.isEmpty()) {
				return new Page(read, false);
			}
			if (read.size() > limit || (overBudget && read.size() > 1)) {
				return new Page(read.subList(0, read.size() - 1), true);
			}
			// more exist when events committed since the page was read
			return new Page(read, engine.lastPosition() > read.get(read.size() - 1).position());
		}
	}

	private record Page(List<Event> events, boolean more) {
	}

	private Mono<Void> change(Exchange x) {
		String cid = x.var("cid");
		ApiJson.Cid id = ApiJson.Cid.parse(cid);
		ApiException unknown = ApiException.notFound("no change " + Exchange.abbreviate(cid)
				+ " here; a change id is origin:originSeq");
		if (id == null) {
			return Mono.error(unknown);
		}
		return (x.user() == null ? engine.event(id.origin(), id.seq()) : engine.forUser(x.user()).event(id.origin(), id.seq()))
				.switchIfEmpty(Mono.error(unknown))
				.flatMap(e -> x.send(HttpResponseStatus.OK, g -> ApiJson.writeChange(g, e)));
	}

	private Mono<Void> postChanges(Exchange x) {
		x.requireJsonBody();
		String key = x.request().requestHeaders().get(IdempotencyKeys.HEADER);
		if (key != null) {
			IdempotencyKeys.requireKey(key);
		}
		String scope = IdempotencyKeys.scope(x.user());
		return BodyReader.read(x.request(), maxBodyBytes)
				.flatMap(body -> {
					if (key == null) {
						return writeChanges(x, body, null);
					}
					byte[] hash = IdempotencyKeys.digest(body);
					return idempotencyKeys.answer(scope, key, hash,
							() -> writeChanges(x, body, (i, r) -> r.withId(IdempotencyKeys.changeId(scope, key, hash, i))));
				})
				.flatMap(answer -> {
					answer.headers().forEach(x.response()::header);
					return x.send(answer.status(), answer.body());
				});
	}

	/**
	 * Parses, checks and writes the changes of a body; with {@code withId} (a keyed request), the changes without
	 * an id of their own get one from it, given their index.
	 */
	private Mono<IdempotencyKeys.Answer> writeChanges(Exchange x, byte[] body,
			java.util.function.BiFunction<Integer, WriteRequest, WriteRequest> withId) {
		return Mono.fromCallable(() -> parseChanges(body))
				.map(requests -> withId == null ? requests : withDerivedIds(requests, withId))
				// every change is validated before any is written: an invalid one fails the whole request
				.flatMap(this::validate)
				.flatMap(requests -> Flux.fromIterable(requests)
						// subscribed in order, so the engine stamps them in order; errors are kept per write to
						// tell the client exactly which changes were stored
						.flatMapSequential(r -> (x.user() == null ? engine.write(r) : engine.forUser(x.user()).write(r))
								.map(Outcome::stored)
								.onErrorResume(error -> Mono.just(Outcome.failed(error))), WRITE_CONCURRENCY)
						.collectList())
				.map(outcomes -> answerWrites(outcomes));
	}

	private static List<WriteRequest> withDerivedIds(List<WriteRequest> requests,
			java.util.function.BiFunction<Integer, WriteRequest, WriteRequest> withId) {
		List<WriteRequest> out = new ArrayList<>(requests.size());
		for (int i = 0; i < requests.size(); i++) {
			WriteRequest r = requests.get(i);
			out.add(r.id() != null ? r : withId.apply(i, r));
		}
		return out;
	}

	/**
	 * Checks every change against {@link Limits} as the engine will, so a batch is refused whole rather than
	 * cut partway; the engine checks again and stays the authority.
	 */
	Mono<List<WriteRequest>> validate(List<WriteRequest> requests) {
		return Mono.fromCallable(() -> {
			List<WriteRequest> serialized = new ArrayList<>(requests.size());
			for (int i = 0; i < requests.size(); i++) {
				WriteRequest r = requests.get(i);
				String where = requests.size() > 1 ? "changes[" + i + "] " : "";
				try {
					// names were checked against the same limits where the change was read (ChangeRequests)
					if (r.payload() instanceof byte[]) {
						// the data's bytes as the client sent them (ApiJson.dataSlices): the engine stores them as they are
						byte[] bytes = (byte[]) r.payload();
						if (bytes.length > engine.maxPayloadBytes()) {
							throw new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
									where + "data is " + bytes.length + " bytes, over the limit of "
											+ engine.maxPayloadBytes() + " bytes; nothing was stored");
						}
						Limits.checkPayload(bytes);
					}
				}
				catch (ValidationException e) {
					throw ApiException.badRequest("invalid_change", where + e.getMessage() + "; nothing was stored");
				}
				serialized.add(r);
			}
			return serialized;
		});
	}

	private List<WriteRequest> parseChanges(byte[] body) {
		return changes(body, readJson(body));
	}

	/**
	 * The write requests of a body that {@link #readJson} read: each change's data is stored byte for byte as
	 * sent, as a peer stores a payload, so no number or escape is rewritten on the way in.
	 */
	List<WriteRequest> changes(byte[] body, JsonNode tree) {
		List<WriteRequest> requests = ChangeRequests.parse(tree);
		List<byte[]> data;
		try {
			data = json.dataSlices(body);
		}
		catch (IOException e) {
			throw ApiException.badRequest("malformed_json", "the body could not be read as JSON: " + e.getMessage());
		}
		List<WriteRequest> out = new ArrayList<>(requests.size());
		for (int i = 0; i < requests.size(); i++) {
			WriteRequest r = requests.get(i);
			out.add(r.payload() == null ? r
					: new WriteRequest(r.type(), r.entityId(), r.op(), data.get(i), r.base(), r.userId(), r.schemaVersion(),
							r.id()));
		}
		return out;
	}

	/** A request body as JSON; 400 {@code malformed_json} when it is not. */
	JsonNode readJson(byte[] body) {
		try {
			return json.read(body);
		}
		catch (JsonProcessingException e) {
			throw ApiException.badRequest("malformed_json", "the body is not valid JSON: " + e.getOriginalMessage());
		}
		catch (IOException e) {
			throw ApiException.badRequest("malformed_json", "the body could not be read as JSON: " + e.getMessage());
		}
	}

	private IdempotencyKeys.Answer answerWrites(List<Outcome> outcomes) {
		List<Event> stored = new ArrayList<>(outcomes.size());
		Throwable firstError = null;
		int firstFailed = -1;
		for (int i = 0; i < outcomes.size(); i++) {
			Outcome o = outcomes.get(i);
			if (o.event() != null) {
				stored.add(o.event());
			}
			else if (firstError == null) {
				firstError = o.error();
				firstFailed = i;
			}
		}
		if (firstError == null) {
			Map<String, String> headers = stored.size() != 1 ? Map.of()
					: Map.of(HttpHeaderNames.LOCATION.toString(), "/api/changes/" + Paths.encode(ApiJson.cid(stored.get(0))));
			return new IdempotencyKeys.Answer(HttpResponseStatus.CREATED, json.write(g -> {
				g.writeStartObject();
				writeChangeArray(g, stored);
				g.writeNumberField("count", stored.size());
				g.writeEndObject();
			}), headers);
		}
		ApiException mapped = ApiException.of(firstError);
		if (mapped == null) {
			log.error("POST /api/changes: write {} of {} failed; {} stored", firstFailed + 1, outcomes.size(),
					stored.size(), firstError);
			mapped = ApiException.internal();
		}
		ApiException error = mapped;
		String where = outcomes.size() == 1 ? "" : "changes[" + firstFailed + "]: ";
		String message = where + error.getMessage() + (stored.isEmpty() ? "; nothing was stored"
				: "; " + stored.size() + " of " + outcomes.size() + " changes were stored (listed in changes)");
		return new IdempotencyKeys.Answer(error.status(), json.write(g -> {
			g.writeStartObject();
			g.writeStringField("error", error.code());
			g.writeStringField("message", message);
			if (!stored.isEmpty()) {
				writeChangeArray(g, stored);
			}
			g.writeEndObject();
		}), error.headers());
	}

	private static void writeChangeArray(JsonGenerator g, List<Event> events) throws IOException {
		g.writeArrayFieldStart("changes");
		for (Event e : events) {
			ApiJson.writeChange(g, e);
		}
		g.writeEndArray();
	}

	/** The result of one write of a POST. */
	private record Outcome(Event event, Throwable error) {
		static Outcome stored(Event e) {
			return new Outcome(e, null);
		}

		static Outcome failed(Throwable e) {
			return new Outcome(null, e);
		}
	}

	// --- the live tail

	private Mono<Void> stream(Exchange x) {
		String lastEventId = x.request().requestHeaders().get("Last-Event-ID");
		long cursor = lastEventId != null
				? Exchange.parseLong("header Last-Event-ID", lastEventId, 0, Long.MAX_VALUE)
				: x.longQuery("cursor", 0, 0, Long.MAX_VALUE);
		Flux<String> heartbeats = Flux.interval(heartbeat, heartbeat)
				// a heartbeat is only useful when the connection can take it
				.onBackpressureDrop()
				.map(tick -> ": keep-alive\n\n");
		// engine.events() serves a slow client from the store at its own pace: Netty's writability
		// is the only demand, nothing is buffered here beyond the operators' small prefetch
		Flux<Event> events = x.user() == null ? engine.events(cursor) : engine.forUser(x.user()).events(cursor);
		Flux<String> frames = events.map(this::sseFrame)
				// the heartbeats never end by themselves: the marker ends the stream with the events
				.concatWith(Mono.just(END_OF_STREAM))
				.mergeWith(heartbeats)
				// the marker is one String instance: identity tells it from an event with the same text
				.takeWhile(frame -> !isEndOfStream(frame));
		return x.response()
				.sse()
				.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
				.sendString(Flux.concat(Mono.just(": changes after " + cursor + "\n\n"), frames), StandardCharsets.UTF_8)
				.then();
	}

	private String sseFrame(Event e) {
		String change = new String(json.write(g -> ApiJson.writeChange(g, e)), StandardCharsets.UTF_8);
		StringBuilder frame = new StringBuilder(change.length() + 48);
		frame.append("id: ").append(e.position()).append("\nevent: change\n");
		// a stored payload may hold line breaks as whitespace; each line is its own data field, which
		// the client joins with '\n' back into the same JSON
		int start = 0;
		for (int i = 0; i < change.length(); i++) {
			char c = change.charAt(i);
			if (c == '\n' || c == '\r') {
				frame.append("data: ").append(change, start, i).append('\n');
				if (c == '\r' && i + 1 < change.length() && change.charAt(i + 1) == '\n') {
					i++;
				}
				start = i + 1;
			}
		}
		return frame.append("data: ").append(change, start, change.length()).append("\n\n").toString();
	}

	// --- stats, entities, convergence

	private Mono<Void> stats(Exchange x) {
		return counts.caughtUp(STATS_CATCH_UP)
				.onErrorMap(e -> new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "stats_unavailable",
						"counting the log failed: " + e.getMessage()))
				.then(Mono.defer(() -> {
					long position = counts.position();
					Map<String, long[]> byType = counts.snapshot(x.user());
					VersionVector vector = engine.vector();
					long lastPosition = engine.lastPosition();
					return x.send(HttpResponseStatus.OK, g -> {
						g.writeStartObject();
						g.writeObjectFieldStart("types");
						long total = 0;
						for (Map.Entry<String, long[]> t : byType.entrySet()) {
							g.writeObjectFieldStart(t.getKey());
							for (int i = 0; i < ApiJson.OPERATIONS.length; i++) {
								g.writeNumberField(ApiJson.OPERATIONS[i], t.getValue()[i]);
								total += t.getValue()[i];
							}
							g.writeEndObject();
						}
						g.writeEndObject();
						g.writeNumberField("totalEvents", total);
						g.writeNumberField("countedPosition", position);
						g.writeFieldName("vector");
						ApiJson.writeVector(g, vector);
						g.writeNumberField("lastPosition", lastPosition);
						if (x.user() == null) {
							g.writeFieldName("peers");
							g.writeObject(peers.peers());
						}
						g.writeEndObject();
					});
				}));
	}

	private Mono<Void> entity(Exchange x) {
		String type = x.var("type");
		String id = x.var("id");
		return (x.user() == null ? engine.get(type, id) : engine.forUser(x.user()).get(type, id))
				.switchIfEmpty(Mono.error(() -> ApiException.notFound("no entity " + Exchange.abbreviate(type) + "/"
						+ Exchange.abbreviate(id))))
				.flatMap(state -> x.send(HttpResponseStatus.OK, g -> ApiJson.writeEntity(g, state)));
	}

	private Mono<Void> entities(Exchange x) {
		String type = x.var("type");
		String after = x.query("after");
		int limit = (int) x.longQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
		// query() copies a sorted snapshot of the type's entities, and skipping to `after` walks it: work
		// proportional to the type's size, done off the event loop
		return (x.user() == null ? engine.query(type) : engine.forUser(x.user()).query(type))
				.subscribeOn(Schedulers.parallel())
				.skipWhile(s -> after != null && s.entityId().compareTo(after) <= 0)
				.take(limit + 1L)
				.collectList()
				.flatMap(list -> x.send(HttpResponseStatus.OK, g -> {
					boolean more = list.size() > limit;
					List<EntityState> page = more ? list.subList(0, limit) : list;
					g.writeStartObject();
					g.writeArrayFieldStart("entities");
					for (EntityState s : page) {
						ApiJson.writeEntity(g, s);
					}
					g.writeEndArray();
					if (more) {
						g.writeStringField("next", page.get(page.size() - 1).entityId());
					}
					g.writeEndObject();
				}));
	}

	private Mono<Void> convergence(Exchange x) {
		return Mono.defer(() -> {
			VersionVector vector = engine.vector();
			return ConvergenceHash.of(engine).flatMap(result -> x.send(HttpResponseStatus.OK, g -> {
				g.writeStartObject();
				g.writeFieldName("vector");
				ApiJson.writeVector(g, vector);
				g.writeStringField("hash", result.hash());
				g.writeNumberField("entities", result.entities());
				g.writeEndObject();
			}));
		})
				// digesting every entity is CPU work proportional to the state: off the event loop
				.subscribeOn(Schedulers.parallel());
	}

	// --- peers and metrics

	private Mono<Void> sync(Exchange x) {
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

	private Mono<Void> failedSync(Exchange x, SyncReport report) {
		log.warn("sync with {} failed: {}", report.peer(), report.error());
		return x.send(HttpResponseStatus.BAD_GATEWAY, g -> {
			g.writeStartObject();
			g.writeStringField("error", "sync_failed");
			g.writeStringField("message", "sync with " + report.peer() + " failed: " + report.error());
			g.writeFieldName("report");
			g.writeObject(report);
			g.writeEndObject();
		});
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

	private static final Route.Param UPSTREAM = new Route.Param("upstream", "query",
			"the upstream's host:port (its peer port); default: the node's configured upstream");

	/** The upstream a sync goes to: the one given in the query, else the configured one. */
	private SyncClient upstream(Exchange x) {
		return upstreams.use(givenUpstream(x)).orElseThrow(Endpoints::noUpstream);
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

	private Mono<Void> outsync(Exchange x) {
		SyncClient client = upstream(x);
		return client.outsync().onErrorMap(e -> upstreamFailure(client, e))
				.flatMap(r -> x.send(HttpResponseStatus.OK, json.value(r)));
	}

	private Mono<Void> downsync(Exchange x) {
		SyncClient client = upstream(x);
		return client.downsync().onErrorMap(e -> upstreamFailure(client, e))
				.flatMap(r -> x.send(HttpResponseStatus.OK, json.value(r)));
	}

	private Mono<Void> upstreamSync(Exchange x) {
		SyncClient client = upstream(x);
		return client.sync().flatMap(outcome -> outcome.ok() ? x.send(HttpResponseStatus.OK, json.value(outcome))
				: x.send(HttpResponseStatus.BAD_GATEWAY, g -> {
					g.writeStartObject();
					g.writeStringField("error", "sync_failed");
					g.writeStringField("message", "sync with the upstream " + client.upstream() + " failed: "
							+ String.join("; ", outcome.errors()));
					g.writeFieldName("report");
					g.writeObject(outcome);
					g.writeEndObject();
				}));
	}

	private Mono<Void> syncStatus(Exchange x) {
		PeerAddress given = givenUpstream(x);
		SyncClient client = (given == null ? upstreams.latest() : upstreams.client(given))
				.orElseThrow(Endpoints::noUpstream);
		return client.status().flatMap(s -> x.send(HttpResponseStatus.OK, g -> {
			g.writeStartObject();
			g.writeStringField("upstream", s.upstream());
			g.writeNumberField("pending", s.pending());
			g.writeStringField("lastOutsync", s.lastOutsync() == null ? null : s.lastOutsync().toString());
			g.writeStringField("lastDownsync", s.lastDownsync() == null ? null : s.lastDownsync().toString());
			g.writeFieldName("upstreamVector");
			g.writeObject(s.upstreamVector());
			g.writeStringField("lastError", s.lastError());
			g.writeBooleanField("authRequired", s.authRequired());
			g.writeFieldName("syncedTypes");
			g.writeObject(s.syncedTypes() == null ? null : new java.util.TreeSet<>(s.syncedTypes()));
			g.writeNumberField("deadLetters", s.deadLetters());
			g.writeEndObject();
		}));
	}

	private Mono<Void> shutdown(Exchange x) {
		Runnable stop = shutdown;
		if (stop == null) {
			throw new ApiException(HttpResponseStatus.CONFLICT, "not_stoppable",
					"this server cannot be stopped through its API; stop the process that embeds it");
		}
		boolean first = stopping.compareAndSet(false, true);
		return x.send(HttpResponseStatus.ACCEPTED, g -> {
			g.writeStartObject();
			g.writeStringField("status", "stopping");
			g.writeStringField("nodeId", engine.origin());
			g.writeEndObject();
		}).doFinally(signal -> {
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

	private Mono<Void> metrics(Exchange x) {
		return x.response()
				.header(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT)
				.sendString(Mono.fromCallable(registry::scrape), StandardCharsets.UTF_8)
				.then();
	}
}
