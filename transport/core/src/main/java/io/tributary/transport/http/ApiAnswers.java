package io.tributary.transport.http;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonGenerator;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.VersionVector;
import io.tributary.transport.client.SyncStatus;

/**
 * The documents the API answers with, each as an {@link ApiJson.Body} for {@link Exchange#send(
 * io.netty.handler.codec.http.HttpResponseStatus, ApiJson.Body)}: the one place that knows the shape of an answer.
 * The items inside them (changes, entities, conflicts, dead letters, vectors) are {@link ApiJson}'s.
 */
final class ApiAnswers {

	/** Nothing more to write in a page between its count and its cursor. */
	static final ApiJson.Body NOTHING = g -> {
		// a page without more fields
	};

	/** A page's {@code timestamp}: now, as an ISO instant. */
	static final ApiJson.Body TIMESTAMP = g -> g.writeStringField("timestamp", Instant.now().toString());

	private ApiAnswers() {
	}

	/** A page's numeric {@code cursor}: the position or seq to pass back for the next page. */
	static ApiJson.Body cursor(long position) {
		return g -> g.writeNumberField("cursor", position);
	}

	/** A page's {@code cursor} that is an id: the id to pass back for the next page. */
	static ApiJson.Body cursor(String id) {
		return g -> g.writeStringField("cursor", id);
	}

