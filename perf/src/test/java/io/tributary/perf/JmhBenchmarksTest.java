package io.tributary.perf;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmhBenchmarksTest {

	@Test
	void everyBenchmarkRunsOnceAndScores() throws Exception {
		// one short iteration each, in this JVM: that they run and produce a score, never how fast
		Options options = new OptionsBuilder()
				.include("io\\.tributary\\.perf\\.jmh\\..*")
				.forks(0)
				.warmupIterations(0)
				.measurementIterations(1)
				.measurementTime(TimeValue.milliseconds(50))
				.shouldFailOnError(true)
				.build();
		Collection<RunResult> results = new Runner(options).run();

		Set<String> names = new TreeSet<>();
		for (RunResult r : results) {
			String label = r.getParams().getBenchmark();
			names.add(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1));
			assertTrue(r.getPrimaryResult().getScore() > 0, () -> label + " scored");
		}
		assertEquals(Set.of("ClockBenchmark.now", "ClockBenchmark.update", "CodecBenchmark.decodeEvent",
				"CodecBenchmark.decodeFrame", "CodecBenchmark.encodeEvent", "CodecBenchmark.encodeFrame",
				"ProjectorBenchmark.fold", "VectorBenchmark.covers", "VectorBenchmark.lacking", "VectorBenchmark.merge",
				"VectorBenchmark.with"), names);
		assertEquals(15, results.size(), "vector benchmarks run for 4 and 64 origins");
	}
}
