package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.tributary.storage.h2.Durability;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code slow-consumer} scenario: a writer at a steady rate while a consumer of the engine's
 * {@code events()} stream takes a hundredth of that rate, against the same writer without the consumer.
 * <p>
 * Two runs, each on a fresh node and H2 file store, each a warmup then the measured span at the producer
 * rate from a paced writer ({@link PacedWriter}): first the baseline with no consumer, then the measured
 * run, in which a {@link SlowConsumer} follows {@code events()} from the node's last position after the
 * warmup, one request per event at the consumer rate. Both runs see the same store growth, the same
 * checkpoints and the same collector, so their writer rates compare like for like. The consumer soon has
 * more events waiting than the engine's live buffer holds; the engine then stops buffering for it and
 * serves it from the store at its own pace once it has taken what the buffer held. In each run the heap is
 * measured after a projection checkpoint and a full collection right after the warmup and again at the end
 * of the span (the consumer still subscribed and far behind); the consumer's heap growth is the measured run's growth minus the
 * baseline's, which the projection and the store's caches grow by with the writes alone. The harness's
 * own ledger is allocated before. Then every acknowledged event
 * is checked in the store, and the consumer's events against what was acknowledged at their positions.
 * Blocking: run from a {@code main} method or a test, never on a Reactor thread.
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
	 * @param duration each run's measured span
	 * @param warmup each run's warmup, written first at the same rate
	 * @param grace how long to wait for the last acknowledgements
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param durability the stores' durability
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory afterwards
	 */
	record Options(long producerRate, double consumerRate, Duration duration, Duration warmup, Duration grace,
			int payloadBytes, int entities, Durability durability, long seed, Path dataParent, boolean keepData) {

		Options {
			Objects.requireNonNull(duration, "duration");
			Objects.requireNonNull(warmup, "warmup");
			Objects.requireNonNull(grace, "grace");
			Objects.requireNonNull(durability, "durability");
			if (producerRate < 1 || !(consumerRate > 0) || payloadBytes < 1 || entities < 1) {
				throw new IllegalArgumentException("rates, payload bytes and entities must be positive");
			}
			if (duration.isZero() || duration.isNegative()) {
				throw new IllegalArgumentException("duration must be positive: " + duration);
			}
			if (events(warmup) + events(duration) > Integer.MAX_VALUE - 8) {
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
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err)) {
			double loadStart = JvmStats.loadAverage();
			Run alone = run(workload, data.resolve("alone"), pacer, false);
			Run with = run(workload, data.resolve("consumer"), pacer, true);
			return result(alone, with, loadStart);
		}
		finally {
			pacer.dispose();
		}
	}

	/** What one run measured. */
	private record Run(double rate, Measures measures, long measuredAcked, long acknowledged, long verified,
			long writeErrors, double maxSubmitLagMillis, long heapBefore, long heapAfter, SlowConsumer.Check seen,
			long consumerLag) {

		double heapGrowthMb() {
			return Figures.megabytes(heapAfter - heapBefore);
		}

		long lost() {
			return acknowledged - verified + (seen == null ? 0 : seen.lost());
		}
	}

	private Run run(Workload workload, Path dir, Scheduler pacer, boolean consume) {
		long warmupEvents = options.events(options.warmup());
		long measuredEvents = Math.max(1, options.events(options.duration()));
		long total = warmupEvents + measuredEvents;
		try (Node a = Node.open(dir, options.durability(), "a")) {
			EventLedger ledger = new EventLedger(a.engine().origin(), (int) total);
			PacedWriter writer = new PacedWriter(a.engine(), workload, options.producerRate(), warmupEvents, pacer,
					(e, i, submitted, intended, measured) -> ledger.record(e, workload.entityOf(i), workload.payloadOf(i)));
			String phase = consume ? NAME : "writer alone";
			Progress warmup = Progress.start(phase + " warmup", warmupEvents, writer::acked, err);
			try {
				writer.submitUntil(warmupEvents).block();
			}
			finally {
				warmup.stop();
			}

			// the pacer keeps its schedule through the checkpoint and the collection: the span starts by catching up
			long heapBefore = settledHeap(a);
			SlowConsumer consumer = consume
					? new SlowConsumer(a.engine(), a.engine().lastPosition(), options.consumerRate(), JvmStats.MONITOR)
					: null;
			long heapAfter;
			Recorder recorder = Recorder.start(phase, measuredEvents, writer::measuredAcked, err, List.of(a));
			try {
				try {
					writer.submitUntil(total).block();
					awaitAcknowledged(writer, total);
				}
				finally {
					recorder.end();
				}
				heapAfter = settledHeap(a);
			}
			finally {
				if (consumer != null) {
					consumer.stop();
				}
			}
			SlowConsumer.Check seen = consumer == null ? null : consumer.check(ledger);
			long lag = seen == null ? 0 : a.engine().lastPosition() - seen.lastPosition();
			Measures measures = recorder.measures(writer.ackLatency(), writer.writeErrors());
			err.printf("[%s] %s: writer %,.0f ev/s, heap growth %.1f MB%s%n", NAME, consume ? "with the consumer" : "alone",
					writer.acknowledgedRate(), Figures.megabytes(heapAfter - heapBefore),
					seen == null ? "" : String.format(", consumer took %,d events (%,d behind)", seen.consumed(), lag));
			return new Run(writer.acknowledgedRate(), measures, writer.measuredAcked(), ledger.acknowledged(),
					ledger.verifiedOn(a, workload), writer.writeErrors(), Figures.round(writer.maxLagNanos() / 1e6),
					heapBefore, heapAfter, seen, lag);
		}
	}

	private SlowConsumerResult result(Run alone, Run with, double loadStart) {
		SlowConsumer.Check seen = with.seen();
		long lost = alone.lost() + with.lost();
		double ratio = alone.rate() == 0 ? 0 : Figures.round(with.rate() / alone.rate());
		// what the consumer adds: the writer alone leaves a larger projection and store caches behind too
		double growthMb = Figures.round(with.heapGrowthMb() - alone.heapGrowthMb());
		boolean withinTargets = growthMb < HEAP_GROWTH_TARGET_MB && lost == 0 && ratio >= WRITER_RATIO_TARGET;
		Measures measures = with.measures();
		double consumerRate = Figures.rate(seen.consumed(), (long) (measures.seconds() * 1e9));
		err.printf("[%s] writer ratio %.3f; heap growth from the consumer %.1f MB (%.1f MB with it, %.1f MB without); "
				+ "%,d lost%n", NAME, ratio, growthMb, with.heapGrowthMb(), alone.heapGrowthMb(), lost);
		return new SlowConsumerResult(NAME,
				new SlowConsumerResult.Run(options.producerRate(), Figures.round(options.consumerRate()),
						Figures.seconds(options.warmup().toNanos()), Figures.seconds(options.duration().toNanos()),
						options.payloadBytes(), options.entities(), options.durability().name(), options.seed()),
				new SlowConsumerResult.Targets(growthMb, lost, ratio, withinTargets),
				new SlowConsumerResult.Writer(with.rate(), alone.rate(), measures.latencyMillis().p99(),
						alone.measures().latencyMillis().p99(), with.measuredAcked(), alone.measuredAcked(),
						with.acknowledged() + alone.acknowledged(), with.verified() + alone.verified(),
						with.writeErrors() + alone.writeErrors(), with.maxSubmitLagMillis()),
				new SlowConsumerResult.Consumer(seen.consumed(), consumerRate, with.consumerLag(), seen.gaps(),
						seen.duplicates(), seen.mismatched(), seen.error()),
				new SlowConsumerResult.Heap(with.heapGrowthMb(), alone.heapGrowthMb(),
						Figures.megabytes(with.heapBefore()), Figures.megabytes(with.heapAfter())),
				measures, alone.measures(), Environment.now(loadStart, options));
	}

	/**
	 * The heap in use after a projection checkpoint and a full collection: what is retained, without the
	 * entities changed since the last checkpoint, which the engine holds until the next one (every 10 s).
	 */
	private static long settledHeap(Node node) {
		node.engine().checkpoint().block(Node.TIMEOUT);
		System.gc();
		return JvmStats.heapUsed();
	}

	private void awaitAcknowledged(PacedWriter writer, long total) {
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> writer.acked() + writer.writeErrors() >= total)
				.next()
				.timeout(options.grace(), Mono.just(-1L))
				.block();
	}
}