	/** An error: {@code {error, message}}. */
	static ApiJson.Body error(String code, String message) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("error", code);
			g.writeStringField("message", message);
			g.writeEndObject();
		};
	}

	/** An error that carries what was done before it: {@code {error, message, report}}. */
	static ApiJson.Body error(String code, String message, Object report) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("error", code);
			g.writeStringField("message", message);
			g.writeFieldName("report");
			g.writeObject(report);
			g.writeEndObject();
		};
	}

	/** {@code GET /health}: {@code {status, nodeId, lastPosition}}. */
	static ApiJson.Body health(String nodeId, long lastPosition) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("status", "UP");
			g.writeStringField("nodeId", nodeId);
			g.writeNumberField("lastPosition", lastPosition);
			g.writeEndObject();
		};
	}

	/** {@code GET /api/help}: what holds for every endpoint, then each route with its parameters. */
	static ApiJson.Body help(List<Route> routes, String prefix, Duration idempotencyRetention) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("name", "Tributary HTTP API");
			g.writeStringField("auth", "when the node has a token, every endpoint but GET /health and the dashboard's files needs "
					+ "'Authorization: Bearer <token>'; a user's token reads other users' changes as blanks, their "
					+ "entities not at all, and writes as that user only; the node's own endpoints (syncs, "
					+ "convergence, metrics) need the node's token");
			g.writeStringField("errors", "4xx for client mistakes, 5xx for server failures, with a body "
					+ "{error, message}");
			g.writeStringField("idempotency", "POST /api/changes takes an " + IdempotencyKeys.HEADER + " header: a "
					+ "retry with the same key and body is answered as the first time and stores nothing; changes may "
					+ "also carry their own id (a UUID), stored once; keys are kept for "
					+ Exchange.describe(idempotencyRetention) + " and survive a restart");
			g.writeArrayFieldStart("endpoints");
			for (Route r : routes) {
				g.writeStartObject();
				g.writeStringField("method", r.method().name());
				g.writeStringField("path", prefix + r.template());
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
		};
	}

	/**
	 * A page of a listing: {@code {<field>: [...], count, <afterCount>, <cursor>}}.
	 *
	 * @param cursor writes the cursor field, {@code null} when no more items follow
	 */
	static <T> ApiJson.Body page(String field, List<T> items, Item<T> item, ApiJson.Body afterCount,
			ApiJson.Body cursor) {
		return g -> {
			g.writeStartObject();
			g.writeArrayFieldStart(field);
			for (T t : items) {
				item.write(g, t);
			}
			g.writeEndArray();
			g.writeNumberField("count", items.size());
			afterCount.write(g);
			if (cursor != null) {
				cursor.write(g);
			}
			g.writeEndObject();
		};
	}

	/** A written request of {@code POST /api/changes}: {@code {changes, count}}. */
	static ApiJson.Body written(List<Event> stored) {
		return g -> {
			g.writeStartObject();
			changeArray(g, stored);
			g.writeNumberField("count", stored.size());
			g.writeEndObject();
		};
	}

	/** A write that failed partway: {@code {error, message, changes?}}, the changes those stored before. */
	static ApiJson.Body partlyWritten(String code, String message, List<Event> stored) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("error", code);
			g.writeStringField("message", message);
			if (!stored.isEmpty()) {
				changeArray(g, stored);
			}
			g.writeEndObject();
		};
	}

	private static void changeArray(JsonGenerator g, List<Event> events) throws IOException {
		g.writeArrayFieldStart("changes");
		for (Event e : events) {
			ApiJson.writeChange(g, e);
		}
		g.writeEndArray();
	}

	/** One change. */
	static ApiJson.Body change(Event e) {
		return g -> ApiJson.writeChange(g, e);
	}

	/** One entity's projected state. */
	static ApiJson.Body entity(EntityState s) {
		return g -> ApiJson.writeEntity(g, s);
	}

	/** A page of entities: {@code {entities, next?}}, next the last id when more follow. */
	static ApiJson.Body entities(List<EntityState> page, boolean more) {
		return g -> {
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
		};
	}

	/**
	 * {@code GET /api/stats}: counts per type and operation, their total, how far they reach, the vector, the last
	 * position and, for the node's token, the peers.
	 *
	 * @param peers the peers, {@code null} to leave them out
	 */
	static ApiJson.Body stats(Map<String, long[]> byType, long countedPosition, VersionVector vector, long lastPosition,
			List<io.tributary.transport.PeerStatus> peers) {
		return g -> {
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
			g.writeNumberField("countedPosition", countedPosition);
			g.writeFieldName("vector");
			ApiJson.writeVector(g, vector);
			g.writeNumberField("lastPosition", lastPosition);
			if (peers != null) {
				Instant now = Instant.now();
				g.writeArrayFieldStart("peers");
				for (io.tributary.transport.PeerStatus p : peers) {
					PeerEndpoints.writePeer(g, p, now);
				}
				g.writeEndArray();
			}
			g.writeEndObject();
		};
	}

	/** {@code GET /api/convergence}: {@code {vector, hash, entities}}. */
	static ApiJson.Body convergence(VersionVector vector, ConvergenceHash.Result result) {
		return g -> {
			g.writeStartObject();
			g.writeFieldName("vector");
			ApiJson.writeVector(g, vector);
			g.writeStringField("hash", result.hash());
			g.writeNumberField("entities", result.entities());
			g.writeEndObject();
		};
	}

	/** {@code GET /api/sync/status}: the upstream sync status, times as ISO instants, types sorted. */
	static ApiJson.Body syncStatus(SyncStatus s) {
		return g -> {
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
			g.writeObject(s.syncedTypes() == null ? null : new TreeSet<>(s.syncedTypes()));
			g.writeNumberField("deadLetters", s.deadLetters());
			g.writeEndObject();
		};
	}

	/** {@code POST /api/shutdown}: {@code {status: stopping, nodeId}}. */
	static ApiJson.Body stopping(String nodeId) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("status", "stopping");
			g.writeStringField("nodeId", nodeId);
			g.writeEndObject();
		};
	}

	/** A replayed dead letter: {@code {replayed, change}}, the change being the new one. */
	static ApiJson.Body replayed(String id, Event written) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("replayed", id);
			g.writeFieldName("change");
			ApiJson.writeChange(g, written);
			g.writeEndObject();
		};
	}

	/** A deleted dead letter: {@code {deleted}}. */
	static ApiJson.Body deleted(String id) {
		return g -> {
			g.writeStartObject();
			g.writeStringField("deleted", id);
			g.writeEndObject();
		};
	}

	/** Writes one item of a page. */
	@FunctionalInterface
	interface Item<T> {
		void write(JsonGenerator g, T item) throws IOException;
	}
}
