package io.tributary.perf;

import java.io.PrintWriter;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

import io.tributary.SyncEngine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Concurrent writers putting workload events into an engine: each writer is a chain of writes with one
 * outstanding, holding no thread. Each write is submitted from the thread that acknowledged the writer's
 * previous write (the storage's), or from Reactor's parallel scheduler when so configured. Blocking: run
 * from a {@code main} method or a test.
 */
final class Writers {

	private final int writers;
	private final boolean submitOnParallel;
	private final PrintWriter err;

	/**
	 * Writers with these settings.
	 *
	 * @param writers concurrent writers
	 * @param submitOnParallel submit each write from Reactor's parallel scheduler
	 * @param err where the progress lines go
	 */
	Writers(int writers, boolean submitOnParallel, PrintWriter err) {
		if (writers < 1) {
			throw new IllegalArgumentException("writers must be at least 1: " + writers);
		}
		this.writers = writers;
		this.submitOnParallel = submitOnParallel;
		this.err = err;
	}

	/**
	 * Writes events {@code [first, first + count)} of the workload, recording each acknowledged one in the
	 * ledger, with progress lines each second.
	 *
	 * @param engine where to write
	 * @param workload what to write
	 * @param ledger where acknowledged events are recorded
	 * @param first index of the first event
	 * @param count events to write
	 * @param latency where each write's latency (subscription to acknowledgement, in microseconds) goes;
	 *        {@code null} for none
	 * @param phase the phase's name, for the progress lines
	 * @return nanoseconds from the first submit to the last acknowledgement
	 */
	long write(SyncEngine engine, Workload workload, EventLedger ledger, long first, long count, Histogram latency,
			String phase) {
		LongAdder done = new LongAdder();
		Progress progress = Progress.start(phase, count, done::sum, err);
		try {
			return write(engine, workload, ledger, first, count, latency, done);
		}
		finally {
			progress.stop();
		}
	}

	/**
	 * Writes events {@code [first, first + count)} of the workload as {@link #write(SyncEngine, Workload,
	 * EventLedger, long, long, Histogram, String)} does, counting them for the caller's own progress lines.
	 *
	 * @param done incremented by each acknowledged write
	 * @return nanoseconds from the first submit to the last acknowledgement
	 */
	long write(SyncEngine engine, Workload workload, EventLedger ledger, long first, long count, Histogram latency,
			LongAdder done) {
		if (count == 0) {
			return 0;
		}
		long start = System.nanoTime();
		Long end = writing(engine, workload, ledger, first, count, latency, done).block();
		return Objects.requireNonNull(end, "end") - start;
	}

	/**
	 * The writes of {@link #write(SyncEngine, Workload, EventLedger, long, long, Histogram, LongAdder)} as a cold
	 * publisher, for writing to several engines at once: nothing is submitted until it is subscribed.
	 *
	 * @return {@link System#nanoTime()} when the last write was acknowledged (at subscription when there is none)
	 */
	Mono<Long> writing(SyncEngine engine, Workload workload, EventLedger ledger, long first, long count,
			Histogram latency, LongAdder done) {
		if (count == 0) {
			return Mono.fromSupplier(System::nanoTime);
		}
		int lanes = (int) Math.min(writers, count);
		return Flux.range(0, lanes)
				.flatMap(lane -> Flux.range(0, (int) (count / lanes + (lane < count % lanes ? 1 : 0)))
						.concatMap(k -> write(engine, workload, ledger, first + lane + (long) k * lanes, latency, done), 1),
						lanes, 1)
				.then(Mono.fromSupplier(System::nanoTime));
	}

	/** One write of event {@code i}; its latency runs from subscription to the engine's acknowledgement. */
	private Mono<Void> write(SyncEngine engine, Workload workload, EventLedger ledger, long i, Histogram latency,
			LongAdder done) {
		Mono<Void> write = Mono.defer(() -> {
			int entity = workload.entityOf(i);
			int payload = workload.payloadOf(i);
			long submitted = System.nanoTime();
			return engine.put(Workload.TYPE, workload.entityId(entity), workload.payload(payload))
					.doOnNext(e -> {
						if (latency != null) {
							latency.recordValue(Math.max(0, (System.nanoTime() - submitted) / 1000));
						}
						ledger.record(e, entity, payload);
						done.increment();
					})
					.then();
		});
		return submitOnParallel ? write.subscribeOn(Schedulers.parallel()) : write;
	}
}
