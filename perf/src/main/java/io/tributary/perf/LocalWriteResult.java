package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code local-write} run, serialized as the run's JSON object: the groups' fields at the top
 * level in this order, then {@code measures} and {@code environment}. Rates are events per second of the
 * measured events only (warmup excluded); times in the names' units.
 *
 * @param scenario always {@code local-write}
 * @param run what was written
 * @param rates how fast, against the baseline
 * @param survival what the reopened store holds of what was acknowledged
 * @param commits the engine's group commits and checkpoints
 * @param costs store sizes, heap, collections and CPU
 * @param measures Tributary's measured phase in the common form: throughput over time, the write latency
 *        as above, the ingress queue's occupancy, dropped tap signals, writes not acknowledged
 * @param environment where and how it ran
 */
record LocalWriteResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Rates rates,
		@JsonUnwrapped Survival survival, @JsonUnwrapped CommitFigures commits, @JsonUnwrapped Costs costs,
		Measures measures, Environment environment) implements Measures.Carrier {

	/**
	 * What was written.
	 *
	 * @param events measured events written by each side
	 * @param writers concurrent writers, each with one write outstanding
	 * @param payloadBytes requested payload size
	 * @param payloadBytesMean mean size of the payloads actually written
	 * @param entities entity key space
	 * @param durability what an acknowledged write survives
	 * @param warmup events written first, unmeasured, by each side
	 * @param seed the workload's seed
	 * @param store {@code h2} or {@code postgres}: the store of the engine (and of the baseline)
	 */
	record Run(long events, int writers, int payloadBytes, double payloadBytesMean, int entities, String durability,
			long warmup, long seed, String store) {
	}

	/**
	 * How fast.
	 *
	 * @param eventsPerSecond Tributary: measured events over {@code elapsedSeconds}
	 * @param baselineEventsPerSecond JDBC baseline: measured events over {@code baselineElapsedSeconds}
	 * @param ratio {@code eventsPerSecond / baselineEventsPerSecond}
	 * @param elapsedSeconds Tributary: first measured write submitted to the last one acknowledged
	 * @param baselineElapsedSeconds baseline: first measured insert to the last commit
	 * @param latencyMillis Tributary's per-write latency, submit to acknowledgement, measured events
	 */
	record Rates(double eventsPerSecond, double baselineEventsPerSecond, double ratio, double elapsedSeconds,
			double baselineElapsedSeconds, Latency latencyMillis) {
	}

	/**
	 * What survived.
	 *
	 * @param acknowledged events acknowledged by the engine, warmup included
	 * @param lost acknowledged events missing or different after reopening the store
	 * @param verifiedEvents events read back from the reopened store that match what was acknowledged
	 * @param entitiesWritten distinct entities the acknowledged events wrote
	 * @param entitiesAfterReopen live entities the reopened engine's projection holds
	 * @param closeMillis time {@code SyncEngine.close()} took after the measured writes (checkpoint included)
	 * @param reopenMillis time to open the storage and the engine again (projection load and replay)
	 */
	record Survival(long acknowledged, long lost, long verifiedEvents, long entitiesWritten, long entitiesAfterReopen,
			long closeMillis, long reopenMillis) {
	}

	/**
	 * The engine's commits.
	 *
	 * @param commits group commits during the measured phase
	 * @param commitBatchMean mean events per group commit during the measured phase
	 * @param commitMillisMean mean time the store took per group commit during the measured phase
	 * @param checkpoints projection checkpoints the engine ran during the measured phase
	 * @param warmupCheckpointMillis time of the projection checkpoint taken between the warmup and the measured
	 *        phase (every entity the warmup wrote)
	 * @param baselineBatch events per baseline commit: a fixed 1,000 on H2; on PostgreSQL the engine's
	 *        {@code commitBatchMean}, rounded, so that both commit as often
	 */
	record CommitFigures(long commits, double commitBatchMean, double commitMillisMean, long checkpoints,
			long warmupCheckpointMillis, int baselineBatch) {
	}

	/**
	 * What it cost.
	 *
	 * @param storeMb size of Tributary's database file after close (on PostgreSQL: its database)
	 * @param baselineStoreMb size of the baseline's database file after close (on PostgreSQL: its table)
	 * @param heapMaxUsedMb highest heap in use (live or not) while Tributary ran, the harness's ledger included
	 * @param gcMillis garbage-collection time during Tributary's measured phase
	 * @param gcCount collections during Tributary's measured phase
	 * @param baselineGcMillis garbage-collection time during the baseline's measured phase
	 * @param cpuSeconds CPU time the whole process used during Tributary's measured phase (all threads, GC
	 *        included): unlike the rates, barely skewed by other work on the machine
	 * @param baselineCpuSeconds the same during the baseline's measured phase
	 */
	record Costs(double storeMb, double baselineStoreMb, long heapMaxUsedMb, long gcMillis, long gcCount,
			long baselineGcMillis, double cpuSeconds, double baselineCpuSeconds) {
	}
}
