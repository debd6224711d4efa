package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code live-latency} run, serialized as the run's JSON object: the groups' fields at the
 * top level in this order, then {@code measures} and {@code environment}. Latencies run from just before a
 * write is submitted on node A until a receiving node's {@code changes()} emits that event's entity change,
 * over the measured events only (warmup excluded), and over every receiving node.
 *
 * @param scenario always {@code live-latency}
 * @param run what was written and to how many nodes
 * @param delivery what reached the receiving nodes
 * @param latencies the latency percentiles
 * @param commits the group commits on both sides
 * @param costs heap, collections and CPU
 * @param measures the measured span's common measures: throughput over time, the end-to-end latency as
 *        above, ingress occupancy, events served live and from the store by A to its peers
 * @param environment where and how it ran
 */
record LiveLatencyResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Delivery delivery,
		@JsonUnwrapped Latencies latencies, @JsonUnwrapped CommitFigures commits, @JsonUnwrapped Costs costs,
		Measures measures, Environment environment) implements Measures.Carrier {

	/**
	 * What was written.
	 *
	 * @param rate requested events per second
	 * @param achievedRate measured events over the time from when the first was due to when the last was
	 *        submitted: below {@code rate} when the generator fell behind its schedule
	 * @param warmupSeconds warmup at the same rate, not measured
	 * @param durationSeconds measured span
	 * @param peers receiving nodes, each dialling A
	 * @param payloadBytes requested payload size
	 * @param payloadBytesMean mean size of the payloads actually written
	 * @param entities entity key space
	 * @param batchEvents most events per EVENTS frame
	 * @param durability what an acknowledged write survives, for every store
	 * @param seed the workload's seed
	 */
	record Run(long rate, double achievedRate, double warmupSeconds, double durationSeconds, int peers,
			int payloadBytes, double payloadBytesMean, int entities, int batchEvents, String durability, long seed) {
	}

	/**
	 * What was delivered.
	 *
	 * @param events measured events A acknowledged
	 * @param delivered measured events matched on a receiving node, summed over the nodes
	 * @param lost measured events acknowledged by A and never seen on a receiving node within the grace
	 *        period, summed over the nodes
	 * @param writeErrors writes A refused or failed (not counted as events)
	 * @param vectorsCovered whether every receiving node's vector covered A's at the end
	 * @param error why a receiving node's change stream failed, {@code null} when none did
	 */
	record Delivery(long events, long delivered, long lost, long writeErrors, boolean vectorsCovered, String error) {
	}

	/**
	 * The latencies.
	 *
	 * @param p50Millis median latency
	 * @param p90Millis 90th percentile
	 * @param p99Millis 99th percentile
	 * @param p999Millis 99.9th percentile
	 * @param maxMillis maximum
	 * @param meanMillis mean
	 * @param fromScheduleP99Millis 99th percentile measured from when the schedule wanted each write
	 *        submitted: includes the generator's own lateness (coordinated omission)
	 * @param fromScheduleMaxMillis the same, maximum
	 * @param maxSubmitLagMillis the latest a write was submitted behind its schedule
	 * @param ackP50Millis median of A's own write latency, submission to durable acknowledgement: the part of
	 *        the latency before the event leaves A
	 * @param ackP99Millis the same, 99th percentile
	 */
	record Latencies(double p50Millis, double p90Millis, double p99Millis, double p999Millis, double maxMillis,
			double meanMillis, double fromScheduleP99Millis, double fromScheduleMaxMillis, double maxSubmitLagMillis,
			double ackP50Millis, double ackP99Millis) {
	}

	/**
	 * The group commits.
	 *
	 * @param sourceCommitBatchMean mean events per group commit on A during the measured span
	 * @param receiverCommitEventsMean mean events per group commit on the receiving nodes during the
	 *        measured span
	 */
	record CommitFigures(double sourceCommitBatchMean, double receiverCommitEventsMean) {
	}

	/**
	 * What it cost.
	 *
	 * @param heapMaxUsedMb highest heap in use during the measured span (every node)
	 * @param gcMillis garbage-collection time during the measured span
	 * @param gcCount collections during the measured span
	 * @param cpuSeconds CPU time of the whole process during the measured span (every node, all threads)
	 * @param cpuMicrosPerEvent {@code cpuSeconds} per measured event: what one event costs the source and
	 *        every receiver together
	 */
	record Costs(long heapMaxUsedMb, long gcMillis, long gcCount, double cpuSeconds, double cpuMicrosPerEvent) {
	}
}
