package io.tributary.perf;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Prints one progress line a second while a phase runs: events done, the rate over the last second and
 * over the whole phase, and the heap in use. Lines go to the error writer so that standard output ends
 * with the result alone. Each second's rate is also kept: the phase's throughput over time.
 */
final class Progress {

	private final String phase;
	private final long total;
	private final LongSupplier done;
	private final PrintWriter err;
	private final long startNanos;
	private long lastNanos;
	private long lastDone;
	private final List<Sample> samples = new ArrayList<>();
	private Disposable ticker;

	private Progress(String phase, long total, LongSupplier done, PrintWriter err) {
		this.phase = phase;
		this.total = total;
		this.done = done;
		this.err = err;
		this.startNanos = System.nanoTime();
		this.lastNanos = startNanos;
	}

	/**
	 * Starts reporting a phase, on the harness's monitor thread.
	 *
	 * @param phase the phase's name
	 * @param total events the phase will do
	 * @param done events done so far
	 * @param err where the lines go
	 * @return the running report; {@link #stop()} it when the phase ends
	 */
	static Progress start(String phase, long total, LongSupplier done, PrintWriter err) {
		Progress p = new Progress(phase, total, done, err);
		p.ticker = Flux.interval(Duration.ofSeconds(1), JvmStats.MONITOR).subscribe(tick -> p.print(false));
		return p;
	}

	/**
	 * Stops the report and prints the phase's last line.
	 *
	 * @return the phase's throughput, one sample a second and one for the last part second
	 */
	List<Sample> stop() {
		ticker.dispose();
		print(true);
		return samples();
	}

	/** The samples so far. */
	synchronized List<Sample> samples() {
		return List.copyOf(samples);
	}

	/**
	 * The throughput of one interval of a phase.
	 *
	 * @param second seconds from the phase's start to the end of the interval
	 * @param eventsPerSecond events done in the interval over its length
	 */
	record Sample(double second, double eventsPerSecond) {
	}

	private synchronized void print(boolean last) {
		long now = System.nanoTime();
		long n = done.getAsLong();
		double seconds = (now - startNanos) / 1e9;
		double recent = (n - lastDone) / Math.max(1e-9, (now - lastNanos) / 1e9);
		if (now - lastNanos > 100_000_000L || samples.isEmpty()) {
			// a last part second shorter than a tenth would show as noise
			samples.add(new Sample(Figures.round(seconds), Figures.round(recent)));
		}
		lastNanos = now;
		lastDone = n;
		Runtime rt = Runtime.getRuntime();
		long heapMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
		err.println(String.format(Locale.ROOT, "[%s] %6.1fs %,12d/%,d events %,10.0f ev/s now %,10.0f ev/s avg heap %,d MB%s",
				phase, seconds, n, total, recent, n / Math.max(1e-9, seconds), heapMb, last ? " done" : ""));
		err.flush();
	}
}
