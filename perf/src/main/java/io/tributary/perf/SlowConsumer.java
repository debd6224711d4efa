package io.tributary.perf;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import org.reactivestreams.Subscription;

import io.tributary.Event;
import io.tributary.SyncEngine;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * A consumer of an engine's {@link SyncEngine#events(long)} that takes one event per tick of its own rate,
 * requesting nothing in between: the engine must serve it without buffering what it has not asked for. It
 * checks that it sees a gapless, duplicate-free run of positions and keeps the ids it saw, to be compared
 * with what the writers were acknowledged once the run ends (an event may reach it before its writer hears
 * back). Thread-safe for its readers once {@link #stop()} returned.
 */
final class SlowConsumer {

	private final long first;
	private final Disposable ticker;
	private final Subscriber subscriber = new Subscriber();
	private final AtomicReference<Throwable> error = new AtomicReference<>();
	// written on the delivery thread only, read after stop()
	private long last;
	private long gaps;
	private long duplicates;
	private long[] ids = new long[2 * 1024];
	private volatile long consumed;

	/**
	 * Subscribes and starts pulling.
	 *
	 * @param engine whose events
	 * @param afterPosition the stream's exclusive cursor
	 * @param rate events per second it asks for
	 * @param ticks the thread of its pulls
	 */
	SlowConsumer(SyncEngine engine, long afterPosition, double rate, Scheduler ticks) {
		if (!(rate > 0)) {
			throw new IllegalArgumentException("rate must be positive: " + rate);
		}
		this.first = afterPosition + 1;
		this.last = afterPosition;
		engine.events(afterPosition).subscribe(subscriber);
		this.ticker = Flux.interval(Duration.ofNanos((long) (1e9 / rate)), ticks).subscribe(t -> subscriber.request(1));
	}

	private final class Subscriber extends BaseSubscriber<Event> {
		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			// nothing until the first tick
		}

		@Override
		protected void hookOnNext(Event e) {
			synchronized (SlowConsumer.this) {
				take(e);
			}
		}

		// runs under the lock: one writer; consumed is volatile only so that consumed() reads it without the lock
		@SuppressWarnings("NonAtomicVolatileUpdate")
		private void take(Event e) {
			long position = e.position();
			if (position <= last) {
				duplicates++;
				return;
			}
			if (position != last + 1) {
				gaps += position - last - 1;
			}
			int i = (int) (position - first);
			if (2 * i + 1 >= ids.length) {
				ids = Arrays.copyOf(ids, Math.max(ids.length * 2, 2 * i + 2));
			}
			ids[2 * i] = e.id().getMostSignificantBits();
			ids[2 * i + 1] = e.id().getLeastSignificantBits();
			last = position;
			consumed++;
		}

		@Override
		protected void hookOnError(Throwable throwable) {
			error.compareAndSet(null, throwable);
		}
	}

	/** Events taken so far. */
	long consumed() {
		return consumed;
	}

	/** Stops pulling and cancels the stream. */
	void stop() {
		ticker.dispose();
		subscriber.dispose();
	}

	/**
	 * What the consumer saw, checked against the acknowledged events. Call after {@link #stop()}.
	 *
	 * @param ledger the acknowledged events, by position
	 * @return the check
	 */
	synchronized Check check(EventLedger ledger) {
		long mismatched = 0;
		for (long p = first; p <= last; p++) {
			int i = (int) (p - first);
			int index = (int) (p - 1);
			if (index >= ledger.capacity() || ids[2 * i] != ledger.id(index).getMostSignificantBits()
					|| ids[2 * i + 1] != ledger.id(index).getLeastSignificantBits()) {
				mismatched++;
			}
		}
		Throwable e = error.get();
		return new Check(consumed, last, gaps, duplicates, mismatched, e == null ? null : e.toString());
	}

	/**
	 * What the consumer saw.
	 *
	 * @param consumed events taken
	 * @param lastPosition the position of the last one
	 * @param gaps positions skipped
	 * @param duplicates events seen again
	 * @param mismatched events that differ from the one acknowledged at their position
	 * @param error why the stream failed, {@code null} when it did not
	 */
	record Check(long consumed, long lastPosition, long gaps, long duplicates, long mismatched, String error) {

		/** Events the consumer lost or got wrong. */
		long lost() {
			return gaps + duplicates + mismatched;
		}
	}
}
