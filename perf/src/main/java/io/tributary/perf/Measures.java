package io.tributary.perf;

import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;

/**
 * What every scenario reports about its measured phase, the same way: throughput over time, latency
 * percentiles and their distribution, the JVM's heap and collections, the engines' write buffers, how
 * events were served to live streams, dropped tap signals and errors. Serialized as the {@code measures}
 * object of each result; the charts are drawn from it.
 *
 * @param throughput events per second, one sample a second of the phase
 * @param seconds the phase's length
 * @param latencyMillis the scenario's latency (what it times is in the scenario's documentation)
 * @param latencyDistribution the latency at fixed percentiles, for the distribution chart
 * @param heapMaxUsedMb highest heap in use during the phase, live or not, sampled every 50 ms
 * @param gcMillis garbage-collection time during the phase
 * @param gcCount collections during the phase
 * @param cpuSeconds CPU time of the whole process during the phase
 * @param bufferOccupancyMax the most writes that waited in an engine's ingress queue at once
 *        ({@code tributary.ingress.queued}, sampled every 50 ms, highest over the scenario's nodes)
 * @param servedLive events the source node's {@code events()} streams and peer sessions delivered from the
 *        live tail during the phase
 * @param servedFromStore events the source node delivered from its store during the phase: pages of
 *        {@code events()} (a subscriber catching up or fallen behind the live buffer) and peer catch-up reads
 *        ({@code lacking()})
 * @param tapSignalsDropped signals the nodes dropped for slow {@code signals()} subscribers during the phase
 * @param errors failed writes, failed streams and failed sessions during the phase
 */
record Measures(List<Progress.Sample> throughput, double seconds, Latency latencyMillis,
		List<Percentile> latencyDistribution, long heapMaxUsedMb, long gcMillis, long gcCount, double cpuSeconds,
		long bufferOccupancyMax, long servedLive, long servedFromStore, long tapSignalsDropped, long errors) {

	private static final double[] PERCENTILES = { 0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97, 98, 99,
			99.5, 99.8, 99.9, 99.95, 99.99, 100 };

	/**
	 * One point of a latency distribution.
	 *
	 * @param percentile from 0 to 100
	 * @param millis the latency at it
	 */
	record Percentile(double percentile, double millis) {
	}

	/** The distribution of a histogram recorded in microseconds; empty when nothing was recorded. */
	static List<Percentile> distribution(Histogram h) {
		List<Percentile> points = new ArrayList<>();
		if (h == null || h.getTotalCount() == 0) {
			return points;
		}
		for (double p : PERCENTILES) {
			long micros = p == 100 ? h.getMaxValue() : h.getValueAtPercentile(p);
			points.add(new Percentile(p, Figures.round(micros / 1000.0)));
		}
		return points;
	}

	/** A result that carries {@link Measures}: {@link Results} draws its charts. */
	interface Carrier {

		/** {@return the measured phase's measures} */
		Measures measures();
	}
}
