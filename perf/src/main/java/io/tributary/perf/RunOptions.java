package io.tributary.perf;

import java.nio.file.Path;

import io.tributary.storage.h2.Durability;
import picocli.CommandLine.Option;

/**
 * Options of every run, one scenario or {@code all} (a picocli mixin): the workload's seed, the stores'
 * durability, where the data and the results go, and whether the run forks a JVM. {@link CommonOptions} adds
 * what only a single scenario takes.
 */
class RunOptions {

	@Option(names = "--durability", paramLabel = "MODE",
			description = "What an acknowledged write survives, for every store of the scenario: "
					+ "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.", defaultValue = "PROCESS_CRASH")
	Durability durability;

	@Option(names = "--seed", paramLabel = "SEED", description = "Workload seed. Default: ${DEFAULT-VALUE}.",
			defaultValue = "42")
	long seed;

	@Option(names = "--dir", paramLabel = "DIR",
			description = "Where the fresh data directories are made (choose the disk to measure). "
					+ "Default: the system's temporary directory.")
	Path dir;

	@Option(names = "--out", paramLabel = "DIR",
			description = "Where the result files and charts go. Default: ${DEFAULT-VALUE}.",
			defaultValue = "perf/target/results")
	Path out;

	@Option(names = Fork.NO_FORK, description = "Run in this JVM as started rather than each scenario in a fresh "
			+ "one with the settings recommended for a node (docs/NODE.md).")
	boolean noFork;
}
