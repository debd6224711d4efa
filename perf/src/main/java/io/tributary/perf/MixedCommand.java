package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mixed}: writes, a live peer, a catching-up peer and a slow consumer on one node at once. See
 * {@link MixedScenario}. Prints progress to standard error and the result as the last line of standard
 * output, and writes it to {@code <out>/mixed.json}.
 */
@Command(name = MixedScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Node A holds a history and a live peer B follows it. During the measured span A takes "
				+ "writes at a steady rate while an empty peer C dials A and catches up, and a consumer reads A's "
				+ "events() from the start at a hundredth of the write rate. Reports B's latency, C's catch-up, the "
				+ "consumer's progress and what each of them lost.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class MixedCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--rate", converter = Converters.Count.class, paramLabel = "EVENTS",
			description = "Writes per second on A. Default: ${DEFAULT-VALUE}.", defaultValue = "2000")
	long rate;

	@Option(names = "--history", converter = Converters.Count.class, paramLabel = "N",
			description = "Events A holds before the warmup, for C to catch up on. Default: ${DEFAULT-VALUE}.",
			defaultValue = "50000")
	long history;

	@Mixin
	TimedOptions timed;

	@Mixin
	PeerOptions.Framing framing;

	@Mixin
	PeerOptions.Consumer consumer;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		MixedScenario.Options options = new MixedScenario.Options(rate, consumer.consumerRate(rate), history, timed.duration, timed.warmup, timed.grace,
				common.payloadBytes(spec),
				common.entities(spec),
				framing.batchEvents(spec), common.durability, common.seed, common.dir,
				common.keepData);
		MixedResult result = new MixedScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), MixedScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "live p99 %.3f ms, catch-up %.3f s, consumer took %d; %d lost",
						result.live().liveP99Millis(), result.peers().catchUpSeconds(), result.consumer().consumed(),
						result.writes().lost()));
		MixedResult.Writes writes = result.writes();
		return writes.lost() == 0 && writes.writeErrors() == 0 && writes.error() == null
				&& result.consumer().consumerError() == null && result.peers().catchUpCovered()
				&& result.peers().liveCovered() ? 0 : 3;
	}
}
