package io.tributary.perf;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options every scenario takes (a picocli mixin): those of {@link RunOptions}, the workload's shape, and
 * whether the data is kept.
 */
final class CommonOptions extends RunOptions {

	@Option(names = "--payload-bytes", converter = Converters.Count.class, paramLabel = "BYTES",
			description = "Size of each event's JSON payload. Default: ${DEFAULT-VALUE}.", defaultValue = "200")
	long payloadBytes;

	@Option(names = "--entities", converter = Converters.Count.class, paramLabel = "N",
			description = "Entity key space; each event writes a uniformly chosen entity. Default: ${DEFAULT-VALUE}.",
			defaultValue = "100000")
	long entities;

	@Option(names = "--keep-data", description = "Keep the data directory afterwards.")
	boolean keepData;

	/** The payload size as an {@code int}, or a parameter error naming the option. */
	int payloadBytes(CommandSpec spec) {
		return Converters.toInt(spec, "--payload-bytes", payloadBytes);
	}

	/** The key space as an {@code int}, or a parameter error naming the option. */
	int entities(CommandSpec spec) {
		return Converters.toInt(spec, "--entities", entities);
	}
}
