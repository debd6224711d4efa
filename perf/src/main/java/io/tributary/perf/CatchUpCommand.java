package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code catch-up}: how fast an empty node syncs every event of a full one over loopback TCP, against the
 * local write rate of the same events. See {@link CatchUpScenario}. Prints progress to standard error and
 * the result as the last line of standard output, and writes it to {@code <out>/catch-up.json}.
 */
@Command(name = CatchUpScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Node A, on a fresh H2 file store, is filled with events through its engine (untimed); two other fresh nodes "
				+ "run a smaller catch-up of their own (untimed warm-up). "
				+ "The same events are then written into a third fresh store as local-write does (timed: the local "
				+ "rate). Then an empty node B on its own store dials A over loopback TCP for one sync session, "
				+ "timed from the connect until B's vector covers A's; B's events and entity states are checked "
				+ "against A's.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class CatchUpCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--events", converter = Converters.Count.class, paramLabel = "N",
			description = "Events A holds and B catches up on. Default: ${DEFAULT-VALUE}.", defaultValue = "1000000")
	long events;

	@Option(names = "--warmup-events", converter = Converters.Count.class, paramLabel = "N",
			description = "Events of an untimed catch-up between two other fresh nodes first, so that the measured one "
					+ "runs compiled code, as the local writes do after A's fill; 0 for none. Default: ${DEFAULT-VALUE}.",
			defaultValue = "200000")
	long warmupEvents;

	@Mixin
	PeerOptions.Framing framing;

	@Mixin
	PeerOptions.Fill fill;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		CatchUpScenario.Options options = new CatchUpScenario.Options(events, warmupEvents,
				common.payloadBytes(spec), common.entities(spec),
				fill.writers(spec), framing.batchEvents(spec),
				common.durability, common.seed, common.dir, common.keepData, fill.timeout);
		CatchUpResult result = new CatchUpScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), CatchUpScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "catch-up %.0f ev/s vs local %.0f ev/s (ratio %.3f), %d lost",
						result.rates().eventsPerSecond(), result.rates().localEventsPerSecond(), result.rates().ratio(),
						result.check().lost()));
		CatchUpResult.Check check = result.check();
		return check.lost() == 0 && check.vectorsEqual() && check.entityStatesDiffering() == 0 ? 0 : 3;
	}
}
