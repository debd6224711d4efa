package io.tributary.perf;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.Event;
import io.tributary.SyncEngine;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Submits workload writes to an engine on schedule: event {@code i} is due at {@code t0 + i / rate}. Each
 * millisecond, on the pacer thread, it submits every event whose time has come, so a late tick catches up
 * rather than lowering the rate. Its counters are written on the pacer thread and by the engine's
 * acknowledgements; read them after a {@link #submitUntil(long)} completed.
 */
final class PacedWriter {

	private static final Duration TICK = Duration.ofMillis(1);

	/** Told of each acknowledged write, on the engine's acknowledging thread. */
	interface Acknowledged {

		/**
		 * A write was acknowledged.
		 *
		 * @param e the stored event
		 * @param index the event's index in the workload
		 * @param submitted {@link System#nanoTime()} just before the write was submitted
		 * @param intended when the schedule wanted it submitted, same clock
		 * @param measured whether it belongs to the measured span (not the warmup)
		 */
		void acknowledged(Event e, long index, long submitted, long intended, boolean measured);
	}

	private final SyncEngine engine;
	private final Workload workload;
	private final long firstMeasured;
	private final Scheduler pacer;
	private final Acknowledged listener;
	private final double nanosPerEvent;
	private final long t0;
	private final LongAdder acked = new LongAdder();
	private final LongAdder measuredAcked = new LongAdder();
	private final LongAdder writeErrors = new LongAdder();
	private final Histogram ackLatency = new ConcurrentHistogram(3);
	private final AtomicLong lastMeasuredAck = new AtomicLong();
	// the pacer thread's own
	private long next;
	private long lastMeasuredSubmit;
	private long maxLagNanos;

	/**
	 * A writer whose schedule starts now.
	 *
	 * @param engine where to write
	 * @param workload what to write
	 * @param rate writes per second
	 * @param firstMeasured index of the first measured event (those before are the warmup)
	 * @param pacer the thread that submits
	 * @param listener told of each acknowledged write
	 */
	PacedWriter(SyncEngine engine, Workload workload, long rate, long firstMeasured, Scheduler pacer,
			Acknowledged listener) {
		if (rate < 1) {
			throw new IllegalArgumentException("rate must be at least 1: " + rate);
		}
		this.engine = engine;
		this.workload = workload;
		this.firstMeasured = firstMeasured;
		this.pacer = pacer;
		this.listener = listener;
		this.nanosPerEvent = 1e9 / rate;
		this.t0 = System.nanoTime();
	}

	/** Submits events up to (excluding) {@code end} as they fall due; completes after the last submit. */
	Mono<Void> submitUntil(long end) {
		return Mono.create(sink -> {
			Disposable ticks = Flux.interval(Duration.ZERO, TICK, pacer).subscribe(t -> {
				long due = Math.min(end, Math.max(0, (long) ((System.nanoTime() - t0) / nanosPerEvent) + 1));
				while (next < due) {
					submit(next++);
				}
				if (next >= end) {
					sink.success();
				}
			}, sink::error);
			sink.onDispose(ticks);
		});
	}

	private void submit(long i) {
		boolean measured = i >= firstMeasured;
		int entity = workload.entityOf(i);
		int payload = workload.payloadOf(i);
		long intended = t0 + (long) (i * nanosPerEvent);
		long submitted = System.nanoTime();
		if (measured) {
			lastMeasuredSubmit = submitted;
			maxLagNanos = Math.max(maxLagNanos, submitted - intended);
		}
		engine.put(Workload.TYPE, workload.entityId(entity), workload.payload(payload)).subscribe(e -> {
			if (measured) {
				long now = System.nanoTime();
				ackLatency.recordValue(Math.max(0, (now - submitted) / 1000));
				lastMeasuredAck.accumulateAndGet(now, Math::max);
			}
			listener.acknowledged(e, i, submitted, intended, measured);
			if (measured) {
				measuredAcked.increment();
			}
			acked.increment();
		}, error -> writeErrors.increment());
	}

	/** Writes acknowledged, warmup included. */
	long acked() {
		return acked.sum();
	}

	/** Measured writes acknowledged. */
	long measuredAcked() {
		return measuredAcked.sum();
	}

	/** Writes the engine refused or failed. */
	long writeErrors() {
		return writeErrors.sum();
	}

	/** Measured writes' latency, submission to acknowledgement, in microseconds. */
	Histogram ackLatency() {
		return ackLatency;
	}

	/** The latest a measured write was submitted behind its schedule. */
	long maxLagNanos() {
		return maxLagNanos;
	}

	/**
	 * Measured submissions over the time from when the first was due to when the last was submitted (plus
	 * one event's interval): the requested rate when the writer kept its schedule, lower when it fell behind.
	 */
	double achievedRate() {
		long n = next - firstMeasured;
		long span = lastMeasuredSubmit - (t0 + (long) (firstMeasured * nanosPerEvent)) + (long) nanosPerEvent;
		return n < 1 || span <= 0 ? 0 : n / (span / 1e9);
	}

	/**
	 * Measured acknowledgements over the time from when the first measured write was due to the last
	 * measured acknowledgement: the rate the engine kept up with.
	 */
	double acknowledgedRate() {
		long span = lastMeasuredAck.get() - (t0 + (long) (firstMeasured * nanosPerEvent));
		return span <= 0 ? 0 : Figures.rate(measuredAcked(), span);
	}
}
