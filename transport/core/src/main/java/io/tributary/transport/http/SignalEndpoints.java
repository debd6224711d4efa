package io.tributary.transport.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonGenerator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.Event;
import io.tributary.SyncSignal;
import io.tributary.spi.DeadLetter;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The handler of {@code GET /api/signals}: the engine's {@link SyncSignal}s as server-sent events, one event type
 * per kind, each reader with a bounded buffer of its own that drops its oldest frames when the reader is slow and
 * then says how many it dropped. The JSON of each kind is documented in {@code docs/NODE.md} ("Signals"); the
 * route table is {@link Endpoints}.
 */
final class SignalEndpoints {

	/** Default of the {@code buffer} parameter: frames one reader may fall behind before the oldest are dropped. */
	static final int DEFAULT_BUFFER = 256;

	/** Largest {@code buffer}. */
	static final int MAX_BUFFER = 10_000;

	/** Most changes a {@code committed} event lists; the counts cover all of them. */
	static final int MAX_LISTED_CHANGES = 16;

	/** Largest {@code heartbeat}, in seconds. */
	static final int MAX_HEARTBEAT_SECONDS = 3600;

	/** The kinds, by the record they report, in the order {@code /api/help} lists them. */
	static final Map<Class<? extends SyncSignal>, String> KINDS = kinds();

	/** The kinds a user's token may see: those about an event, shown when the event is the user's. */
	static final Set<String> USER_KINDS = Set.of("committed", "conflict-detected", "dead-lettered", "projection-failed");

	private static Map<Class<? extends SyncSignal>, String> kinds() {
		Map<Class<? extends SyncSignal>, String> k = new LinkedHashMap<>();
		k.put(SyncSignal.Committed.class, "committed");
		k.put(SyncSignal.ConflictDetected.class, "conflict-detected");
		k.put(SyncSignal.RemoteApplied.class, "remote-applied");
		k.put(SyncSignal.DeadLettered.class, "dead-lettered");
		k.put(SyncSignal.WriteRejected.class, "write-rejected");
		k.put(SyncSignal.CommitFailed.class, "commit-failed");
		k.put(SyncSignal.ProjectionFailed.class, "projection-failed");
		k.put(SyncSignal.ProjectionCheckpointed.class, "projection-checkpointed");
		k.put(SyncSignal.RemoteRefused.class, "remote-refused");
		k.put(SyncSignal.UserErased.class, "user-erased");
		return java.util.Collections.unmodifiableMap(k);
	}

	private final SignalHub hub;
	private final ApiJson json;
	private final Duration heartbeat;
	private final Counter dropped;

	SignalEndpoints(SignalHub hub, ApiJson json, Duration heartbeat, MeterRegistry registry) {
		this.hub = hub;
		this.json = json;
		this.heartbeat = heartbeat;
		this.dropped = Counter.builder("tributary.http.signals.dropped")
				.description("Signal frames dropped for slow readers of /api/signals").baseUnit("signals")
				.register(registry);
	}

	/** {@code GET /api/signals}. */
	Mono<Void> signals(Exchange x) {
		Set<String> kinds = kinds(x.query("kinds"));
		int buffer = (int) x.longQuery("buffer", DEFAULT_BUFFER, 1, MAX_BUFFER);
		String beat = x.query("heartbeat");
		Duration every = beat == null ? heartbeat
				: Duration.ofSeconds(Exchange.parseLong("query parameter 'heartbeat'", beat, 1, MAX_HEARTBEAT_SECONDS));
		String lastEventId = x.request().requestHeaders().get("Last-Event-ID");
		long newest = hub.last();
		long after = lastEventId == null ? newest
				: Exchange.parseLong("header Last-Event-ID", lastEventId, 0, Long.MAX_VALUE);
		if (after > newest) {
			// numbers restart with the server: an id from before a restart means nothing here
			after = newest;
		}
		String user = x.user();
		Predicate<SyncSignal> wanted = s -> kinds.contains(KINDS.get(s.getClass()))
				&& (user == null || USER_KINDS.contains(KINDS.get(s.getClass())));
		AtomicLong lost = new AtomicLong();
		long from = after;
		Flux<String> frames = hub.after(after)
				.filter(n -> wanted.test(n.signal()))
				.mapNotNull(n -> frame(n, user))
				// the hub delivers on the engine's signal thread: a slow reader loses its own oldest frames here
				.onBackpressureBuffer(buffer, f -> {
					lost.incrementAndGet();
					dropped.increment();
				}, BufferOverflowStrategy.DROP_OLDEST)
				.concatMap(f -> {
					long n = lost.getAndSet(0);
					return n == 0 ? Mono.just(f) : Flux.just(droppedFrame(n, "slow-reader"), f);
				}, 1);
		// a reader resuming from an id the ring no longer holds is told how many it missed at most
		long missed = Math.max(0, hub.oldest() - from - 1);
		Flux<String> head = Flux.just(": signals after " + from + "\n\n");
		if (lastEventId != null && missed > 0) {
			head = head.concatWithValues(droppedFrame(missed, "expired"));
		}
		Flux<String> beats = Flux.interval(every, every).map(t -> heartbeatFrame());
		return x.response()
				.sse()
				.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
				.sendString(Flux.concat(head, StreamEndpoints.withHeartbeats(frames, beats)), StandardCharsets.UTF_8)
				.then();
	}

