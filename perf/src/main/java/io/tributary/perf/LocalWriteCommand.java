package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code local-write}: durable write throughput of one engine on H2 against plain H2 JDBC batches, or on
 * PostgreSQL against raw unnest inserts into the same database. See {@link LocalWriteScenario}. Prints progress
 * to standard error and the result as the last line of standard output, and writes it to
 * {@code <out>/local-write.json}.
 */
@Command(name = LocalWriteScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Concurrent writers put events into a SyncEngine on a fresh store, each write "
				+ "acknowledged once durable; then the same events are inserted raw, as the baseline. On H2 (the "
				+ "default) the store is a fresh H2 file and the baseline plain H2 JDBC in batches of "
				+ JdbcBaseline.BATCH + " with one commit per batch. With --store postgres the store is a fresh "
				+ "database of PostgreSQL (started by the harness unless --postgres is given) and the baseline one "
				+ "INSERT ... SELECT FROM unnest(arrays) per transaction into a plain table of the same database, "
				+ "in batches of the engine's mean group commit.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m." })
final class LocalWriteCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--writers", converter = Converters.Count.class, paramLabel = "N",
			description = "Concurrent writers, each with one write outstanding; writers hold no thread. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "4096")
	long writers;

	@Option(names = "--events", converter = Converters.Count.class, paramLabel = "N",
			description = "Measured events per side. Default: ${DEFAULT-VALUE}.", defaultValue = "1000000")
	long events;

	@Option(names = "--warmup", converter = Converters.Count.class, paramLabel = "N",
			description = "Events each side writes first, not measured. Default: ${DEFAULT-VALUE}.",
			defaultValue = "200000")
	long warmup;

	@Option(names = "--submit-on-parallel",
			description = "Submit each write from Reactor's parallel scheduler instead of from the thread that "
					+ "acknowledged the writer's previous write (the storage's).")
	boolean submitOnParallel;

	@Option(names = "--store", paramLabel = "STORE",
			description = "The engine's store: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
			defaultValue = "H2")
	StoreKind store;

	@Mixin
	PostgresOptions postgres;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		LocalWriteScenario.Options options = new LocalWriteScenario.Options(events,
				Converters.toInt(spec, "--writers", writers), common.payloadBytes(spec),
				common.entities(spec), common.durability, warmup, common.seed, common.dir,
				common.keepData, submitOnParallel, store, postgres.uri(spec), postgres.poolSize(spec));
		LocalWriteResult result = new LocalWriteScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), LocalWriteScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "%s: %.0f ev/s vs baseline %.0f ev/s (ratio %.3f), %d lost",
						result.run().store(), result.rates().eventsPerSecond(), result.rates().baselineEventsPerSecond(), result.rates().ratio(),
						result.survival().lost()));
		return result.survival().lost() == 0 ? 0 : 3;
	}
}
