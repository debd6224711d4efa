package io.tributary.perf;

import java.nio.file.Path;

import io.tributary.storage.h2.Durability;
import picocli.CommandLine.Option;

/**
 * Options every scenario takes (a picocli mixin): the workload's shape and seed, the stores' durability,
 * where the data and the result go.
 */
final class CommonOptions {

	@Option(names = "--payload-bytes", converter = Converters.Count.class, paramLabel = "BYTES",
			description = "Size of each event's JSON payload. Default: ${DEFAULT-VALUE}.", defaultValue = "200")
	long payloadBytes;

	@Option(names = "--entities", converter = Converters.Count.class, paramLabel = "N",
			description = "Entity key space; each event writes a uniformly chosen entity. Default: ${DEFAULT-VALUE}.",
			defaultValue = "100000")
	long entities;

	@Option(names = "--durability", paramLabel = "MODE",
			description = "What an acknowledged write survives, for every store of the scenario: "
					+ "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.", defaultValue = "PROCESS_CRASH")
	Durability durability;

	@Option(names = "--seed", paramLabel = "SEED", description = "Workload seed. Default: ${DEFAULT-VALUE}.",
			defaultValue = "42")
	long seed;

	@Option(names = "--dir", paramLabel = "DIR",
			description = "Where the fresh data directory is made (choose the disk to measure). "
					+ "Default: the system's temporary directory.")
	Path dir;

	@Option(names = "--keep-data", description = "Keep the data directory afterwards.")
	boolean keepData;

	@Option(names = "--out", paramLabel = "DIR", description = "Where the result file goes. Default: ${DEFAULT-VALUE}.",
			defaultValue = "perf/target/results")
	Path out;

	@Option(names = Fork.NO_FORK, description = "Run in this JVM as started rather than in a fresh one with the "
			+ "settings recommended for a node (docs/NODE.md).")
	boolean noFork;
}
