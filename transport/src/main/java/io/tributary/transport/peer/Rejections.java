package io.tributary.transport.peer;

import java.util.List;

import io.tributary.Event;
import io.tributary.Op;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
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
	 * Applies a frame's events, refusing each event of another user than {@code user} ({@code FORBIDDEN}) and
	 * each that fails validation ({@code INVALID_EVENT}); refused events are stored as blanks, the
	 * rest of the frame applies. Validation failures are found by halving the batch, so a frame with one bad
	 * event costs about twice its binary logarithm in applies, in origin order.
	 *
	 * @param engine the receiving engine
	 * @param events the frame's events
	 * @param user the session's user, {@code null} when unrestricted
	 * @param rejections receives the refusals, in the order found
	 * @return the summed apply counts
	 */
	static Mono<SyncEngine.ApplyResult> applyScreened(SyncEngine engine, List<Event> events, String user,
			List<Frame.Rejection> rejections) {
		List<Event> screened = new java.util.ArrayList<>(events.size());
		for (Event e : events) {
			if (user != null && !user.equals(e.userId())) {
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

	private static Mono<SyncEngine.ApplyResult> applyValid(SyncEngine engine, List<Event> events,
			List<Frame.Rejection> rejections) {
		// the frame decoder checked every payload (FrameCodec): the engine does not parse them again
		return engine.applyChecked(events).onErrorResume(ValidationException.class, ex -> {
			if (events.size() == 1) {
				Event e = events.get(0);
				rejections.add(new Frame.Rejection(e.origin(), e.originSeq(), ErrorCode.INVALID_EVENT.name(),
						ex.getMessage()));
				return engine.applyChecked(List.of(e.blank()));
			}
			int mid = events.size() / 2;
			return applyValid(engine, events.subList(0, mid), rejections)
					.flatMap(a -> applyValid(engine, events.subList(mid, events.size()), rejections)
							.map(b -> new SyncEngine.ApplyResult(a.applied() + b.applied(), a.duplicates() + b.duplicates(),
									a.held() + b.held(), a.dropped() + b.dropped())));
		});
	}
}
