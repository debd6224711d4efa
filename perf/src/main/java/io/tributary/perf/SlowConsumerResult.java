package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code slow-consumer} run, serialized as the run's JSON object: the groups' fields at the
 * top level in this order, then the measures and {@code environment}. "The measured run" has the slow
 * consumer subscribed; "the baseline" is the same writer on a fresh node without it, run first with the same
 * warmup and span.
 *
 * @param scenario always {@code slow-consumer}
 * @param run what was written and consumed
 * @param targets the figures with targets, and whether they were met
 * @param writer the writer in both runs
 * @param consumer the consumer in the measured run
 * @param heap the heap after full collections
 * @param measures the measured run's common measures (throughput and latency are the writer's; served
 *        counts are the consumer's)
 * @param baselineMeasures the baseline's
 * @param environment where and how it ran
 */
record SlowConsumerResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Targets targets,
		@JsonUnwrapped Writer writer, @JsonUnwrapped Consumer consumer, @JsonUnwrapped Heap heap, Measures measures,
		Measures baselineMeasures, Environment environment) implements Measures.Carrier {

	/**
	 * What was written and consumed.
	 *
	 * @param producerRate requested writes per second, throughout
	 * @param consumerRate events per second the consumer asks for
	 * @param warmupSeconds written first in each run, unmeasured
	 * @param durationSeconds each run's measured span
	 * @param payloadBytes requested payload size
	 * @param entities entity key space
	 * @param durability what an acknowledged write survives
	 * @param seed the workload's seed
	 */
	record Run(long producerRate, double consumerRate, double warmupSeconds, double durationSeconds, int payloadBytes,
			int entities, String durability, long seed) {
	}

	/**
	 * The figures with targets.
	 *
	 * @param heapGrowthMb what the consumer added to the heap: {@code heapGrowthWithConsumerMb} minus
	 *        {@code baselineHeapGrowthMb}; target below 32
	 * @param lost acknowledged events missing or different in the store, plus the consumer's gaps, duplicates
	 *        and events that differ from those acknowledged at their positions; target 0
	 * @param writerSpeedRatio {@code writerEventsPerSecond / baselineWriterEventsPerSecond}; target at least 0.9
	 * @param withinTargets whether all three targets above were met
	 */
	record Targets(double heapGrowthMb, long lost, double writerSpeedRatio, boolean withinTargets) {
	}

	/**
	 * The writer.
	 *
	 * @param writerEventsPerSecond the measured run's acknowledged writes over the time from when its first
	 *        was due to its last acknowledgement
	 * @param baselineWriterEventsPerSecond the same for the baseline
	 * @param writerP99Millis the 99th percentile of write latency (submission to durable acknowledgement) in
	 *        the measured run
	 * @param baselineWriterP99Millis the same in the baseline
	 * @param events writes acknowledged in the measured run's span
	 * @param baselineEvents writes acknowledged in the baseline's span
	 * @param acknowledged writes acknowledged, both runs, warmups included
	 * @param storeVerified acknowledged events found in their store identical, field by field, both runs
	 * @param writeErrors writes refused or failed, both runs (for example refused as overload when the
	 *        machine cannot keep the rate): not lost, their writers were told
	 * @param maxSubmitLagMillis the latest a measured write was submitted behind its schedule
	 */
	record Writer(double writerEventsPerSecond, double baselineWriterEventsPerSecond, double writerP99Millis,
			double baselineWriterP99Millis, long events, long baselineEvents, long acknowledged, long storeVerified,
			long writeErrors, double maxSubmitLagMillis) {
	}

	/**
	 * The consumer.
	 *
	 * @param consumed events the consumer took
	 * @param consumerEventsPerSecond {@code consumed} over the measured run's span
	 * @param consumerLagEvents how far behind the store's last position the consumer was at the end
	 * @param consumerGaps positions the consumer never saw between its first and its last
	 * @param consumerDuplicates events the consumer saw twice
	 * @param consumerMismatched events the consumer saw that differ from those acknowledged at their positions
	 * @param consumerError why the consumer's stream failed, {@code null} when it did not
	 */
	record Consumer(long consumed, double consumerEventsPerSecond, long consumerLagEvents, long consumerGaps,
			long consumerDuplicates, long consumerMismatched, String consumerError) {
	}

	/**
	 * The heap.
	 *
	 * @param heapGrowthWithConsumerMb heap in use after a projection checkpoint and a full collection at the end
	 *        of the measured run's span (consumer still subscribed and far behind) minus the same at its start
	 * @param baselineHeapGrowthMb the same in the baseline: what the writes alone leave behind (a larger
	 *        projection, the store's caches)
	 * @param heapBeforeMb heap in use after the collection at the start of the measured run's span
	 * @param heapAfterMb heap in use after the collection at its end
	 */
	record Heap(double heapGrowthWithConsumerMb, double baselineHeapGrowthMb, double heapBeforeMb,
			double heapAfterMb) {
	}
}
