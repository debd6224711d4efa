package io.tributary.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.tributary.Event;
import io.tributary.spi.EventStore;
import reactor.core.publisher.Mono;

/**
 * Folds a stretch of the log into the projector through the same path as commits: page by page, the entities a
 * page touches and the cache lacks are looked up in the store (one call per type), the events folded, the cache
 * trimmed, and the changed folds saved whenever too many are pinned, so a replay of any length holds a bounded
 * number of folds. Recovery replays the log after the checkpoint; erase and fill replay all of it into a store that
 * discarded its projection. Runs while nothing else folds or saves (before the committer starts, or with the gate to
 * itself).
 */
final class Replay {

	private final EventStore events;
	private final Projector projector;
	private final Checkpoints checkpoints;
	private final EngineMetrics metrics;

	Replay(EventStore events, Projector projector, Checkpoints checkpoints, EngineMetrics metrics) {
		this.events = events;
		this.projector = projector;
		this.checkpoints = checkpoints;
		this.metrics = metrics;
	}

	/**
	 * Folds the events after a position.
	 *
	 * @param afterPosition exclusive start
	 * @param skip events not to fold
	 * @param seen told of every event read, folded or not
	 * @param keepConflicts whether the conflicts found are saved by the next checkpoint
	 * @return completes when every event up to the end of the log is folded
	 */
	Mono<Void> fold(long afterPosition, Predicate<Event> skip, Consumer<Event> seen, boolean keepConflicts) {
		return LiveTail.pages(events, afterPosition)
				.concatMap(page -> {
					List<Event> folding = new ArrayList<>(page.size());
					for (Event e : page) {
						seen.accept(e);
						if (!skip.test(e)) {
							folding.add(e);
						}
					}
					return projector.loadMissing(folding).then(Mono.defer(() -> {
						for (Event e : folding) {
							try {
								Projector.Outcome o = projector.apply(e);
								if (keepConflicts && o.conflict() != null) {
									checkpoints.conflict(o.conflict());
								}
							}
							catch (RuntimeException error) {
								// a throwing CUSTOM fold must not stop the replay
								metrics.projectionFailed();
							}
						}
						projector.trim();
						return projector.pinnedOverBound() ? checkpoints.flush(page.get(page.size() - 1).position())
								.doOnSuccess(v -> projector.trim()) : Mono.<Void>empty();
					}));
				}, 0)
				.then();
	}
}