	/** The kinds asked for: every kind when none are named; 400 naming the unknown ones. */
	private static Set<String> kinds(String param) {
		Set<String> known = new TreeSet<>(KINDS.values());
		if (param == null || param.isBlank()) {
			return known;
		}
		Set<String> asked = new TreeSet<>();
		List<String> unknown = new ArrayList<>();
		for (String k : param.split(",")) {
			String kind = k.trim();
			if (kind.isEmpty()) {
				continue;
			}
			if (known.contains(kind)) {
				asked.add(kind);
			}
			else {
				unknown.add(Exchange.abbreviate(kind));
			}
		}
		if (!unknown.isEmpty()) {
			throw ApiException.badRequest("invalid_parameter", "unknown signal kind" + (unknown.size() == 1 ? " " : "s ")
					+ String.join(", ", unknown) + " in query parameter 'kinds'; known kinds are "
					+ String.join(", ", KINDS.values()));
		}
		return asked.isEmpty() ? known : asked;
	}

	/** The frame of one signal, {@code null} when it says nothing about the user's events. */
	private String frame(SignalHub.Numbered n, String user) {
		SyncSignal s = n.signal();
		String kind = KINDS.get(s.getClass());
		ApiJson.Body body;
		if (s instanceof SyncSignal.Committed c) {
			List<Event> events = user == null ? c.events() : c.events().stream().filter(e -> user.equals(e.userId())).toList();
			if (events.isEmpty()) {
				return null;
			}
			body = g -> committed(g, events, user == null ? c.local() : -1, c.commitNanos());
		}
		else if (s instanceof SyncSignal.ConflictDetected c) {
			if (user != null && !user.equals(c.conflict().incoming().userId()) && !user.equals(c.conflict().head().userId())) {
				return null;
			}
			body = g -> {
				g.writeStringField("entityType", c.conflict().type());
				g.writeStringField("entityId", c.conflict().entityId());
				g.writeStringField("strategy", c.conflict().strategy().name());
				g.writeStringField("winner", c.conflict().winner() == null ? null : c.conflict().winner().toString());
				g.writeStringField("incoming", ApiJson.cid(c.conflict().incoming()));
				g.writeStringField("head", ApiJson.cid(c.conflict().head()));
			};
		}
		else if (s instanceof SyncSignal.RemoteApplied r) {
			body = g -> {
				g.writeNumberField("applied", r.applied());
				g.writeNumberField("duplicates", r.duplicates());
				g.writeNumberField("held", r.held());
				g.writeNumberField("dropped", r.dropped());
			};
		}
		else if (s instanceof SyncSignal.DeadLettered d) {
			DeadLetter l = d.letter();
			if (user != null && !user.equals(l.event().userId())) {
				return null;
			}
			body = g -> {
				g.writeStringField("id", ApiJson.cid(l.event()));
				g.writeStringField("code", l.code());
				g.writeStringField("reason", l.reason());
				g.writeStringField("entityType", l.event().type());
				g.writeStringField("entityId", l.event().entityId());
			};
		}
		else if (s instanceof SyncSignal.WriteRejected w) {
			body = g -> {
				g.writeStringField("entityType", w.type());
				g.writeStringField("entityId", w.entityId());
				g.writeStringField("error", w.error().getClass().getSimpleName());
				g.writeStringField("message", w.error().getMessage());
			};
		}
		else if (s instanceof SyncSignal.CommitFailed f) {
			body = g -> {
				g.writeNumberField("events", f.events());
				g.writeStringField("error", f.error().getClass().getSimpleName());
				g.writeStringField("message", f.error().getMessage());
			};
		}
		else if (s instanceof SyncSignal.ProjectionFailed f) {
			if (user != null && !user.equals(f.event().userId())) {
				return null;
			}
			body = g -> {
				g.writeStringField("cid", ApiJson.cid(f.event()));
				g.writeStringField("entityType", f.event().type());
				g.writeStringField("entityId", f.event().entityId());
				g.writeStringField("error", f.error().getClass().getSimpleName());
				g.writeStringField("message", f.error().getMessage());
			};
		}
		else if (s instanceof SyncSignal.ProjectionCheckpointed p) {
			body = g -> {
				g.writeNumberField("position", p.position());
				g.writeNumberField("entities", p.entities());
			};
		}
		else if (s instanceof SyncSignal.RemoteRefused r) {
			body = g -> {
				g.writeStringField("cid", r.origin() + ":" + r.originSeq());
				g.writeStringField("entityType", r.type());
				g.writeStringField("acceptedUser", r.acceptedUser());
			};
		}
		else if (s instanceof SyncSignal.UserErased e) {
			body = g -> {
				g.writeNumberField("events", e.events());
				g.writeNumberField("entities", e.entities());
			};
		}
		else {
			return null;
		}
		byte[] data = json.write(g -> {
			g.writeStartObject();
			g.writeStringField("kind", kind);
			g.writeNumberField("id", n.id());
			g.writeStringField("time", n.at().toString());
			body.write(g);
			g.writeEndObject();
		});
		// the generator escapes line breaks inside strings: the document is one line
		return "id: " + n.id() + "\nevent: " + kind + "\ndata: " + new String(data, StandardCharsets.UTF_8) + "\n\n";
	}

