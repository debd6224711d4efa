package io.tributary.perf;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code shared-db}: several nodes on one PostgreSQL database: the aggregate durable write rate against raw
 * inserts, and the latency from a write on one node to its change on another. See {@link SharedDbScenario}.
 * Prints progress to standard error and the result as the last line of standard output, and writes it to
 * {@code <out>/shared-db.json}.
 */
@Command(name = SharedDbScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Nodes (engines in this JVM, each with its own PostgreSQL store, pool and commit feed) on one "
				+ "fresh database of a PostgreSQL server the harness starts unless --postgres is given. First the "
				+ "cross-node latency: every node writes at its share of --rate, and each write is timed from just "
				+ "before it is submitted until every other node's changes() emits it. Then the throughput: "
				+ "--writers concurrent writers on every node at once, each write acknowledged once durable. The log "
				+ "is read back from the database (lost: acknowledged writes missing), and the same events are "
				+ "inserted raw with unnest, one connection per node, as the baseline.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class SharedDbCommand implements Callable<Integer> {

	/** The sizes of {@code --smoke}. */
	static final long SMOKE_EVENTS = 6_000;
	static final long SMOKE_WARMUP = 1_500;
	static final Duration SMOKE_DURATION = Duration.ofSeconds(2);
	static final Duration SMOKE_LATENCY_WARMUP = Duration.ofSeconds(1);

	@Spec
	CommandSpec spec;

	@Option(names = "--nodes", converter = Converters.Count.class, paramLabel = "N",
			description = "Nodes on the database, at least 2. Default: ${DEFAULT-VALUE}.", defaultValue = "3")
	long nodes;

	@Option(names = "--writers", converter = Converters.Count.class, paramLabel = "N",
			description = "Concurrent writers on each node in the throughput phase, each with one write outstanding. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "1024")
	long writers;

	@Option(names = "--events", converter = Converters.Count.class, paramLabel = "N",
			description = "Measured events of the throughput phase, over every node. Default: ${DEFAULT-VALUE}.",
			defaultValue = "600000")
	long events;

	@Option(names = "--warmup", converter = Converters.Count.class, paramLabel = "N",
			description = "Events every node writes first in the throughput phase, over every node, not measured. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "150000")
	long warmup;

	@Option(names = "--rate", converter = Converters.Count.class, paramLabel = "EVENTS",
			description = "Writes per second of the latency phase, over every node (each writes its share). "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "2000")
	long rate;

	@Option(names = "--duration", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "The latency phase's measured span. Default: ${DEFAULT-VALUE}.", defaultValue = "30s")
	Duration duration;

	@Option(names = "--latency-warmup", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "Written first in the latency phase at the same rate, not measured. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "20s")
	Duration latencyWarmup;

	@Option(names = "--grace", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "How long to wait for the latency phase's last deliveries (a write not seen by then on a "
					+ "node counts as undelivered), and after each phase for every node to hold every acknowledged "
					+ "event (the run fails when one does not). Default: ${DEFAULT-VALUE}.", defaultValue = "60s")
	Duration grace;

	@Option(names = "--smoke",
			description = "A short run for a smoke test: " + SMOKE_EVENTS + " events after " + SMOKE_WARMUP
					+ " of warmup, a latency phase of 2s after 1s; overrides --events, --warmup, --duration and "
					+ "--latency-warmup. Its figures mean nothing.")
	boolean smoke;

	@Option(names = "--no-notify",
			description = "The nodes learn of each other's commits by polling alone (every 500 ms), without "
					+ "LISTEN/NOTIFY, as on a database without them (the node's --postgres-notify=false).")
	boolean noNotify;

	@Mixin
	PostgresOptions postgres;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		if (nodes < 2) {
			throw new ParameterException(spec.commandLine(), "--nodes must be at least 2: " + nodes);
		}
		if (rate < nodes) {
			throw new ParameterException(spec.commandLine(), "--rate must be at least --nodes (" + nodes + "): "
					+ rate);
		}
		if (events < nodes || writers < 1) {
			throw new ParameterException(spec.commandLine(), "--events must be at least --nodes and --writers at "
					+ "least 1");
		}
		if (duration.isZero()) {
			throw new ParameterException(spec.commandLine(), "--duration must be positive");
		}
		SharedDbScenario.Options options = new SharedDbScenario.Options(Converters.toInt(spec, "--nodes", nodes),
				Converters.toInt(spec, "--writers", writers), smoke ? SMOKE_EVENTS : events,
				smoke ? SMOKE_WARMUP : warmup, rate, smoke ? SMOKE_DURATION : duration,
				smoke ? SMOKE_LATENCY_WARMUP : latencyWarmup, grace, common.payloadBytes(spec), common.entities(spec),
				postgres.poolSize(spec), !noNotify, postgres.uri(spec), common.seed, common.dir, common.keepData);
		SharedDbResult result = new SharedDbScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), SharedDbScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "%d nodes: %.0f ev/s vs baseline %.0f ev/s (ratio %.3f); cross-node p50 %.3f "
						+ "ms, p99 %.3f ms, max %.3f ms; %d lost", result.run().nodes(),
						result.rates().eventsPerSecond(), result.rates().baselineEventsPerSecond(), result.rates().ratio(),
						result.latencies().p50Millis(), result.latencies().p99Millis(), result.latencies().maxMillis(),
						result.survival().lost()));
		SharedDbResult.Survival survival = result.survival();
		return survival.lost() == 0 && survival.duplicates() == 0 && survival.undelivered() == 0
				&& survival.writeErrors() == 0 && survival.error() == null ? 0 : 3;
	}
}
