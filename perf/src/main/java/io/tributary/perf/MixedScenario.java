package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code mixed} scenario: everything at once on one node. Node A holds a history; a live peer B follows
 * it; during the measured span a paced writer writes to A, an empty peer C dials A and catches up on the
 * history while the writes go on, and a slow consumer reads A's {@code events()} from the start at a
 * hundredth of the write rate. Reports B's end-to-end latency, C's catch-up time, the consumer's progress
 * and what each of them lost. Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class MixedScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "mixed";

	/**
	 * The scenario's settings.
	 *
	 * @param rate writes per second on A
	 * @param consumerRate events per second the slow consumer takes
	 * @param history events A holds before the warmup
	 * @param duration the measured span
	 * @param warmup written first at the same rate, not measured
	 * @param grace how long to wait for the last deliveries after the measured span
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param batchEvents most events per EVENTS frame
	 * @param durability durability of every store
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory afterwards
	 */
	record Options(long rate, double consumerRate, long history, Duration duration, Duration warmup, Duration grace,
			int payloadBytes, int entities, int batchEvents, Durability durability, long seed, Path dataParent,
			boolean keepData) {

		Options {
			Objects.requireNonNull(duration, "duration");
			Objects.requireNonNull(warmup, "warmup");
			Objects.requireNonNull(grace, "grace");
			Objects.requireNonNull(durability, "durability");
			if (rate < 1 || !(consumerRate > 0) || history < 0 || payloadBytes < 1 || entities < 1 || batchEvents < 1) {
				throw new IllegalArgumentException("rates, payload bytes, entities and batch events must be positive, "
						+ "history at least 0");
			}
			if (duration.isZero() || duration.isNegative()) {
				throw new IllegalArgumentException("duration must be positive: " + duration);
			}
		}

		long events(Duration span) {
			return Math.round(rate * (span.toNanos() / 1e9));
		}
	}

	private final Options options;
	private final PrintWriter err;

	MixedScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed
	 */
	MixedResult run() throws IOException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		Scheduler pacer = Schedulers.newSingle("tributary-perf-pacer", true);
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				Nodes nodes = new Nodes()) {
			return run(workload, data, nodes, pacer);
		}
		finally {
			pacer.dispose();
		}
	}

	private MixedResult run(Workload workload, DataDirectory data, Nodes nodes, Scheduler pacer) {
		double loadStart = JvmStats.loadAverage();
		long warmupEvents = options.events(options.warmup());
		long measuredEvents = Math.max(1, options.events(options.duration()));
		long paced = warmupEvents + measuredEvents;
		int history = (int) options.history();
		Node a = nodes.open(data.resolve("a"), options.durability(), "a");
		Node b = nodes.open(data.resolve("b"), options.durability(), "b");
		Node c = nodes.open(data.resolve("c"), options.durability(), "c");
		EventLedger ledger = new EventLedger(a.engine().origin(), Math.toIntExact(history + paced));
		new Writers(256, false, err).write(a.engine(), workload, ledger, 0, history, null, "history on A");

		List<Disposable> watches = new ArrayList<>();
		SlowConsumer consumer = null;
		try (PeerLinks links = PeerLinks.serve(a, options.batchEvents())) {
			links.awaitConnected(List.of(links.live(b)));
			Histogram latency = new ConcurrentHistogram(3);
			LatencyMatcher matcher = new LatencyMatcher(latency, new ConcurrentHistogram(3));
			AtomicReference<Throwable> streamError = new AtomicReference<>();
			watches.add(matcher.watch(b, streamError));
			PacedWriter.Acknowledged start = LatencyMatcher.starter(List.of(matcher));
			PacedWriter writer = new PacedWriter(a.engine(), workload, options.rate(), warmupEvents, pacer,
					(e, i, submitted, intended, measured) -> {
						ledger.record(e, workload.entityOf(i), workload.payloadOf(i));
						start.acknowledged(e, i, submitted, intended, measured);
					});
			Progress warmup = Progress.start("mixed warmup", warmupEvents, matcher::matched, err);
			try {
				writer.submitUntil(warmupEvents).block();
			}
			finally {
				warmup.stop();
			}

			// the measured span: C dials, the consumer subscribes, the writes go on
			VersionVector before = a.engine().vector();
			long spanStart = System.nanoTime();
			AtomicLong caughtUpAt = new AtomicLong();
			// the recorder takes its starting counts before C dials: a short catch-up may be over within moments
			Recorder recorder = Recorder.start(NAME, measuredEvents, writer::measuredAcked, err, List.of(a, b, c));
			links.live(c);
			watches.add(Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
					.filter(t -> c.engine().vector().covers(before))
					.next()
					.subscribe(t -> caughtUpAt.compareAndSet(0, System.nanoTime())));
			consumer = new SlowConsumer(a.engine(), 0, options.consumerRate(), JvmStats.MONITOR);
			try {
				writer.submitUntil(paced).block();
			}
			finally {
				recorder.end();
			}
			LatencyMatcher.awaitAll(List.of(matcher), writer, paced, options.grace(), NAME, err);
			Measures measures = recorder.measures(latency, writer.writeErrors() + (streamError.get() == null ? 0 : 1));
			VersionVector end = a.engine().vector();
			Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
					.filter(t -> c.engine().vector().covers(end))
					.next()
					.timeout(options.grace(), Mono.just(-1L))
					.block();
			consumer.stop();
			SlowConsumer.Check seen = consumer.check(ledger);
			long liveLost = writer.measuredAcked() - matcher.measuredMatched();
			long acknowledged = ledger.acknowledged();
			long storeLost = acknowledged - ledger.verifiedOn(a, workload);
			long peerLost = (acknowledged - ledger.verifiedOn(b, workload)) + (acknowledged - ledger.verifiedOn(c, workload));
			long lost = liveLost + storeLost + peerLost + seen.lost();
			double catchUpSeconds = caughtUpAt.get() == 0 ? -1 : Figures.seconds(caughtUpAt.get() - spanStart);
			Latency l = measures.latencyMillis();
			Throwable error = streamError.get();
			err.printf("[%s] live p99 %.3f ms; C caught up on %,d events in %.3f s; consumer took %,d; %,d lost%n", NAME,
					l.p99(), before.total(), catchUpSeconds, seen.consumed(), lost);
			return new MixedResult(NAME,
					new MixedResult.Run(options.rate(), Figures.round(options.consumerRate()), history,
							Figures.seconds(options.warmup().toNanos()), Figures.seconds(options.duration().toNanos()),
							options.payloadBytes(), options.entities(), options.batchEvents(), options.durability().name(),
							options.seed()),
					new MixedResult.Writes(writer.measuredAcked(), Figures.round(writer.achievedRate()), lost, liveLost,
							storeLost, peerLost, seen.lost(), writer.writeErrors(), error == null ? null : error.toString()),
					new MixedResult.Live(l.p50(), l.p99(), l.max()),
					new MixedResult.Peers(before.total(), catchUpSeconds, c.engine().vector().covers(end),
							b.engine().vector().covers(end)),
					new MixedResult.Consumer(seen.consumed(), a.engine().lastPosition() - seen.lastPosition(),
							seen.error()),
					measures, Environment.now(loadStart, options));
		}
		finally {
			if (consumer != null) {
				consumer.stop();
			}
			watches.forEach(Disposable::dispose);
		}
	}
}