	/** The fields of a {@code committed} event; {@code local} below 0 leaves it out (a user's view). */
	private static void committed(JsonGenerator g, List<Event> events, int local, long commitNanos) throws IOException {
		g.writeNumberField("events", events.size());
		if (local >= 0) {
			g.writeNumberField("local", local);
			g.writeNumberField("commitMillis", commitNanos / 1_000_000.0);
		}
		g.writeNumberField("firstSeq", events.get(0).position());
		g.writeNumberField("lastSeq", events.get(events.size() - 1).position());
		Map<String, Integer> byType = new TreeMap<>();
		Map<String, Integer> byOrigin = new TreeMap<>();
		for (Event e : events) {
			byType.merge(e.type(), 1, Integer::sum);
			byOrigin.merge(e.origin(), 1, Integer::sum);
		}
		g.writeObjectFieldStart("types");
		for (Map.Entry<String, Integer> t : byType.entrySet()) {
			g.writeNumberField(t.getKey(), t.getValue());
		}
		g.writeEndObject();
		g.writeObjectFieldStart("origins");
		for (Map.Entry<String, Integer> o : byOrigin.entrySet()) {
			g.writeNumberField(o.getKey(), o.getValue());
		}
		g.writeEndObject();
		g.writeArrayFieldStart("changes");
		for (int i = 0; i < Math.min(events.size(), MAX_LISTED_CHANGES); i++) {
			Event e = events.get(i);
			g.writeStartObject();
			g.writeStringField("cid", ApiJson.cid(e));
			g.writeStringField("entityType", e.type());
			g.writeStringField("entityId", e.entityId());
			g.writeStringField("operation", ApiJson.operation(e));
			g.writeEndObject();
		}
		g.writeEndArray();
		g.writeBooleanField("truncated", events.size() > MAX_LISTED_CHANGES);
	}

	private String droppedFrame(long count, String reason) {
		byte[] data = json.write(g -> {
			g.writeStartObject();
			g.writeStringField("kind", "dropped");
			g.writeNumberField("dropped", count);
			g.writeStringField("reason", reason);
			g.writeStringField("time", Instant.now().toString());
			g.writeEndObject();
		});
		return "event: dropped\ndata: " + new String(data, StandardCharsets.UTF_8) + "\n\n";
	}

	private String heartbeatFrame() {
		return "event: heartbeat\ndata: {\"kind\":\"heartbeat\",\"time\":\"" + Instant.now() + "\",\"lastId\":" + hub.last()
				+ "}\n\n";
	}
}
