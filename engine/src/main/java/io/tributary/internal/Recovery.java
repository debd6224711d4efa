package io.tributary.internal;

import java.util.concurrent.atomic.AtomicLong;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.HybridClock;
import io.tributary.VersionVector;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;

/**
 * Recovery on open: loads the saved projection, replays the log after its checkpoint into the projector (the
 * conflicts found on the way are saved by the next checkpoint), and moves the hybrid clock past every stamp seen,
 * so this origin's stamps keep increasing even when the wall clock is now behind them. Runs once, before the
 * committer starts.
 */
final class Recovery {

	private final Storage storage;
	private final Projector projector;
	private final Checkpoints checkpoints;
	private final EngineMetrics metrics;
	private final HybridClock hlc;

	Recovery(Storage storage, Projector projector, Checkpoints checkpoints, EngineMetrics metrics, HybridClock hlc) {
		this.storage = storage;
		this.projector = projector;
		this.checkpoints = checkpoints;
		this.metrics = metrics;
		this.hlc = hlc;
	}

	/**
	 * Recovers.
	 *
	 * @param checkpoint the position the saved projection covers
	 * @param vector the committed vector
	 * @param origin this replica's origin
	 * @return completes when the projector and the clock are up to date
	 */
	Mono<Void> recover(long checkpoint, VersionVector vector, String origin) {
		AtomicLong maxHlc = new AtomicLong();
		return storage.projections().entities()
				.doOnNext(projector::load)
				.then(Mono.defer(() -> {
					for (String type : projector.types()) {
						for (EntityState s : projector.query(type)) {
							maxHlc.accumulateAndGet(s.hlc(), Math::max);
						}
					}
					return LiveTail.pages(storage.events(), checkpoint)
							.concatMapIterable(l -> l)
							.doOnNext(e -> {
								maxHlc.accumulateAndGet(e.hlc(), Math::max);
								try {
									Projector.Outcome o = projector.apply(e);
									if (o.conflict() != null) {
										checkpoints.conflict(o.conflict());
									}
								}
								catch (RuntimeException error) {
									// a throwing CUSTOM fold must not make the replica unopenable
									metrics.projectionFailed();
								}
							})
							.then();
				}))
				// the newest own event carries the highest own stamp (stamps grow with the sequence)
				.then(Mono.defer(() -> {
					long own = vector.get(origin);
					return own == 0 ? Mono.<Event>empty()
							: storage.events().readLacking(vector.with(origin, own - 1), 1).next();
				}))
				.doOnNext(last -> maxHlc.accumulateAndGet(last.hlc(), Math::max))
				.then(Mono.fromRunnable(() -> hlc.update(maxHlc.get())));
	}
}
