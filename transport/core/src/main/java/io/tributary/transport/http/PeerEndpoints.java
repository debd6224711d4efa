package io.tributary.transport.http;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.transport.PeerDirectory;
import io.tributary.transport.PeerStatus;
import io.tributary.transport.client.SyncStatus;
import io.tributary.transport.client.Upstreams;
import reactor.core.publisher.Mono;

/**
 * The handler of {@code GET /api/peers}: every peer link, inbound and outbound, with its lag, traffic and last
 * error, and the upstream. The route table and its documentation are in {@link Endpoints}; the shape is in
 * {@code docs/NODE.md} ("Peers and lag").
 */
final class PeerEndpoints {

	private final SyncEngine engine;
	private final PeerDirectory peers;
	private final Upstreams upstreams;

	PeerEndpoints(SyncEngine engine, PeerDirectory peers, Upstreams upstreams) {
		this.engine = engine;
		this.peers = peers;
		this.upstreams = upstreams;
	}

	/** {@code GET /api/peers}: {@code {nodeId, vector, time, peers, upstream}}. */
	Mono<Void> peers(Exchange x) {
		return Mono.defer(() -> upstreams.latest().map(c -> c.status().map(java.util.Optional::of))
				.orElse(Mono.just(java.util.Optional.empty())))
				.flatMap(upstream -> {
					Instant now = Instant.now();
					VersionVector vector = engine.vector();
					List<PeerStatus> links = peers.peers();
					return x.send(HttpResponseStatus.OK, g -> {
						g.writeStartObject();
						g.writeStringField("nodeId", engine.origin());
						g.writeFieldName("vector");
						ApiJson.writeVector(g, vector);
						g.writeStringField("time", now.toString());
						g.writeArrayFieldStart("peers");
						for (PeerStatus p : links) {
							writePeer(g, p, now);
						}
						g.writeEndArray();
						g.writeFieldName("upstream");
						if (upstream.isPresent()) {
							writeUpstream(g, upstream.get(), now);
						}
						else {
							g.writeNull();
						}
						g.writeEndObject();
					});
				});
	}

	/** One link, as {@code /api/peers} and {@code /api/stats} show it. */
	static void writePeer(JsonGenerator g, PeerStatus p, Instant now) throws IOException {
		g.writeStartObject();
		g.writeStringField("address", p.address());
		g.writeStringField("nodeId", p.nodeId());
		g.writeStringField("direction", p.direction());
		g.writeBooleanField("connected", p.connected());
		g.writeStringField("since", p.since().toString());
		g.writeFieldName("vector");
		ApiJson.writeVector(g, p.vector());
		g.writeNumberField("lagEvents", p.lagEvents());
		g.writeNumberField("behindEvents", p.behindEvents());
		g.writeNumberField("lagSeconds", p.lagSeconds(now));
		g.writeStringField("laggingSince", p.laggingSince() == null ? null : p.laggingSince().toString());
		g.writeNumberField("eventsSent", p.eventsSent());
		g.writeNumberField("eventsReceived", p.eventsReceived());
		g.writeNumberField("bytesSent", p.bytesSent());
		g.writeNumberField("bytesReceived", p.bytesReceived());
		g.writeStringField("lastError", p.lastError());
		g.writeStringField("lastErrorAt", p.lastErrorAt() == null ? null : p.lastErrorAt().toString());
		g.writeEndObject();
	}

	/**
	 * The upstream: the sync status, with the lag as for a peer: pending events and, while some are pending, the
	 * seconds since the last outsync that succeeded (since this node started when none did).
	 */
	private static void writeUpstream(JsonGenerator g, SyncStatus s, Instant now) throws IOException {
		g.writeStartObject();
		g.writeStringField("address", s.upstream());
		g.writeNumberField("lagEvents", s.pending());
		Instant last = s.lastOutsync();
		if (s.pending() == 0) {
			g.writeNumberField("lagSeconds", 0);
		}
		else if (last == null) {
			g.writeNullField("lagSeconds");
		}
		else {
			g.writeNumberField("lagSeconds", Math.max(0, now.toEpochMilli() - last.toEpochMilli()) / 1000.0);
		}
		g.writeStringField("lastOutsync", last == null ? null : last.toString());
		g.writeStringField("lastDownsync", s.lastDownsync() == null ? null : s.lastDownsync().toString());
		g.writeFieldName("vector");
		g.writeObject(s.upstreamVector());
		g.writeStringField("lastError", s.lastError());
		g.writeBooleanField("authRequired", s.authRequired());
		g.writeNumberField("deadLetters", s.deadLetters());
		g.writeEndObject();
	}
}
