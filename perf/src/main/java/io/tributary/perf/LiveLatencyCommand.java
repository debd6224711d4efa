package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code live-latency}: the time from a write on one node to the entity change on its live peers. See
 * {@link LiveLatencyScenario}. Prints progress to standard error and the result as the last line of standard
 * output, and writes it to {@code <out>/live-latency.json}.
 */
@Command(name = LiveLatencyScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Node A and receiving nodes, each on its own H2 file store, each receiving node keeping a "
				+ "live peer session to A over loopback TCP. After a warmup, writes are submitted to A at a steady "
				+ "rate; each event's latency runs from just before its write is submitted until a receiving node's "
				+ "changes() emits its entity change, matched by event id.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class LiveLatencyCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--rate", converter = Converters.Count.class, paramLabel = "EVENTS",
			description = "Writes per second on A. Default: ${DEFAULT-VALUE}.", defaultValue = "5000")
	long rate;

	@Option(names = "--peers", converter = Converters.Count.class, paramLabel = "N",
			description = "Receiving nodes, each dialling A; latencies are over all of them. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "1")
	long peers;

	@Mixin
	TimedOptions timed;

	@Mixin
	PeerOptions.Framing framing;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		LiveLatencyScenario.Options options = new LiveLatencyScenario.Options(rate, timed.duration, timed.warmup,
				Converters.toInt(spec, "--peers", peers), common.payloadBytes(spec),
				common.entities(spec), framing.batchEvents(spec),
				timed.grace, common.durability, common.seed, common.dir, common.keepData);
		LiveLatencyResult result = new LiveLatencyScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), LiveLatencyScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "%.0f ev/s achieved; p50 %.3f ms, p99 %.3f ms, max %.3f ms; %d lost",
						result.run().achievedRate(), result.latencies().p50Millis(), result.latencies().p99Millis(),
						result.latencies().maxMillis(), result.delivery().lost()));
		LiveLatencyResult.Delivery delivery = result.delivery();
		return delivery.lost() == 0 && delivery.writeErrors() == 0 && delivery.error() == null ? 0 : 3;
	}
}
