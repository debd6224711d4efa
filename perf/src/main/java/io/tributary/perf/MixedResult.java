package io.tributary.perf;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The result of one {@code mixed} run, serialized as the run's JSON object: the groups' fields at the top level
 * in this order, then {@code measures} and {@code environment}.
 *
 * @param scenario always {@code mixed}
 * @param run what was written and to whom
 * @param writes what A acknowledged and what of it was lost where
 * @param live B's latency
 * @param peers whether B and C hold everything
 * @param consumer the slow consumer
 * @param measures the measured span's common measures (throughput is A's acknowledged writes, latency B's)
 * @param environment where and how it ran
 */
record MixedResult(String scenario, @JsonUnwrapped Run run, @JsonUnwrapped Writes writes, @JsonUnwrapped Live live,
		@JsonUnwrapped Peers peers, @JsonUnwrapped Consumer consumer, Measures measures, Environment environment)
		implements Measures.Carrier {

	/**
	 * What was written.
	 *
	 * @param rate requested writes per second on A
	 * @param consumerRate events per second the slow consumer takes
	 * @param history events A held before the warmup
	 * @param warmupSeconds written first at the same rate, not measured
	 * @param durationSeconds the measured span
	 * @param payloadBytes requested payload size
	 * @param entities entity key space
	 * @param batchEvents most events per EVENTS frame
	 * @param durability what an acknowledged write survives, for every store
	 * @param seed the workload's seed
	 */
	record Run(long rate, double consumerRate, long history, double warmupSeconds, double durationSeconds,
			int payloadBytes, int entities, int batchEvents, String durability, long seed) {
	}

	/**
	 * What A acknowledged, and what of it was lost where.
	 *
	 * @param events measured writes A acknowledged
	 * @param achievedRate measured writes over the time they were submitted in: below {@code rate} when the
	 *        writer fell behind its schedule
	 * @param lost the sum of the four below
	 * @param liveLost measured events A acknowledged that B's {@code changes()} never emitted
	 * @param storeLost acknowledged events missing or different in A's store
	 * @param peerLost acknowledged events missing or different in B's and C's stores at the end, summed
	 * @param consumerLost the slow consumer's gaps, duplicates and events different from those acknowledged
	 * @param writeErrors writes A refused or failed
	 * @param error why B's change stream failed, {@code null} when it did not
	 */
	record Writes(long events, double achievedRate, long lost, long liveLost, long storeLost, long peerLost,
			long consumerLost, long writeErrors, String error) {
	}

	/**
	 * B's latency.
	 *
	 * @param liveP50Millis B's latency, submission on A to B's change, median
	 * @param liveP99Millis the same, 99th percentile
	 * @param liveMaxMillis the same, maximum
	 */
	record Live(double liveP50Millis, double liveP99Millis, double liveMaxMillis) {
	}

	/**
	 * The peers.
	 *
	 * @param catchUpEvents events A held when C dialled
	 * @param catchUpSeconds C's time from the dial until it held those events; -1 when it never did
	 * @param catchUpCovered whether C held everything A held at the end
	 * @param liveCovered whether B held everything A held at the end
	 */
	record Peers(long catchUpEvents, double catchUpSeconds, boolean catchUpCovered, boolean liveCovered) {
	}

	/**
	 * The slow consumer.
	 *
	 * @param consumed events the slow consumer took
	 * @param consumerLagEvents how far behind A's last position the consumer was at the end
	 * @param consumerError why the consumer's stream failed, {@code null} when it did not
	 */
	record Consumer(long consumed, long consumerLagEvents, String consumerError) {
	}
}
