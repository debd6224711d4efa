package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code shared-db} run, serialized as the run's JSON object: the groups' fields at the top
 * level in this order, then {@code measures} and {@code environment}. Rates are of the throughput phase's
 * measured events (warmup excluded), over every node; latencies of the latency phase's measured events, from
 * just before a write was submitted on one node until another node's {@code changes()} emitted it, over every
 * pair of nodes.
 *
 * @param scenario always {@code shared-db}
 * @param run what was written, on how many nodes
 * @param rates how fast, against the baseline
 * @param latencies the cross-node latency
 * @param survival what the log holds of what was acknowledged, read back from the database
 * @param costs heap, collections, CPU and disk
 * @param measures the throughput phase in the common form: throughput over time, the write latency (submit to
 *        durable acknowledgement), the nodes' ingress occupancy, dropped tap signals, writes not acknowledged
 * @param environment where and how it ran, with the PostgreSQL server
 */
record SharedDbResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Rates rates,
		@JsonUnwrapped Latencies latencies, @JsonUnwrapped Survival survival, @JsonUnwrapped Costs costs,
		Measures measures, Environment environment) implements Measures.Carrier {

	/**
	 * What was written.
	 *
	 * @param nodes engines on the one database, each with its own origin and pool
	 * @param writers concurrent writers on each node in the throughput phase
	 * @param events measured events of the throughput phase, over every node
	 * @param warmup events written first in the throughput phase, over every node
	 * @param rate requested writes per second of the latency phase, over every node
	 * @param achievedRate measured writes of the latency phase over the time they took to submit, summed over the
	 *        nodes: below {@code rate} when a writer fell behind its schedule
	 * @param latencyWarmupSeconds the latency phase's warmup, at the same rate
	 * @param durationSeconds the latency phase's measured span
	 * @param payloadBytes requested payload size
	 * @param payloadBytesMean mean size of the payloads actually written
	 * @param entities entity key space of each node (the nodes write disjoint entities)
	 * @param poolSize connections in each node's pool
	 * @param notifications whether the nodes woke each other with {@code LISTEN}/{@code NOTIFY} (false with
	 *        {@code --no-notify}: polling alone)
	 * @param seed the workload's seed (node k writes with seed + k - 1)
	 */
	record Run(int nodes, int writers, long events, long warmup, long rate, double achievedRate,
			double latencyWarmupSeconds, double durationSeconds, int payloadBytes, double payloadBytesMean, int entities,
			int poolSize, boolean notifications, long seed) {
	}

	/**
	 * How fast.
	 *
	 * @param eventsPerSecond the aggregate durable rate: the throughput phase's measured events over
	 *        {@code elapsedSeconds}
	 * @param baselineEventsPerSecond the same events inserted raw, one connection per node at once, over
	 *        {@code baselineElapsedSeconds}
	 * @param ratio {@code eventsPerSecond / baselineEventsPerSecond}
	 * @param elapsedSeconds first measured write submitted to the last acknowledged, on any node
	 * @param baselineElapsedSeconds the baseline's first insert to its last commit
	 * @param baselineBatch events per baseline transaction: the nodes' mean group commit, rounded
	 * @param commitBatchMean mean events per group commit over every node during the measured phase
	 * @param commitMillisMean mean time a group commit took in the store during the measured phase
	 * @param convergeMillis time from the last acknowledgement until every node held every event
	 * @param writeLatencyMillis per-write latency of the throughput phase, submit to durable acknowledgement
	 */
	record Rates(double eventsPerSecond, double baselineEventsPerSecond, double ratio, double elapsedSeconds,
			double baselineElapsedSeconds, int baselineBatch, double commitBatchMean, double commitMillisMean,
			long convergeMillis, Latency writeLatencyMillis) {
	}

	/**
	 * The cross-node latency at the paced rate.
	 *
	 * @param p50Millis median
	 * @param p90Millis 90th percentile
	 * @param p99Millis 99th percentile
	 * @param p999Millis 99.9th percentile
	 * @param maxMillis maximum
	 * @param meanMillis mean
	 * @param deliveries measured deliveries timed: each measured write times once per other node
	 * @param fromScheduleP99Millis 99th percentile measured from when the schedule wanted each write submitted:
	 *        includes the writers' own lateness (coordinated omission)
	 * @param fromScheduleMaxMillis the same, maximum
	 * @param maxSubmitLagMillis the latest a write was submitted behind its schedule
	 * @param ackP50Millis median of the writing node's own latency, submission to durable acknowledgement
	 * @param ackP99Millis the same, 99th percentile
	 */
	record Latencies(double p50Millis, double p90Millis, double p99Millis, double p999Millis, double maxMillis,
			double meanMillis, long deliveries, double fromScheduleP99Millis, double fromScheduleMaxMillis,
			double maxSubmitLagMillis, double ackP50Millis, double ackP99Millis) {
	}

	/**
	 * What survived.
	 *
	 * @param acknowledged writes the nodes acknowledged, every phase
	 * @param lost acknowledged writes missing from the log (or different) when read back from the database at
	 *        the end
	 * @param duplicates acknowledged writes the log holds more than once
	 * @param verifiedEvents acknowledged writes the log holds unchanged
	 * @param undelivered writes of the latency phase acknowledged on one node and never emitted by another within
	 *        the grace period, summed over the receiving nodes
	 * @param writeErrors writes a node refused or failed (not counted as acknowledged)
	 * @param error why a node's change stream failed, {@code null} when none did
	 */
	record Survival(long acknowledged, long lost, long duplicates, long verifiedEvents, long undelivered,
			long writeErrors, String error) {
	}

	/**
	 * What it cost.
	 *
	 * @param heapMaxUsedMb highest heap in use during the throughput phase (every node, one JVM)
	 * @param gcMillis garbage-collection time during the throughput phase
	 * @param cpuSeconds CPU time of this process during the throughput phase (every node; PostgreSQL's own
	 *        processes not included)
	 * @param baselineCpuSeconds the same during the baseline's measured phase
	 * @param databaseMb size of the database after the nodes closed, before the baseline's table
	 * @param baselineTableMb size of the baseline's table and its indexes
	 */
	record Costs(long heapMaxUsedMb, long gcMillis, double cpuSeconds, double baselineCpuSeconds, double databaseMb,
			double baselineTableMb) {
	}
}
