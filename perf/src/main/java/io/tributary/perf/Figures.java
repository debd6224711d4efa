package io.tributary.perf;

/**
 * Rounding and unit conversions shared by the scenarios' results.
 */
final class Figures {

	private Figures() {
	}

	/** Three decimals are plenty for every figure here. */
	static double round(double value) {
		return Math.round(value * 1000.0) / 1000.0;
	}

	/** Bytes as mebibytes, rounded. */
	static double megabytes(long bytes) {
		return round(bytes / (1024.0 * 1024.0));
	}

	/** Nanoseconds as seconds, rounded. */
	static double seconds(long nanos) {
		return round(nanos / 1e9);
	}

	/** Events per second, rounded; 0 when no time passed. */
	static double rate(long events, long nanos) {
		return nanos <= 0 ? 0 : round(events / (nanos / 1e9));
	}
}
