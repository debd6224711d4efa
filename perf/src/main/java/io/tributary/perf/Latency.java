package io.tributary.perf;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram, in milliseconds.
 *
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max maximum
 * @param mean mean
 * @param count values recorded
 */
record Latency(double p50, double p90, double p99, double p999, double max, double mean, long count) {

	/** Reads a histogram recorded in microseconds; all zero when it is empty. */
	static Latency ofMicros(Histogram h) {
		if (h.getTotalCount() == 0) {
			return new Latency(0, 0, 0, 0, 0, 0, 0);
		}
		return new Latency(millis(h.getValueAtPercentile(50)), millis(h.getValueAtPercentile(90)),
				millis(h.getValueAtPercentile(99)), millis(h.getValueAtPercentile(99.9)), millis(h.getMaxValue()),
				Figures.round(h.getMean() / 1000.0), h.getTotalCount());
	}

	private static double millis(long micros) {
		return Figures.round(micros / 1000.0);
	}
}
