package io.tributary.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.tributary.OverloadedException;
import reactor.core.scheduler.Scheduler;

/**
 * The bounded ingress in front of the committer: a lock-free queue of at most {@code capacity} submissions, and
 * behind it the writers waiting for room, each until its overload timeout (on the timer scheduler) fails it with
 * {@link OverloadedException}. Any thread may offer; only the committer polls, promotes and fails waiters.
 */
final class Ingress {

	private final ConcurrentLinkedQueue<Submission> queue = new ConcurrentLinkedQueue<>();
	private final AtomicInteger queued = new AtomicInteger();
	private final ConcurrentLinkedQueue<Submission> waiters = new ConcurrentLinkedQueue<>();
	private final AtomicInteger waiting = new AtomicInteger();
	private final int capacity;
	private final Duration overloadTimeout;
	private final Scheduler timer;
	private final Fanout fanout;

	Ingress(int capacity, Duration overloadTimeout, Scheduler timer, Fanout fanout, EngineMetrics metrics) {
		this.capacity = capacity;
		this.overloadTimeout = overloadTimeout;
		this.timer = timer;
		this.fanout = fanout;
		metrics.ingress(queued, waiting);
	}

	/** Queues a submission, or parks it as a waiter when the ingress is full (or others already wait). */
	void offer(Submission p) {
		boolean admitted = false;
		if (waiters.isEmpty()) {
			if (queued.incrementAndGet() <= capacity) {
				admitted = true;
			}
			else {
				queued.decrementAndGet();
			}
		}
		if (admitted) {
			p.state.set(Submission.QUEUED);
			queue.offer(p);
			return;
		}
		// arm the timeout and the cancel hook before the waiter is visible to the committer
		p.timeout = timer.schedule(() -> expire(p), overloadTimeout.toNanos(), TimeUnit.NANOSECONDS);
		p.onCancel(() -> {
			if (p.state.compareAndSet(Submission.WAITING, Submission.DONE)) {
				waiting.decrementAndGet();
				waiters.remove(p);
				p.timeout.dispose();
			}
		});
		waiting.incrementAndGet();
		waiters.offer(p);
	}

	private void expire(Submission p) {
		if (p.state.compareAndSet(Submission.WAITING, Submission.DONE)) {
			waiting.decrementAndGet();
			waiters.remove(p);
			OverloadedException e = new OverloadedException(capacity, overloadTimeout);
			if (p instanceof Submission.LocalWrite w) {
				fanout.rejected(w.request, e, "overload");
			}
			p.fail(e);
		}
	}

	/** Moves waiters into the queue while there is room. Committer only. */
	void promoteWaiters() {
		Submission w;
		while (queued.get() < capacity && (w = waiters.peek()) != null) {
			waiters.poll();
			if (w.state.compareAndSet(Submission.WAITING, Submission.QUEUED)) {
				waiting.decrementAndGet();
				w.timeout.dispose();
				queued.incrementAndGet();
				queue.offer(w);
			}
		}
	}

	/** Fails every waiter (the engine is closing). Committer only. */
	void failWaiters(Throwable error) {
		Submission w;
		while ((w = waiters.poll()) != null) {
			if (w.state.compareAndSet(Submission.WAITING, Submission.DONE)) {
				waiting.decrementAndGet();
				w.timeout.dispose();
				w.fail(error);
			}
		}
	}

	/** Takes queued submissions up to {@code maxEvents} events (at least one submission when any). Committer only. */
	List<Submission> poll(int maxEvents) {
		List<Submission> batch = new ArrayList<>();
		int events = 0;
		Submission p;
		while (events < maxEvents && (p = queue.poll()) != null) {
			queued.decrementAndGet();
			batch.add(p);
			events += p.events();
		}
		return batch;
	}

	boolean isEmpty() {
		return queue.isEmpty();
	}
}
