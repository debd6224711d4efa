package io.tributary.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.tributary.EngineClosedException;
import io.tributary.Event;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The committer: one logical loop (a work-in-progress counter; whichever thread submits or completes runs it,
 * never two at once) that owns the gate. With the gate free it starts, in this order, a requested checkpoint,
 * the folding of events other processes committed, one exclusive task (erase, fill), or the next group commit.
 * Exactly one commit or exclusive task holds the gate at a time, so the next batch gathers while the store
 * commits: that is the group commit. A checkpoint's save runs beside the commits but not beside an exclusive task;
 * when the folds changed since its snapshot reach the cache's capacity ({@link Projector#pinnedOverLimit()}), no
 * commit starts until it ends, so the pinned folds are bounded by waiting, not by the heap.
 * <p>
 * The engine's lifecycle ({@link Lifecycle}) and the gate ({@link Gate}) change only in this class, each through
 * one method.
 */
final class CommitLoop implements Checkpoints.Done {

	/** Where the engine is in its life. Moves forward only. */
	enum Lifecycle {
		/** Accepting work. */
		OPEN,
		/** close() was called: new work is refused, what was accepted is committed. */
		CLOSING,
		/** The ingress is empty and the closing checkpoint runs: nothing more is committed. */
		FINAL_CHECKPOINT,
		/** Closed: the outputs ended, reads fail. */
		CLOSED
	}

	/** Who holds the commit gate. */
	enum Gate {
		/** Nobody. */
		IDLE,
		/** A group commit. */
		COMMITTING,
		/** An exclusive task (erase, fill). */
		EXCLUSIVE
	}

	private final Ingress ingress;
	private final Checkpoints checkpoints;
	private final Projector projector;
	private final CommittedEvents committed;
	private final LiveTail liveTail;
	private final Fanout fanout;
	private final Scheduler completions;
	private final boolean ownsCompletions;
	private final int maxBatch;
	private GroupCommit groupCommit;

