package io.tributary.internal;

import java.util.concurrent.atomic.AtomicLong;

import io.tributary.Event;
import io.tributary.HybridClock;
import io.tributary.VersionVector;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;

/**
 * Recovery on open: replays the log after the saved projection's checkpoint through the projector's cache
 * ({@link Replay}: the folds it needs are looked up in the store; the conflicts found on the way are saved by the
 * next checkpoint), and moves the hybrid clock past every stamp seen, in the saved folds and in the replayed events,
 * so this origin's stamps keep increasing even when the wall clock is now behind them. The saved folds are read
 * as a stream once: when they all fit the cache (and no other engine writes to the store) they are loaded into it,
 * which makes the cache {@linkplain Projector#complete() complete}; otherwise they are read for their stamps only,
 * never held. Runs once, before the committer starts.
 */
final class Recovery {

	private final Storage storage;
	private final Replay replay;
	private final HybridClock hlc;
	private final Projector projector;

	Recovery(Storage storage, Replay replay, HybridClock hlc, Projector projector) {
		this.storage = storage;
		this.replay = replay;
		this.hlc = hlc;
		this.projector = projector;
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
		boolean exclusive = !storage.events().shared();
		// a shared store's cache is never complete: no need to count its rows
		return (exclusive ? storage.projections().count() : Mono.just(Long.MAX_VALUE))
				.flatMap(saved -> {
					if (exclusive && saved <= projector.capacity()) {
						// the whole saved projection fits the cache: load it, and no entity needs a lookup until the
						// first eviction (a miss is a new entity)
						return storage.projections().entities()
								.doOnNext(r -> maxHlc.accumulateAndGet(projector.preload(r), Math::max))
								.then(Mono.fromRunnable(projector::complete));
					}
					return storage.projections().entities()
							.doOnNext(r -> maxHlc.accumulateAndGet(Projector.maxHlc(r), Math::max))
							.then();
				})
				.then(Mono.defer(() -> replay.fold(checkpoint, e -> false,
						e -> maxHlc.accumulateAndGet(e.hlc(), Math::max), true)))
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
