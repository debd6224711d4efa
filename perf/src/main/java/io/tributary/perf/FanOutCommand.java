package io.tributary.perf;

import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fan-out}: many empty peers catching up on one node at once, against the raw TCP stream of the same
 * frames. See {@link FanOutScenario}. Prints progress to standard error and the result as the last line of
 * standard output, and writes it to {@code <out>/fan-out.json}.
 */
@Command(name = FanOutScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Node A, on a fresh H2 file store, is filled with events (untimed). The same events, encoded "
				+ "as EVENTS frames, are streamed over plain Reactor Netty TCP to as many receivers as there are "
				+ "peers (the baseline). Then the empty peers, each on its own store, dial A at once with live "
				+ "sessions, timed until every one holds everything; their events are checked against A's.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class FanOutCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Option(names = "--peers", converter = Converters.Count.class, paramLabel = "N",
			description = "Empty nodes dialling A at once. Default: ${DEFAULT-VALUE}.", defaultValue = "4")
	long peers;

	@Option(names = "--events", converter = Converters.Count.class, paramLabel = "N",
			description = "Events A holds. Default: ${DEFAULT-VALUE}.", defaultValue = "100000")
	long events;

	@Mixin
	PeerOptions.Framing framing;

	@Mixin
	PeerOptions.Fill fill;

	@Mixin
	CommonOptions common;

	@Override
	public Integer call() throws Exception {
		FanOutScenario.Options options = new FanOutScenario.Options(Converters.toInt(spec, "--peers", peers), events,
				common.payloadBytes(spec),
				common.entities(spec), fill.writers(spec),
				framing.batchEvents(spec), common.durability, common.seed, common.dir,
				common.keepData, fill.timeout);
		FanOutResult result = new FanOutScenario(options, spec.commandLine().getErr()).run();
		Results.publish(spec.commandLine(), FanOutScenario.NAME, common.out, result,
				String.format(Locale.ROOT, "%d peers: %.0f ev/s in all vs raw TCP %.0f ev/s (ratio %.3f), %d lost",
						result.peers(), result.eventsPerSecond(), result.rawTcpEventsPerSecond(), result.rawTcpRatio(),
						result.lost()));
		return result.lost() == 0 && result.vectorsCovered() && result.sessionErrors().isEmpty() ? 0 : 3;
	}
}
