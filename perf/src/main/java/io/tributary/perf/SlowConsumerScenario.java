package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.storage.h2.Durability;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code slow-consumer} scenario: a writer at a steady rate while a consumer of the engine's
 * {@code events()} stream takes a small fraction of that rate, against the same writer alone.
 * <p>
 * One node on a fresh H2 file store. A paced writer ({@link PacedWriter}) writes at the producer rate
 * throughout: first a warmup, then the baseline span with no consumer, then the measured span, during which
 * a {@link SlowConsumer} follows {@code events()} from the node's last position at the consumer rate. The
 * consumer soon falls behind the engine's live buffer and is served from the store at its own pace: the
 * writer should not notice, and the heap should not grow with what the consumer has not taken. The heap is
 * measured after a full collection at the end of the baseline and again at the end of the measured span,
 * the consumer still subscribed; the harness's own ledger is allocated beforehand. Then every acknowledged
 * event is checked in the store, and the consumer's events against what was acknowledged at their
 * positions. Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class SlowConsumerScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "slow-consumer";

	/** The bound on heap growth, in MiB. */
	static final double HEAP_GROWTH_TARGET_MB = 32;
	/** The bound on the writer's speed with the slow consumer against without. */
	static final double WRITER_RATIO_TARGET = 0.9;

	/**
	 * The scenario's settings.
	 *
	 * @param producerRate writes per second
	 * @param consumerRate events per second the consumer takes
	 * @param duration the measured span, with the consumer
	 * @param baseline the span before it, without the consumer
	 * @param warmup written first, unmeasured
	 * @param grace how long to wait for the last acknowledgements
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param durability the store's durability
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory afterwards
	 */
	record Options(long producerRate, double consumerRate, Duration duration, Duration baseline, Duration warmup,
			Duration grace, int payloadBytes, int entities, Durability durability, long seed, Path dataParent,
			boolean keepData) {

		Options {
			Objects.requireNonNull(duration, "duration");
			Objects.requireNonNull(baseline, "baseline");
			Objects.requireNonNull(warmup, "warmup");
			Objects.requireNonNull(grace, "grace");
			Objects.requireNonNull(durability, "durability");
			if (producerRate < 1 || !(consumerRate > 0) || payloadBytes < 1 || entities < 1) {
				throw new IllegalArgumentException("rates, payload bytes and entities must be positive");
			}
			if (duration.isZero() || duration.isNegative() || baseline.isZero() || baseline.isNegative()) {
				throw new IllegalArgumentException("duration and baseline must be positive");
			}
			if (events(warmup) + events(baseline) + events(duration) > Integer.MAX_VALUE - 8) {
				throw new IllegalArgumentException("too many events for one run: lower the rate or the spans");
			}
		}

		long events(Duration span) {
			return Math.round(producerRate * (span.toNanos() / 1e9));
		}
	}

	private final Options options;
	private final PrintWriter err;

	SlowConsumerScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed
	 */
	SlowConsumerResult run() throws IOException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		Scheduler pacer = Schedulers.newSingle("tributary-perf-pacer", true);
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				Nodes nodes = new Nodes()) {
			return run(workload, nodes.open(data.resolve("a"), options.durability(), "a"), pacer);
		}
		finally {
			pacer.dispose();
		}
	}

	/** Per-phase figures the writer's acknowledgements fill in: index 0 the baseline, 1 the measured span. */
	private static final class Phases {
		final long[] first = new long[3];
		final Histogram[] ackLatency = { new ConcurrentHistogram(3), new ConcurrentHistogram(3) };
		final LongAdder[] acked = { new LongAdder(), new LongAdder() };
		final AtomicLongArray lastAck = new AtomicLongArray(2);

		int of(long index) {
			return index < first[0] ? -1 : index < first[1] ? 0 : index < first[2] ? 1 : -1;
		}
	}

	private SlowConsumerResult run(Workload workload, Node a, Scheduler pacer) {
		double loadStart = JvmStats.loadAverage();
		long warmupEvents = options.events(options.warmup());
		long baselineEvents = Math.max(1, options.events(options.baseline()));
		long measuredEvents = Math.max(1, options.events(options.duration()));
		long total = warmupEvents + baselineEvents + measuredEvents;
		EventLedger ledger = new EventLedger(a.engine().origin(), (int) total);
		Phases phases = new Phases();
		phases.first[0] = warmupEvents;
		phases.first[1] = warmupEvents + baselineEvents;
		phases.first[2] = total;
		PacedWriter writer = new PacedWriter(a.engine(), workload, options.producerRate(), warmupEvents, pacer,
				(e, i, submitted, intended, measured) -> {
					ledger.record(e, workload.entityOf(i), workload.payloadOf(i));
					int phase = phases.of(i);
					if (phase >= 0) {
						long now = System.nanoTime();
						phases.ackLatency[phase].recordValue(Math.max(0, (now - submitted) / 1000));
						phases.acked[phase].increment();
						phases.lastAck.accumulateAndGet(phase, now, Math::max);
					}
				});

		Progress warmup = Progress.start("writer warmup", warmupEvents, writer::acked, err);
		try {
			writer.submitUntil(warmupEvents).block();
		}
		finally {
			warmup.stop();
		}

		List<Node> all = List.of(a);
		Recorder alone = Recorder.start("writer alone", baselineEvents, phases.acked[0]::sum, err, all);
		try {
			writer.submitUntil(phases.first[1]).block();
		}
		finally {
			alone.end();
		}
		long baselineErrors = writer.writeErrors();

		// the pacer keeps its schedule through the collection: the measured span starts by catching up on it
		System.gc();
		long heapBefore = JvmStats.heapUsed();
		SlowConsumer consumer = new SlowConsumer(a.engine(), a.engine().lastPosition(), options.consumerRate(),
				JvmStats.MONITOR);
		Recorder withConsumer = Recorder.start(NAME, measuredEvents, phases.acked[1]::sum, err, all);
		long heapAfter;
		SlowConsumer.Check seen;
		try {
			try {
				writer.submitUntil(total).block();
				awaitAcknowledged(writer, total);
			}
			finally {
				withConsumer.end();
			}
			System.gc();
			heapAfter = JvmStats.heapUsed();
		}
		finally {
			consumer.stop();
		}
		seen = consumer.check(ledger);
		// every write was answered by now: the latency histograms are complete
		Measures baselineMeasures = alone.measures(phases.ackLatency[0], baselineErrors);
		Measures measures = withConsumer.measures(phases.ackLatency[1], writer.writeErrors() - baselineErrors);
		long lag = a.engine().lastPosition() - seen.lastPosition();

		long acknowledged = ledger.acknowledged();
		long verified = ledger.verifiedOn(a, workload);
		long lost = (acknowledged - verified) + seen.lost();
		double baselineRate = phaseRate(phases, writer, 0, baselineEvents);
		double rate = phaseRate(phases, writer, 1, measuredEvents);
		double ratio = baselineRate == 0 ? 0 : Figures.round(rate / baselineRate);
		double growthMb = Figures.megabytes(heapAfter - heapBefore);
		Latency ack = measures.latencyMillis();
		Latency baselineAck = baselineMeasures.latencyMillis();
		double consumerRate = Figures.rate(seen.consumed(), (long) (measures.seconds() * 1e9));
		boolean withinTargets = growthMb < HEAP_GROWTH_TARGET_MB && lost == 0 && ratio >= WRITER_RATIO_TARGET;
		err.printf("[%s] writer %,.0f ev/s with the consumer, %,.0f ev/s alone (ratio %.3f); consumer took %,d events "
				+ "(%,d behind); heap growth %.1f MB; %,d lost%n", NAME, rate, baselineRate, ratio, seen.consumed(), lag,
				growthMb, lost);
		return new SlowConsumerResult(NAME, options.producerRate(), Figures.round(options.consumerRate()),
				Figures.seconds(options.warmup().toNanos()), Figures.seconds(options.baseline().toNanos()),
				Figures.seconds(options.duration().toNanos()), options.payloadBytes(), options.entities(),
				options.durability().name(), options.seed(), growthMb, lost, ratio, withinTargets, rate,
				baselineRate, ack.p99(), baselineAck.p99(), phases.acked[1].sum(), phases.acked[0].sum(), acknowledged,
				verified, writer.writeErrors(), Figures.round(writer.maxLagNanos() / 1e6), seen.consumed(), consumerRate,
				lag, seen.gaps(), seen.duplicates(), seen.mismatched(), seen.error(), Figures.megabytes(heapBefore),
				Figures.megabytes(heapAfter), measures, baselineMeasures, Environment.now(loadStart));
	}

	/** A phase's acknowledged events over the time from when its first write was due to its last acknowledgement. */
	private static double phaseRate(Phases phases, PacedWriter writer, int phase, long events) {
		long span = phases.lastAck.get(phase) - writer.dueNanos(phases.first[phase]);
		return span <= 0 ? 0 : Figures.rate(Math.min(events, phases.acked[phase].sum()), span);
	}

	private void awaitAcknowledged(PacedWriter writer, long total) {
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> writer.acked() + writer.writeErrors() >= total)
				.next()
				.timeout(options.grace(), Mono.just(-1L))
				.block();
	}
}
