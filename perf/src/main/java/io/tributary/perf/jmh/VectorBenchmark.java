package io.tributary.perf.jmh;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.tributary.VersionVector;

/**
 * Version vectors as the engine uses them: advancing one origin after a commit, merging with a peer's,
 * checking coverage, and what one lacks against another.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VectorBenchmark {

	/** Origins in each vector. */
	@Param({ "4", "64" })
	public int origins;

	private VersionVector mine;
	private VersionVector theirs;
	private long seq;

	/** Two vectors over the same origins, each ahead on half of them. */
	@Setup
	public void setUp() {
		Map<String, Long> a = new HashMap<>();
		Map<String, Long> b = new HashMap<>();
		for (int i = 0; i < origins; i++) {
			a.put("origin-" + i, 1000L + (i % 2 == 0 ? 5 : 0));
			b.put("origin-" + i, 1000L + (i % 2 == 1 ? 5 : 0));
		}
		mine = VersionVector.of(a);
		theirs = VersionVector.of(b);
		seq = 2000;
	}

	/** {@return the vector advanced on one origin} */
	@Benchmark
	public VersionVector with() {
		return mine.with("origin-0", ++seq);
	}

	/** {@return the merge of both} */
	@Benchmark
	public VersionVector merge() {
		return mine.merge(theirs);
	}

	/** {@return whether one covers the other} */
	@Benchmark
	public boolean covers() {
		return mine.covers(theirs);
	}

	/** {@return what one lacks against the other} */
	@Benchmark
	public Map<String, Long> lacking() {
		return mine.lacking(theirs);
	}
}
