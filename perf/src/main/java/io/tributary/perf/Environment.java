package io.tributary.perf;

import java.util.List;

/**
 * Where a run ran: what every result states so that figures from different machines are not compared.
 *
 * @param heapMaxMb the heap limit
 * @param cores available processors
 * @param loadAverageStart the system's one-minute load average when the run started (other work on the
 *        machine skews every figure)
 * @param loadAverageEnd the same when the run ended
 * @param javaVersion the runtime's version
 * @param jvmArgs the JVM's arguments
 */
record Environment(long heapMaxMb, int cores, double loadAverageStart, double loadAverageEnd, String javaVersion,
		List<String> jvmArgs) {

	/** This JVM now, with the load average read at the run's start. */
	static Environment now(double loadAverageStart) {
		return new Environment(JvmStats.heapMax() >> 20, JvmStats.cores(), loadAverageStart, JvmStats.loadAverage(),
				System.getProperty("java.version"), JvmStats.jvmArgs());
	}
}