	private final AtomicInteger wip = new AtomicInteger();
	private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.OPEN);
	private volatile Gate gate = Gate.IDLE;
	private volatile MonoSink<Void> closeSink;
	private final ConcurrentLinkedQueue<Exclusive> exclusives = new ConcurrentLinkedQueue<>();
	private final ConcurrentLinkedQueue<List<Event>> observed = new ConcurrentLinkedQueue<>();
	/** Observed batches a failed lookup left, folded before the queue's. Gate holder only. */
	private final List<List<Event>> retryObserved = new ArrayList<>();
	/**
	 * Set when folding observed batches of a shared store failed: the next group commit goes before the fold is tried
	 * again, so that while the store fails local writers get its error rather than wait behind the retries (a shared
	 * store's feed cursor is not moved by this engine's commits, so the batches are still folded after them; on
	 * another store a reported batch must be folded before any later commit). Gate holder only.
	 */
	private boolean writesFirst;
	private final EngineMetrics metrics;
	private volatile Scheduler timer;
	private final Disposable.Composite background = Disposables.composite();

	CommitLoop(Ingress ingress, Checkpoints checkpoints, Projector projector, CommittedEvents committed,
			LiveTail liveTail, Fanout fanout, Scheduler completions, boolean ownsCompletions, int maxBatch,
			EngineMetrics metrics) {
		this.metrics = metrics;
		this.projector = projector;
		this.ingress = ingress;
		this.checkpoints = checkpoints;
		this.committed = committed;
		this.liveTail = liveTail;
		this.fanout = fanout;
		this.completions = completions;
		this.ownsCompletions = ownsCompletions;
		this.maxBatch = maxBatch;
	}

	/** Wires the group commit, which gives the gate back through {@link #release()}. */
	void commitWith(GroupCommit commit) {
		this.groupCommit = commit;
	}

	/**
	 * Starts the checkpoint ticks and the store's feed of events committed by other processes.
	 *
	 * @param every the checkpoint interval
	 * @param timer where the ticks run
	 * @param others the store's feed ({@link io.tributary.spi.EventStore#committedByOthers()})
	 * @param feedFailed hears the feed's error, should it end with one
	 */
	void start(Duration every, Scheduler timer, Flux<List<Event>> others, Consumer<Throwable> feedFailed) {
		this.timer = timer;
		background.add(Flux.interval(every, every, timer).subscribe(tick -> {
			checkpoints.request();
			drain();
		}));
		background.add(others.subscribe(batch -> {
			observed.add(batch);
			drain();
		}, feedFailed));
	}

	/** Whether the engine closed (its storage may be closed too). */
	boolean closed() {
		return lifecycle.get() == Lifecycle.CLOSED;
	}

	/** Submits a write or a peer batch; refused once the engine is closing. */
	void submit(Submission p) {
		if (lifecycle.get() != Lifecycle.OPEN) {
			p.fail(new EngineClosedException());
			return;
		}
		ingress.offer(p);
		drain();
	}

	/**
	 * Runs work with the gate to itself: no commit or checkpoint starts until the work's {@code Mono} ends. The
	 * work is built inside the gate, so it may touch the projector and the held buffer. Answered on the completion
	 * scheduler.
	 */
	<T> Mono<T> exclusive(Supplier<Mono<T>> work) {
		return Mono.<T>create(sink -> {
			if (lifecycle.get() != Lifecycle.OPEN) {
				sink.error(new EngineClosedException());
				return;
			}
			exclusives.add(new Exclusive(() -> {
				Mono<T> m;
				try {
					m = work.get();
				}
				catch (RuntimeException e) {
					m = Mono.error(e);
				}
				m.map(Optional::of).defaultIfEmpty(Optional.empty()).subscribe(
						v -> releaseThen(() -> v.ifPresentOrElse(sink::success, sink::success)),
						e -> releaseThen(() -> sink.error(e)));
			}, sink::error));
			drain();
		});
	}

	private void releaseThen(Runnable answer) {
		gate = Gate.IDLE;
		completions.schedule(answer);
		drain();
	}

	/** Gives the gate back after a group commit (either way) and runs the loop. */
	void release() {
		gate = Gate.IDLE;
		drain();
	}

	/** Completes when the next checkpoint ends (at once when the engine has closed and nothing is pending). */
	Mono<Void> checkpoint() {
		return Mono.create(sink -> {
			if (lifecycle.get() == Lifecycle.CLOSED && gate == Gate.IDLE && ingress.isEmpty()) {
				sink.success();
				return;
			}
			checkpoints.await(sink);
			drain();
		});
	}

	/** Refuses new work, commits what was accepted, checkpoints and ends the outputs; errors when called twice. */
	Mono<Void> close() {
		return Mono.<Void>create(sink -> {
			synchronized (this) {
				if (lifecycle.get() != Lifecycle.OPEN) {
					sink.error(new EngineClosedException());
					return;
				}
				closeSink = sink;
				advance(Lifecycle.OPEN, Lifecycle.CLOSING);
			}
			drain();
		});
	}

	private void advance(Lifecycle from, Lifecycle to) {
		if (!lifecycle.compareAndSet(from, to)) {
			throw new IllegalStateException("lifecycle " + lifecycle.get() + ", expected " + from + " before " + to);
		}
	}

	/** Runs the loop; see the class comment for what it starts, in which order. */
	void drain() {
		if (wip.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		for (;;) {
			Lifecycle now = lifecycle.get();
			boolean committing = now == Lifecycle.OPEN || now == Lifecycle.CLOSING;
			if (now != Lifecycle.OPEN) {
				ingress.failWaiters(new EngineClosedException());
			}
			else {
				// room frees as soon as a batch leaves the queue, not when its commit ends
				ingress.promoteWaiters();
			}
			if (gate == Gate.IDLE && !checkpoints.saving() && now != Lifecycle.CLOSED) {
				// a checkpoint goes first once requested (under load the queue is never empty); it only takes
				// a snapshot here, the save runs beside the commits
				checkpoints.reclaimFailed();
				boolean finalOne = now == Lifecycle.CLOSING && ingress.isEmpty();
				if (checkpoints.takeRequest() || finalOne) {
					if (finalOne) {
						advance(Lifecycle.CLOSING, Lifecycle.FINAL_CHECKPOINT);
						committing = false;
					}
					checkpoints.start(committed.lastPosition(), finalOne, this);
				}
			}
			// backpressure on the pinned set: while a save runs and the folds changed since its snapshot already
			// fill the cache, nothing more is folded until it ends (its end runs this loop again). Read with the gate
			// free: the projector changes only under the gate
			boolean held = gate == Gate.IDLE && checkpoints.saving() && projector.pinnedOverLimit();
			if (gate == Gate.IDLE && committing && !held && (!observed.isEmpty() || !retryObserved.isEmpty())
					&& !(writesFirst && !ingress.isEmpty())) {
				foldObserved();
			}
			if (gate == Gate.IDLE && !checkpoints.saving() && !exclusives.isEmpty()) {
				Exclusive x = exclusives.poll();
				if (!committing(lifecycle.get())) {
					x.fail.accept(new EngineClosedException());
				}
				else {
					// holds the gate like a commit: no batch and no checkpoint start until it ends
					gate = Gate.EXCLUSIVE;
					x.start.run();
				}
			}
			if (gate == Gate.IDLE && !(held && committing(lifecycle.get()))) {
				List<Submission> batch = ingress.poll(maxBatch);
				if (!committing(lifecycle.get())) {
					for (Submission p : batch) {
						p.fail(new EngineClosedException());
					}
				}
				else if (!batch.isEmpty()) {
					gate = Gate.COMMITTING;
					writesFirst = false;
					ingress.promoteWaiters();
					try {
						groupCommit.commit(batch);
					}
					catch (RuntimeException e) {
						// a bug or a store that throws instead of signalling: fail the batch, keep the engine alive
						groupCommit.failed(batch, batch.size(), e);
					}
				}
			}
			missed = wip.addAndGet(-missed);
			if (missed == 0) {
				return;
			}
		}
	}

	/**
	 * Folds what the store reported other processes committed, holding the gate while the entities those events
	 * touch are looked up (synchronously when the cache holds them all). A failed lookup keeps the batches for the
	 * next try, a little later, in their order; on a shared store after the next group commit (which answers its
	 * writers, with the store's error should it still fail).
	 */
	private void foldObserved() {
		List<List<Event>> batches = new ArrayList<>(retryObserved);
		retryObserved.clear();
		List<Event> batch;
		while ((batch = observed.poll()) != null) {
			batches.add(batch);
		}
		List<Event> all = new ArrayList<>();
		for (List<Event> b : batches) {
			all.addAll(b);
		}
		gate = Gate.COMMITTING;
		committed.prepare(all).subscribe(null, error -> {
			metrics.storeFeedFailed();
			retryObserved.addAll(0, batches);
			writesFirst = committed.shared();
			// the store failed: the gate is given back a little later, so the loop does not spin on it
			timer.schedule(this::release, 100, TimeUnit.MILLISECONDS);
		}, () -> {
			try {
				for (List<Event> b : batches) {
					committed.observed(b);
				}
			}
			finally {
				release();
			}
		});
	}

	private static boolean committing(Lifecycle l) {
		return l == Lifecycle.OPEN || l == Lifecycle.CLOSING;
	}

	@Override
	public void checkpointed(Throwable error, List<MonoSink<Void>> waiting, boolean finalOne) {
		Checkpoints.answer(waiting, error);
		if (!finalOne) {
			checkpoints.saved();
			drain();
			return;
		}
		advance(Lifecycle.FINAL_CHECKPOINT, Lifecycle.CLOSED);
		background.dispose();
		liveTail.close();
		fanout.complete();
		// checkpoint() calls that arrived meanwhile: nothing more will be saved
		checkpoints.answerLate();
		checkpoints.saved();
		// after every write's answer: those were scheduled on the completion thread before this
		MonoSink<Void> sink = closeSink;
		completions.schedule(() -> {
			if (error == null) {
				sink.success();
			}
			else {
				sink.error(error);
			}
			if (ownsCompletions) {
				// graceful: this task runs on that very thread, which must not be interrupted
				completions.disposeGracefully().subscribe();
			}
		});
		// a write that raced the close into the queue gets its answer
		drain();
	}

	/** Work waiting for the gate to itself (erase, fill); {@code fail} answers it when it cannot run. */
	private record Exclusive(Runnable start, Consumer<Throwable> fail) {
	}
}
