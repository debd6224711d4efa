package io.tributary.transport.peer;

import java.util.List;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.EngineAdmin;
import reactor.core.publisher.Mono;

/**
 * Per-event permanent rejections of protocol version 2: row-level security and validation. A refused
 * event is stored as a blank (<em>rejection stub</em>, {@link Event#blank()}) at its {@code (origin, seq)}, so that the receiver's vector
 * stays contiguous and the origin's later events still apply; the stub never projects and carries nothing
 * of the refused content (see {@code docs/PROTOCOL.md}).
 */
final class Rejections {

	private Rejections() {
	}

	/**
	 * Applies a decoded frame's events, refusing each event of another user than {@code user} ({@code FORBIDDEN})
	 * and each that fails validation ({@code INVALID_EVENT}); refused events are stored as blanks, the rest of the
	 * frame applies. The events the frame's decoder refused (over a limit, or not decodable) stand in it as blanks
	 * already and come first among the refusals. Validation failures are found by halving the batch, so a frame
	 * with one bad event costs about twice its binary logarithm in applies, in origin order.
	 *
	 * @param engine the receiving engine
	 * @param frame the decoded frame
	 * @param user the session's user, {@code null} when unrestricted
	 * @param rejections receives the refusals, the decoder's first
	 * @return the summed apply counts
	 */
	static Mono<SyncEngine.ApplyResult> applyScreened(SyncEngine engine, Frame.Events frame, String user,
			List<Frame.Rejection> rejections) {
		List<Event> events = frame.events();
		rejections.addAll(frame.refused());
		java.util.Set<String> refused = addresses(frame.refused());
		List<Event> screened = new java.util.ArrayList<>(events.size());
		for (Event e : events) {
			if (user != null && !user.equals(e.userId()) && !refused.contains(address(e.origin(), e.originSeq()))) {
				rejections.add(new Frame.Rejection(e.origin(), e.originSeq(), ErrorCode.FORBIDDEN.name(),
						"the event belongs to another user than the session's"));
				screened.add(e.blank());
			}
			else {
				screened.add(e);
			}
		}
		return applyValid(engine, screened, rejections);
	}

	/**
	 * Keeps this side's events that a peer refused, or that could not be sent, as dead letters, with the
	 * reason; stubs and events no longer held are passed over (nothing of their content is here to keep).
	 *
	 * @param engine this side
	 * @param rejections the refusals
	 * @return completes when every dead letter is stored
	 */
	static Mono<Void> deadLetter(SyncEngine engine, List<Frame.Rejection> rejections) {
		java.time.Instant now = java.time.Instant.now();
		return reactor.core.publisher.Flux.fromIterable(rejections)
				.concatMap(r -> engine.event(r.origin(), r.seq())
						.filter(e -> !e.isStub())
						.flatMap(e -> EngineAdmin.of(engine).deadLetter(new DeadLetter(e, r.code(), r.reason(), now))))
				.then();
	}

	/**
	 * What of a batch can be sent: each event that cannot travel in a frame at all ({@link FrameCodec#unsendable})
	 * is replaced by its blank, so that the peer's vector still moves past it, and listed in {@code unsendable}.
	 *
	 * @param codec the codec the frames are encoded with
	 * @param events events to send
	 * @param unsendable receives the refusals of the events replaced
	 * @return the events to send, the same list when all can be sent
	 */
	static List<Event> sendable(FrameCodec codec, List<Event> events, List<Frame.Rejection> unsendable) {
		java.util.Map<Integer, String> why = codec.unsendable(events);
		if (why.isEmpty()) {
			return events;
		}
		List<Event> out = new java.util.ArrayList<>(events);
		new java.util.TreeMap<>(why).forEach((i, reason) -> {
			Event e = events.get(i);
			out.set(i, e.blank());
			unsendable.add(new Frame.Rejection(e.origin(), e.originSeq(), ErrorCode.INVALID_EVENT.name(),
					"not sent: " + reason));
		});
		return out;
	}

	private static java.util.Set<String> addresses(List<Frame.Rejection> rejections) {
		if (rejections.isEmpty()) {
			return java.util.Set.of();
		}
		java.util.Set<String> out = new java.util.HashSet<>();
		for (Frame.Rejection r : rejections) {
			out.add(address(r.origin(), r.seq()));
		}
		return out;
	}

	private static String address(String origin, long seq) {
		return origin + '#' + seq;
	}

	private static Mono<SyncEngine.ApplyResult> applyValid(SyncEngine engine, List<Event> events,
			List<Frame.Rejection> rejections) {
		// the frame decoder checked every payload (FrameCodec): the engine does not parse them again
		return EngineAdmin.of(engine).applyChecked(events).onErrorResume(ValidationException.class, ex -> {
			if (events.size() == 1) {
				Event e = events.get(0);
				rejections.add(new Frame.Rejection(e.origin(), e.originSeq(), ErrorCode.INVALID_EVENT.name(),
						ex.getMessage()));
				return EngineAdmin.of(engine).applyChecked(List.of(e.blank()));
			}
			int mid = events.size() / 2;
			return applyValid(engine, events.subList(0, mid), rejections)
					.flatMap(a -> applyValid(engine, events.subList(mid, events.size()), rejections)
							.map(b -> new SyncEngine.ApplyResult(a.applied() + b.applied(), a.duplicates() + b.duplicates(),
									a.held() + b.held(), a.dropped() + b.dropped())));
		});
	}
}
