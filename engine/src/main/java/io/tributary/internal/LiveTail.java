package io.tributary.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.tributary.Event;
import io.tributary.spi.EventStore;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The catch-up to live tail behind {@code events(...)} and {@code eventBatches(...)}: store pages from a cursor,
 * then the committed batches, with no gap and no duplicate at the switch. Each subscription registers a bounded
 * tap before it reads the first page ({@code Flux.using}: the tap goes on complete, error and cancel alike); a
 * subscriber that falls more than {@code liveBuffer} events behind is served from the store again, from just
 * after the last batch it got. Committed batches come from {@link CommittedEvents} only.
 */
final class LiveTail {

	/** Events read from the store at once. */
	static final int PAGE = 1024;

	private final EventStore store;
	private final int liveBuffer;
	private final Scheduler delivery;
	private final EngineMetrics metrics;
	private final CopyOnWriteArrayList<Tap> taps = new CopyOnWriteArrayList<>();
	private boolean closed;

	LiveTail(EventStore store, int liveBuffer, Scheduler delivery, EngineMetrics metrics) {
		this.store = store;
		this.liveBuffer = liveBuffer;
		this.delivery = delivery;
		this.metrics = metrics;
	}

	/**
	 * Committed events after a position, in batches: store pages, then one batch per commit. Cold; never completes
	 * while the engine is open; completes when it closes.
	 */
	Flux<List<Event>> batches(long afterPosition) {
		return Flux.defer(() -> {
			AtomicLong last = new AtomicLong(afterPosition);
			return Flux.defer(() -> segment(last))
					.retryWhen(Retry.indefinitely().filter(LiveOverflow.class::isInstance));
		});
	}

	/** Catch-up from the store, then the live tail; errors with LiveOverflow when the subscriber falls behind. */
	private Flux<List<Event>> segment(AtomicLong last) {
		return Flux.using(this::tap, tap -> {
			// concat subscribes to the tap only after the last page went downstream: batches after that are live
			AtomicBoolean onTail = new AtomicBoolean();
			return Flux.concat(pages(store, last.get()), Flux.defer(() -> {
						onTail.set(true);
						return tap.flux();
					}))
					// handle only sees a batch when the subscriber wants one, so the cursor moves exactly when a
					// batch is delivered: a switch back to the store (LiveOverflow) then resumes right after it
					.<List<Event>>handle((batch, sink) -> {
						// the switch from pages to the live tail may overlap: keep what follows the last delivered
						long after = last.get();
						int from = 0;
						while (from < batch.size() && batch.get(from).position() <= after) {
							from++;
						}
						if (from < batch.size()) {
							List<Event> fresh = from == 0 ? batch : batch.subList(from, batch.size());
							last.set(fresh.get(fresh.size() - 1).position());
							metrics.served(onTail.get(), fresh.size());
							sink.next(fresh);
						}
					});
		}, Tap::dispose);
	}

	/** Every stored event after a position, read a page at a time on demand. */
	static Flux<List<Event>> pages(EventStore store, long after) {
		return store.read(after, PAGE).collectList()
				.expand(page -> page.size() < PAGE ? Mono.empty()
						: store.read(page.get(page.size() - 1).position(), PAGE).collectList())
				.filter(page -> !page.isEmpty());
	}

	/** Hands a committed batch to every tap. Committer only (one batch at a time, in position order). */
	void publish(List<Event> batch) {
		for (Tap tap : taps) {
			tap.offer(batch);
		}
	}

	/** Ends every tap, and every tap opened from now on: the engine closed. */
	void close() {
		synchronized (taps) {
			closed = true;
		}
		for (Tap tap : taps) {
			tap.complete();
		}
	}

	private Tap tap() {
		Tap tap = new Tap();
		synchronized (taps) {
			if (closed) {
				tap.complete();
			}
			else {
				taps.add(tap);
			}
		}
		return tap;
	}

	/** One subscription's live buffer: counts events from commit until delivery, and overflows past the limit. */
	private final class Tap implements Disposable {

		private final Sinks.Many<List<Event>> buffer = Sinks.many().unicast().onBackpressureBuffer();
		private final AtomicInteger buffered = new AtomicInteger();

		void offer(List<Event> batch) {
			check(buffered.addAndGet(batch.size()) > liveBuffer ? buffer.tryEmitError(new LiveOverflow())
					: buffer.tryEmitNext(batch));
		}

		void complete() {
			check(buffer.tryEmitComplete());
		}

		private void check(Sinks.EmitResult r) {
			// terminated (overflowed) and cancelled taps are on their way out: what they miss is read from the store
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED && r != Sinks.EmitResult.FAIL_CANCELLED) {
				metrics.failedEmission();
			}
		}

		/** Delivered off the committing thread; the count drops as batches reach the subscriber. */
		Flux<List<Event>> flux() {
			return buffer.asFlux()
					.publishOn(delivery, 1)
					.doOnNext(batch -> buffered.addAndGet(-batch.size()));
		}

		@Override
		public void dispose() {
			taps.remove(this);
		}
	}

	/** Signals, inside {@link #batches(long)}, that a subscriber fell behind the live buffer; never escapes. */
	private static final class LiveOverflow extends RuntimeException {
		private static final long serialVersionUID = 1L;

		LiveOverflow() {
			super("live buffer overflow", null, false, false);
		}
	}
}
