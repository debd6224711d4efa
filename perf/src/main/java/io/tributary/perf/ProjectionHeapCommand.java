package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import io.tributary.SyncEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code projection-heap}: the heap a node keeps for a projection of many entities. See
 * {@link ProjectionHeapScenario}. Prints progress to standard error and the result as the last line of standard
 * output, and writes it to {@code <out>/projection-heap.json}.
 */
@Command(name = ProjectionHeapScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "One engine on a fresh store writes --entities distinct entities, one event each, through "
				+ "writeAll in batches; then it checkpoints, and the heap in use after a full collection is read with "
				+ "the engine open. Reported: that heap, the heap before, the peak while loading, the load's rate, "
				+ "and a sample of entities read back. Run it with the heap limit to check, e.g. "
				+ "java -Xmx512m -jar tributary-perf.jar projection-heap --no-fork.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m." })
final class ProjectionHeapCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--entities", converter = Converters.Count.class, paramLabel = "N",
			description = "Distinct entities written, one event each. Default: ${DEFAULT-VALUE}.",
			defaultValue = "5000000")
	long entities;

	@Option(names = "--batch", converter = Converters.Count.class, paramLabel = "N",
			description = "Writes per writeAll. Default: ${DEFAULT-VALUE}.", defaultValue = "4000")
	long batch;

	@Option(names = "--concurrency", converter = Converters.Count.class, paramLabel = "N",
			description = "Batches in flight at once; the engine's ingress holds them all (at least its default "
					+ "16,384 writes). Default: ${DEFAULT-VALUE}.", defaultValue = "2")
	long concurrency;

	@Option(names = "--payload-bytes", converter = Converters.Count.class, paramLabel = "BYTES",
			description = "Size of each event's JSON payload. Default: ${DEFAULT-VALUE}.", defaultValue = "100")
	long payloadBytes;

	@Option(names = "--projection-cache", converter = Converters.Count.class, paramLabel = "N",
			description = "Entity folds the engine keeps in memory besides those not yet saved (the engine's "
					+ "projectionCache). Default: ${DEFAULT-VALUE}, the engine's default.",
			defaultValue = "" + SyncEngine.DEFAULT_PROJECTION_CACHE)
	long projectionCache;

	@Option(names = "--store", paramLabel = "STORE",
			description = "The engine's store: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
			defaultValue = "H2")
	StoreKind store;

	@Option(names = "--keep-data", description = "Keep the data directory afterwards.")
	boolean keepData;

	@Mixin
	PostgresOptions postgres;

	@Mixin
	RunOptions run;

	@Override
	public Integer call() throws Exception {
		if (entities < 1 || batch < 1 || concurrency < 1 || payloadBytes < 1 || projectionCache < 1) {
			throw new ParameterException(spec.commandLine(), "--entities, --batch, --concurrency, --payload-bytes and "
					+ "--projection-cache must be at least 1");
		}
		ProjectionHeapScenario.Options options = new ProjectionHeapScenario.Options(
				Converters.toInt(spec, "--entities", entities), Converters.toInt(spec, "--batch", batch),
				Converters.toInt(spec, "--concurrency", concurrency),
				Converters.toInt(spec, "--payload-bytes", payloadBytes),
				Converters.toInt(spec, "--projection-cache", projectionCache), store, postgres.uri(spec), postgres.poolSize(spec),
				run.durability, run.seed, run.dir, keepData);
		ProjectionHeapResult result = new ProjectionHeapScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), ProjectionHeapScenario.NAME, run.out, result,
				String.format(Locale.ROOT, "%s, cache %,d: %,d entities, heap after a full collection %d MB (before %d MB, peak "
						+ "%d MB, limit %d MB), %.0f ev/s loading, %d lost", result.store(), result.projectionCache(),
						result.entities(),
						result.heapAfterGcMb(), result.heapBeforeMb(), result.heapPeakMb(), result.heapMaxMb(),
						result.eventsPerSecond(), result.lost()));
		return result.lost() == 0 ? 0 : 3;
	}
}
