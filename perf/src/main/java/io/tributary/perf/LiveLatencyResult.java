package io.tributary.perf;

import java.util.List;

/**
 * The result of one {@code live-latency} run, serialized as the run's JSON line in this order. Latencies run
 * from just before a write is submitted on node A until a receiving node's {@code changes()} emits that
 * event's entity change, over the measured events only (warmup excluded), and over every receiving node.
 *
 * @param scenario always {@code live-latency}
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
 * @param events measured events A acknowledged
 * @param delivered measured events matched on a receiving node, summed over the nodes
 * @param lost measured events acknowledged by A and never seen on a receiving node within the grace
 *        period, summed over the nodes
 * @param writeErrors writes A refused or failed (not counted as events)
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
 * @param sourceCommitBatchMean mean events per group commit on A during the measured span
 * @param receiverCommitEventsMean mean events per group commit on the receiving nodes during the
 *        measured span
 * @param vectorsCovered whether every receiving node's vector covered A's at the end
 * @param error why a receiving node's change stream failed, {@code null} when none did
 * @param heapMaxUsedMb highest heap in use during the measured span (every node)
 * @param heapMaxMb the heap limit
 * @param gcMillis garbage-collection time during the measured span
 * @param gcCount collections during the measured span
 * @param cpuSeconds CPU time of the whole process during the measured span (every node, all threads)
 * @param cpuMicrosPerEvent {@code cpuSeconds} per measured event: what one event costs the source and
 *        every receiver together
 * @param cores available processors
 * @param loadAverageStart the system's one-minute load average when the run started
 * @param loadAverageEnd the same when the run ended
 * @param javaVersion the runtime's version
 * @param jvmArgs the JVM's arguments
 * @param measures the measured span's common measures: throughput over time, the end-to-end latency as
 *        above, ingress occupancy, events served live and from the store by A to its peers
 */
record LiveLatencyResult(String scenario, long rate, double achievedRate, double warmupSeconds,
		double durationSeconds, int peers, int payloadBytes, double payloadBytesMean, int entities, int batchEvents,
		String durability, long seed, long events, long delivered, long lost, long writeErrors,
		double p50Millis, double p90Millis, double p99Millis, double p999Millis, double maxMillis, double meanMillis,
		double fromScheduleP99Millis, double fromScheduleMaxMillis, double maxSubmitLagMillis, double ackP50Millis,
		double ackP99Millis, double sourceCommitBatchMean, double receiverCommitEventsMean, boolean vectorsCovered,
		String error, long heapMaxUsedMb, long heapMaxMb, long gcMillis, long gcCount, double cpuSeconds,
		double cpuMicrosPerEvent, int cores,
		double loadAverageStart, double loadAverageEnd, String javaVersion, List<String> jvmArgs,
		Measures measures) implements Measures.Carrier {
}
