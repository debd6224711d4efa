package io.tributary.transport.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.Event;
import io.tributary.SyncEngine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The handler of the live tail, {@code GET /api/stream}: the changes after a cursor, then live ones, as
 * server-sent events, with heartbeats. The route table and its documentation are in {@link Endpoints}.
 */
final class StreamEndpoints {

	/** Ends a stream's frames; compared by identity, so no frame can be mistaken for it. */
	private static final String END_OF_STREAM = new String("end of stream");

	@SuppressWarnings("ReferenceEquality")
	private static boolean isEndOfStream(String frame) {
		return frame == END_OF_STREAM;
	}

	private final SyncEngine engine;
	private final ApiJson json;
	private final Duration heartbeat;

	StreamEndpoints(SyncEngine engine, ApiJson json, Duration heartbeat) {
		this.engine = engine;
		this.json = json;
		this.heartbeat = heartbeat;
	}

	/** {@code GET /api/stream}: one frame per change, {@code id: <seq>}, {@code event: change}, its data lines. */
	Mono<Void> stream(Exchange x) {
		String lastEventId = x.request().requestHeaders().get("Last-Event-ID");
		long cursor = lastEventId != null
				? Exchange.parseLong("header Last-Event-ID", lastEventId, 0, Long.MAX_VALUE)
				: x.longQuery("cursor", 0, 0, Long.MAX_VALUE);
		// engine.events() serves a slow client from the store at its own pace: Netty's writability
		// is the only demand, nothing is buffered here beyond the operators' small prefetch
		Flux<Event> events = x.user() == null ? engine.events(cursor) : engine.forUser(x.user()).events(cursor);
		Flux<String> frames = withHeartbeats(events.map(this::sseFrame),
				Flux.interval(heartbeat, heartbeat).map(tick -> ": keep-alive\n\n"));
		return x.response()
				.sse()
				.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
				.sendString(Flux.concat(Mono.just(": changes after " + cursor + "\n\n"), frames), StandardCharsets.UTF_8)
				.then();
	}

	/**
	 * Frames with heartbeats merged in, ending when the frames end (heartbeats never end by themselves). A
	 * heartbeat the connection cannot take at once is dropped: it is only useful when it can be sent.
	 */
	static Flux<String> withHeartbeats(Flux<String> frames, Flux<String> heartbeats) {
		return frames
				// the marker ends the stream with the frames
				.concatWith(Mono.just(END_OF_STREAM))
				.mergeWith(heartbeats.onBackpressureDrop())
				// the marker is one String instance: identity tells it from a frame with the same text
				.takeWhile(frame -> !isEndOfStream(frame));
	}

	private String sseFrame(Event e) {
		String change = new String(json.write(ApiAnswers.change(e)), StandardCharsets.UTF_8);
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
}
