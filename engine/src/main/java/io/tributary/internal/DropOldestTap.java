package io.tributary.internal;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * A monitoring tap: a ring of at most {@code capacity} items that drops its oldest when full (counting
 * each drop) and delivers on a worker of its own, only as the subscriber requests. The source's thread
 * only ever offers into the ring, so a subscriber that is slow to request, or slow inside
 * {@code onNext}, never holds it up. Internal: not part of the API.
 */
final class DropOldestTap {

	private DropOldestTap() {
	}

	static <T> Flux<T> of(Flux<T> source, int capacity, Runnable onDrop, Scheduler scheduler) {
		return Flux.create(sink -> {
			ArrayDeque<T> ring = new ArrayDeque<>(Math.min(capacity, 1024));
			AtomicInteger wip = new AtomicInteger();
			Scheduler.Worker worker = scheduler.createWorker();
			Throwable[] terminal = new Throwable[1];
			boolean[] done = new boolean[1];
			Runnable drainLoop = new Runnable() {
				@Override
				public void run() {
					int missed = 1;
					for (;;) {
						while (sink.requestedFromDownstream() > 0 && !sink.isCancelled()) {
							T item;
							synchronized (ring) {
								item = ring.poll();
							}
							if (item == null) {
								break;
							}
							sink.next(item);
						}
						boolean empty;
						boolean finished;
						synchronized (ring) {
							empty = ring.isEmpty();
							finished = done[0];
						}
						if (empty && finished) {
							if (terminal[0] != null) {
								sink.error(terminal[0]);
							}
							else {
								sink.complete();
							}
							return;
						}
						missed = wip.addAndGet(-missed);
						if (missed == 0) {
							return;
						}
					}
				}
			};
			Runnable schedule = () -> {
				if (wip.getAndIncrement() == 0) {
					worker.schedule(drainLoop);
				}
			};
			Disposable upstream = source.subscribe(item -> {
				synchronized (ring) {
					if (ring.size() >= capacity) {
						ring.poll();
						onDrop.run();
					}
					ring.offer(item);
				}
				schedule.run();
			}, error -> {
				synchronized (ring) {
					terminal[0] = error;
					done[0] = true;
				}
				schedule.run();
			}, () -> {
				synchronized (ring) {
					done[0] = true;
				}
				schedule.run();
			});
			sink.onRequest(n -> schedule.run());
			sink.onDispose(() -> {
				upstream.dispose();
				worker.dispose();
			});
		}, FluxSink.OverflowStrategy.ERROR);
	}
}
