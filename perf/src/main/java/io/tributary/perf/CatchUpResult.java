package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code catch-up} run, serialized as the run's JSON object: the groups' fields at the top
 * level in this order, then {@code measures} and {@code environment}. Rates are events per second; times in
 * the names' units.
 *
 * @param scenario always {@code catch-up}
 * @param run what was synced
 * @param rates how fast, against the local writes and raw TCP
 * @param commits B's and the local store's group commits
 * @param check what B holds against A
 * @param costs heap, collections, CPU and store sizes
 * @param measures the catch-up in the common form: B's progress over time, events A served from its store
 *        and live, dropped tap signals, whether the session failed; no latency (a catch-up has none per event)
 * @param environment where and how it ran
 */
record CatchUpResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Rates rates,
		@JsonUnwrapped CommitFigures commits, @JsonUnwrapped Check check, @JsonUnwrapped Costs costs,
		Measures measures, Environment environment) implements Measures.Carrier {

	/**
	 * What was synced.
	 *
	 * @param events events node A holds and node B catches up on
	 * @param warmupEvents events of the untimed warm-up catch-up between two other nodes before the measured one
	 * @param payloadBytes requested payload size
	 * @param payloadBytesMean mean size of the payloads actually written
	 * @param entities entity key space
	 * @param writers concurrent writers filling A and the local store
	 * @param batchEvents most events per EVENTS frame
	 * @param durability what an acknowledged write survives, for every store
	 * @param seed the workload's seed
	 */
	record Run(long events, long warmupEvents, int payloadBytes, double payloadBytesMean, int entities, int writers,
			int batchEvents, String durability, long seed) {
	}

	/**
	 * How fast.
	 *
	 * @param eventsPerSecond B's catch-up: {@code events} over {@code elapsedSeconds}
	 * @param localEventsPerSecond the same events written into a fresh store through the engine, as
	 *        {@code local-write} does: {@code events} over {@code localElapsedSeconds}
	 * @param ratio {@code eventsPerSecond / localEventsPerSecond}
	 * @param elapsedSeconds from B's connect until B's vector covered A's
	 * @param localElapsedSeconds first local write submitted to the last one acknowledged
	 * @param fillEventsPerSecond A's fill rate (cold, the first writes of the process)
	 * @param warmupEventsPerSecond the warm-up's rate (JIT compiling as it goes), 0 without a warm-up
	 * @param rawTcpEventsPerSecond the same events' EVENTS frames streamed over loopback by plain Reactor
	 *        Netty TCP, no engine on either side ({@link TcpBaseline}), in events per second
	 * @param rawTcpRatio {@code eventsPerSecond / rawTcpEventsPerSecond}
	 */
	record Rates(double eventsPerSecond, double localEventsPerSecond, double ratio, double elapsedSeconds,
			double localElapsedSeconds, double fillEventsPerSecond, double warmupEventsPerSecond,
			double rawTcpEventsPerSecond, double rawTcpRatio) {
	}

	/**
	 * The group commits.
	 *
	 * @param commitsPerSecond group commits B made per second of {@code elapsedSeconds} (B applies a few
	 *        received frames at once, so one commit may hold several frames)
	 * @param commits B's group commits during the catch-up
	 * @param commitEventsMean mean events per commit of B
	 * @param commitMillisMean mean time B's store took per commit
	 * @param localCommits group commits of the local store
	 * @param localCommitBatchMean mean events per local group commit
	 */
	record CommitFigures(double commitsPerSecond, long commits, double commitEventsMean, double commitMillisMean,
			long localCommits, double localCommitBatchMean) {
	}

	/**
	 * What B holds.
	 *
	 * @param syncOk whether the one sync session reported success (both sides hold each other's events)
	 * @param syncMillis the session's own duration, connect to both sides acknowledged
	 * @param syncError why the session failed, {@code null} when it did not
	 * @param received events B received, as its peer link counts them
	 * @param lost events A holds that B does not hold identically
	 * @param verifiedEvents B's events, read back from its store, equal field by field to those A acknowledged
	 * @param vectorsEqual whether B's vector equals A's at the end
	 * @param entityStatesCompared live entity states compared between A and B (all of them)
	 * @param entityStatesDiffering states that differ, or are missing on one side
	 */
	record Check(boolean syncOk, long syncMillis, String syncError, long received, long lost, long verifiedEvents,
			boolean vectorsEqual, long entityStatesCompared, long entityStatesDiffering) {
	}

	/**
	 * What it cost.
	 *
	 * @param heapMaxUsedMb highest heap in use during the catch-up (both engines, the harness's ledger
	 *        included)
	 * @param gcMillis garbage-collection time during the catch-up
	 * @param gcCount collections during the catch-up
	 * @param cpuSeconds CPU time of the whole process during the catch-up (both nodes, all threads)
	 * @param localGcMillis garbage-collection time during the local writes
	 * @param localCpuSeconds CPU time of the whole process during the local writes
	 * @param cpuMicrosPerEvent {@code cpuSeconds} per event: what the catch-up costs both nodes together,
	 *        barely skewed by other work on the machine, unlike the rates
	 * @param localCpuMicrosPerEvent {@code localCpuSeconds} per event
	 * @param storeMbA size of A's store after the catch-up
	 * @param storeMbB size of B's store after the catch-up
	 */
	record Costs(long heapMaxUsedMb, long gcMillis, long gcCount, double cpuSeconds, long localGcMillis,
			double localCpuSeconds, double cpuMicrosPerEvent, double localCpuMicrosPerEvent, double storeMbA,
			double storeMbB) {
	}
}
