package io.tributary.perf;

import java.util.List;

/**
 * The result of one {@code fan-out} run, serialized as the run's JSON line in this order. Rates count each
 * event once per peer that received it.
 *
 * @param scenario always {@code fan-out}
 * @param peers empty nodes that dialled A at once
 * @param events events A holds and each peer catches up on
 * @param payloadBytes requested payload size
 * @param payloadBytesMean mean size of the payloads actually written
 * @param entities entity key space
 * @param batchEvents most events per EVENTS frame
 * @param durability what an acknowledged write survives, for every store
 * @param seed the workload's seed
 * @param eventsPerSecond {@code events * peers} over {@code elapsedSeconds}
 * @param perPeerEventsPerSecond {@code eventsPerSecond / peers}
 * @param rawTcpEventsPerSecond the same frames streamed to {@code peers} plain Reactor Netty clients at
 *        once, no engine on either side ({@link TcpBaseline}): {@code events * peers} over its time
 * @param rawTcpRatio {@code eventsPerSecond / rawTcpEventsPerSecond}
 * @param elapsedSeconds from the first connect until every peer's vector covered A's
 * @param rawTcpElapsedSeconds the raw stream's time
 * @param frames EVENTS frames per receiver in the raw stream
 * @param rawTcpMbPerReceiver bytes per receiver in the raw stream
 * @param lost events A holds that a peer does not hold identically, summed over the peers
 * @param verifiedEvents events the peers hold identically, summed
 * @param vectorsCovered whether every peer's vector covered A's at the end
 * @param sessionErrors the last error of each peer session that reported one
 * @param measures the fan-out in the common form: the peers' progress over time; as latency, each peer's
 *        time from the first connect until it held everything; A's events served from its store and live
 * @param environment where it ran
 */
record FanOutResult(String scenario, int peers, long events, int payloadBytes, double payloadBytesMean, int entities,
		int batchEvents, String durability, long seed, double eventsPerSecond, double perPeerEventsPerSecond,
		double rawTcpEventsPerSecond, double rawTcpRatio, double elapsedSeconds, double rawTcpElapsedSeconds,
		long frames, double rawTcpMbPerReceiver, long lost, long verifiedEvents, boolean vectorsCovered,
		List<String> sessionErrors, Measures measures, Environment environment) implements Measures.Carrier {
}
