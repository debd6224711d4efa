package io.tributary.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code jmh}: the micro-benchmarks of {@code io.tributary.perf.jmh}, run by JMH with its own options
 * passed through (for example {@code jmh -f 1 -wi 2 -i 3 Codec}; {@code jmh -h} lists them).
 */
@Command(name = "jmh", mixinStandardHelpOptions = false,
		description = { "Runs the JMH micro-benchmarks (codec, clock, vector, projector); every argument goes to "
				+ "JMH: a benchmark name pattern and options such as -f forks, -wi warmup iterations, -i "
				+ "iterations, -rf json -rff FILE. 'jmh -h' lists JMH's options, 'jmh -l' the benchmarks." })
final class JmhCommand implements Callable<Integer> {

	@Unmatched
	List<String> args = new ArrayList<>();

	@Override
	public Integer call() throws Exception {
		CommandLineOptions options = new CommandLineOptions(args.toArray(String[]::new));
		if (options.shouldHelp()) {
			options.showHelp();
			return 0;
		}
		if (options.shouldList()) {
			new Runner(options).list();
			return 0;
		}
		return new Runner(options).run().isEmpty() ? 1 : 0;
	}
}
