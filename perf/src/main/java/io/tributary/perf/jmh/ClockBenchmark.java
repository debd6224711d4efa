package io.tributary.perf.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.tributary.Hlc;
import io.tributary.HybridClock;

/**
 * The hybrid logical clock: a local stamp for every write, and a remote stamp observed for every received
 * event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClockBenchmark {

	private final HybridClock clock = HybridClock.system();
	private long remote = Hlc.pack(System.currentTimeMillis(), 0);

	/** {@return a local stamp} */
	@Benchmark
	public long now() {
		return clock.now();
	}

	/** {@return the clock's last stamp after observing a remote one slightly ahead} */
	@Benchmark
	public long update() {
		remote += 1;
		clock.update(remote);
		return clock.last();
	}
}
