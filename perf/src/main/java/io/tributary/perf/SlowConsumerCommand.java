package io.tributary.perf;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code slow-consumer}: a writer at a steady rate with a consumer of {@code events()} at a hundredth of it,
 * against the same writer alone. See {@link SlowConsumerScenario}. Prints progress to standard error and the
 * result as the last line of standard output, and writes it to {@code <out>/slow-consumer.json}.
 */
@Command(name = SlowConsumerScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "A node on a fresh H2 file store takes writes at the producer rate for a warmup and the "
				+ "measured span, twice: first alone (the baseline), then, on another fresh node, with a consumer "
				+ "of the engine's events() stream that takes events at the consumer rate, one request per event. "
				+ "Reports the writer's speed with the consumer against without, the heap's growth, and whether "
				+ "anything was lost.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class SlowConsumerCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--producer-rate", converter = Converters.Count.class, paramLabel = "EVENTS",
			description = "Writes per second. Default: ${DEFAULT-VALUE}.", defaultValue = "5000")
	long producerRate;

	@Mixin
	TimedOptions timed;

	@Mixin
	PeerOptions.Consumer consumer;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		Duration duration = spec.commandLine().getParseResult().hasMatchedOption("--duration") ? timed.duration
				: Duration.ofSeconds(60);
		SlowConsumerScenario.Options options = new SlowConsumerScenario.Options(producerRate,
				consumer.consumerRate(producerRate), duration, timed.warmup,
				timed.grace, common.payloadBytes(spec),
				common.entities(spec), common.durability, common.seed, common.dir,
				common.keepData);
		SlowConsumerResult result = new SlowConsumerScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), SlowConsumerScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "writer ratio %.3f, heap growth %.1f MB, %d lost, consumer took %d",
						result.targets().writerSpeedRatio(), result.targets().heapGrowthMb(), result.targets().lost(),
						result.consumer().consumed()));
		return result.targets().lost() == 0 && result.writer().writeErrors() == 0
				&& result.consumer().consumerError() == null ? 0 : 3;
	}
}
