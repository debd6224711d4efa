package io.tributary.internal;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.tributary.Conflict;
import io.tributary.SyncSignal;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.Erasure;
import io.tributary.spi.ProjectionStore;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Projection checkpoints: the conflicts not yet saved, what a failed save must save again, the callers waiting
 * for the next checkpoint, and the save itself. The committer starts one (with the gate free, so the projector
 * holds still while it is snapshotted); the save then runs beside the commits, on the saver scheduler, and
 * reports to {@link Done} on the thread the store completes on. The folds it took stay pinned in the cache until
 * the committer settles the save ({@link #reclaimFailed()}): then they are clean, or dirty again when it failed.
 * Every save upserts the folds changed since the previous one; none replaces the whole projection.
 */
final class Checkpoints {

	/** Hears that a checkpoint ended. */
	interface Done {
		/**
		 * A checkpoint ended.
		 *
		 * @param error the save's error, or null
		 * @param waiting the callers to answer
		 * @param finalOne whether it was the closing checkpoint
		 */
		void checkpointed(Throwable error, List<MonoSink<Void>> waiting, boolean finalOne);
	}

	/** The order folds are saved in: the key of the stores' entity tables. */
	private static final Comparator<Projector.FoldSnapshot> KEY_ORDER = Comparator
			.comparing(Projector.FoldSnapshot::type).thenComparing(Projector.FoldSnapshot::entityId);

	private final Projector projector;
	private final ProjectionStore store;
	private final Scheduler saver;
	private final Fanout fanout;

	// committer only
	private final List<Conflict> pending = new ArrayList<>();

	// any thread
	private final ConcurrentLinkedQueue<Conflict> failedConflicts = new ConcurrentLinkedQueue<>();
	private final ConcurrentLinkedQueue<MonoSink<Void>> waiters = new ConcurrentLinkedQueue<>();
	/** How the last save ended, until the committer settles it: 0 settled, 1 saved, 2 failed. */
	private volatile int unsettled;
	/** Shared store: the store's {@link ProjectionStore#covered()} as the last checkpoint read it. */
	private volatile long covered;
	private volatile boolean requested;
	private volatile boolean saving;

	Checkpoints(Projector projector, ProjectionStore store, Scheduler saver, Fanout fanout) {
		this.projector = projector;
		this.store = store;
		this.saver = saver;
		this.fanout = fanout;
	}

	/** Asks for a checkpoint at the committer's next chance (the interval ticked). */
	void request() {
		requested = true;
	}

	/** Asks for a checkpoint and answers {@code sink} when it ends. */
	void await(MonoSink<Void> sink) {
		waiters.add(sink);
		requested = true;
	}

	/** Takes the request, if any. Committer only. */
	boolean takeRequest() {
		if (requested) {
			requested = false;
			return true;
		}
		return false;
	}

	/** Whether a save is running. */
	boolean saving() {
		return saving;
	}

	/** A conflict to save with the next checkpoint. Committer only. */
	void conflict(Conflict c) {
		pending.add(c);
	}

	/** Forgets the unsaved conflicts involving a user (erase). Committer only. */
	void erase(String userId) {
		pending.removeIf(c -> Erasure.involves(userId, c));
		failedConflicts.removeIf(c -> Erasure.involves(userId, c));
	}

	/**
	 * Settles the last save (its folds become clean, or dirty again when it failed) and takes back the conflicts
	 * a failed save left, for the next checkpoint. Committer only, no save running.
	 */
	void reclaimFailed() {
		int outcome = unsettled;
		if (outcome != 0) {
			unsettled = 0;
			projector.saved(outcome == 1);
			if (projector.awaitingCount() > 0) {
				projector.release(covered);
			}
		}
		Conflict c;
		while ((c = failedConflicts.poll()) != null) {
			pending.add(c);
		}
	}

	/**
	 * Snapshots what changed since the last checkpoint and saves it up to {@code position}. Committer only, gate
	 * free, no save running. Reports to {@code done} (at once when there is nothing to save).
	 */
	void start(long position, boolean finalOne, Done done) {
		List<Projector.FoldSnapshot> snapshots = projector.snapshotDirty();
		List<Conflict> newConflicts = new ArrayList<>(pending);
		pending.clear();
		List<MonoSink<Void>> waiting = new ArrayList<>();
		MonoSink<Void> w;
		while ((w = waiters.poll()) != null) {
			waiting.add(w);
		}
		// folds other engines' commits changed wait for those engines' saves: the store says how far they got
		boolean ask = projector.awaitingCount() > 0 && !finalOne;
		boolean nothing = snapshots.isEmpty() && newConflicts.isEmpty();
		if (nothing && !ask) {
			done.checkpointed(null, waiting, finalOne);
			return;
		}
		saving = true;
		(nothing ? Mono.<Void>empty() : save(position, snapshots, newConflicts))
				.then(ask ? store.covered().doOnNext(c -> covered = c).then() : Mono.<Void>empty())
				.subscribeOn(saver)
				.subscribe(null, error -> {
					// keep what was not saved for the next checkpoint (the log still holds it)
					unsettled = 2;
					failedConflicts.addAll(newConflicts);
					done.checkpointed(error, waiting, finalOne);
				}, () -> {
					unsettled = 1;
					if (!nothing) {
						fanout.signal(new SyncSignal.ProjectionCheckpointed(position, snapshots.size()));
					}
					done.checkpointed(null, waiting, finalOne);
				});
	}

	/**
	 * Saves what changed up to {@code position} now, outside the committer's schedule: replays (recovery, erase,
	 * fill) flush the cache this way when too many folds are pinned. Only while nothing else folds or saves.
	 *
	 * @param position the position every folded event is at or below
	 * @return completes when saved; the folds are clean then (dirty again when it failed)
	 */
	Mono<Void> flush(long position) {
		return Mono.defer(() -> {
			reclaimFailed();
			List<Projector.FoldSnapshot> snapshots = projector.snapshotDirty();
			List<Conflict> newConflicts = new ArrayList<>(pending);
			pending.clear();
			return save(position, snapshots, newConflicts)
					.doOnError(error -> {
						projector.saved(false);
						pending.addAll(newConflicts);
					})
					.doOnSuccess(v -> projector.saved(true));
		});
	}

	/** Encodes and saves snapshots; each fold is encoded when the store takes it. */
	private Mono<Void> save(long position, List<Projector.FoldSnapshot> snapshots, List<Conflict> newConflicts) {
		// encoding and saving run beside the commits: the snapshots are private copies. Each fold is encoded when
		// the store takes it, so a store that writes in pieces never holds the whole checkpoint's encoding
		return Mono.defer(() -> {
			// in key order, on the saver's thread: a store's B-tree then takes each piece of the save in a few
			// neighbouring pages. In the order the folds changed, every piece touched pages all over the table, and
			// H2, which writes each changed page anew when it stores, wrote the whole table again per piece (a
			// 1.2M-event run grew its file to gigabytes)
			List<Projector.FoldSnapshot> sorted = new ArrayList<>(snapshots);
			sorted.sort(KEY_ORDER);
			List<EntityRecord> records = new AbstractList<>() {
				@Override
				public EntityRecord get(int index) {
					return sorted.get(index).encode();
				}

				@Override
				public int size() {
					return sorted.size();
				}
			};
			return store.save(position, records, newConflicts);
		});
	}

	/** The save ended and its callers were answered: the committer may start the next. */
	void saved() {
		saving = false;
	}

	/** Answers the callers of one checkpoint. */
	static void answer(List<MonoSink<Void>> waiting, Throwable error) {
		for (MonoSink<Void> s : waiting) {
			if (error == null) {
				s.success();
			}
			else {
				s.error(error);
			}
		}
	}

	/** Answers the callers that came after the closing checkpoint: nothing more will be saved. */
	void answerLate() {
		MonoSink<Void> late;
		while ((late = waiters.poll()) != null) {
			late.success();
		}
	}
}
