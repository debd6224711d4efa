package io.tributary.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code all}: every scenario in turn, each with its own result file and charts, sized for one sitting.
 * Ends with a JSON line naming each scenario's exit code and file.
 */
@Command(name = AllCommand.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Runs local-write, catch-up, live-latency, slow-consumer, fan-out and mixed in turn with "
				+ "the sizes below and every other option at the scenario's default; each writes its own result "
				+ "and charts. The last line names each scenario's exit code and result file.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m; spans 500ms, 30s, 2m or PT30S." })
final class AllCommand implements Callable<Integer> {

	/** Stable name. */
	static final String NAME = "all";

	/** The scenarios, in the order they run. */
	static final List<String> SCENARIOS = List.of(LocalWriteScenario.NAME, CatchUpScenario.NAME,
			LiveLatencyScenario.NAME, SlowConsumerScenario.NAME, FanOutScenario.NAME, MixedScenario.NAME);

	@Spec
	CommandSpec spec;

	@Option(names = "--events", converter = Converters.Count.class, paramLabel = "N",
			description = "Events of local-write (plus a quarter as warmup) and catch-up; fan-out gets a quarter. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "200000")
	long events;

	@Option(names = "--duration", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "Measured span of live-latency and mixed. Default: ${DEFAULT-VALUE}.", defaultValue = "20s")
	Duration duration;

	@Option(names = "--slow-consumer-duration", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "Measured span of slow-consumer. Default: ${DEFAULT-VALUE}.", defaultValue = "60s")
	Duration slowConsumerDuration;

	@Option(names = "--warmup", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "Warmup of the timed scenarios. Default: ${DEFAULT-VALUE}.", defaultValue = "20s")
	Duration warmup;

	@Mixin
	RunOptions run;

	/**
	 * One scenario's outcome.
	 *
	 * @param scenario the scenario
	 * @param exitCode its exit code (0 when it succeeded and lost nothing)
	 * @param result its result file
	 */
	record Outcome(String scenario, int exitCode, String result) {
	}

	/**
	 * What {@code all} prints last.
	 *
	 * @param scenario always {@code all}
	 * @param scenarios each scenario's outcome, in the order they ran
	 */
	record AllResult(String scenario, List<Outcome> scenarios) {
	}

	@Override
	public Integer call() throws Exception {
		CommandLine root = spec.commandLine().getParent();
		Map<String, List<String>> sized = new LinkedHashMap<>();
		sized.put(LocalWriteScenario.NAME, List.of("--events", Long.toString(events), "--warmup",
				Long.toString(events / 4)));
		sized.put(CatchUpScenario.NAME, List.of("--events", Long.toString(events)));
		sized.put(LiveLatencyScenario.NAME, List.of("--duration", span(duration), "--warmup", span(warmup)));
		sized.put(SlowConsumerScenario.NAME, List.of("--duration", span(slowConsumerDuration), "--warmup",
				span(warmup)));
		sized.put(FanOutScenario.NAME, List.of("--events", Long.toString(Math.max(1, events / 4))));
		sized.put(MixedScenario.NAME, List.of("--duration", span(duration), "--warmup", span(warmup)));
		List<Outcome> outcomes = new ArrayList<>();
		int worst = 0;
		for (String scenario : SCENARIOS) {
			List<String> args = new ArrayList<>(sized.get(scenario));
			args.addAll(List.of("--seed", Long.toString(run.seed), "--durability", run.durability.name(), "--out",
					run.out.toString()));
			if (run.dir != null) {
				args.addAll(List.of("--dir", run.dir.toString()));
			}
			spec.commandLine().getErr().println("[all] " + scenario + " " + String.join(" ", args));
			int code;
			if (((PerfMain) root.getCommand()).forking && !run.noFork) {
				List<String> forked = new ArrayList<>();
				forked.add(scenario);
				forked.addAll(args);
				code = Fork.run(forked, spec.commandLine().getErr());
			}
			else {
				code = root.getSubcommands().get(scenario).execute(args.toArray(String[]::new));
			}
			outcomes.add(new Outcome(scenario, code, run.out.resolve(scenario + ".json").toString()));
			worst = Math.max(worst, code);
		}
		Results.publish(spec.commandLine(), "all", run.out, new AllResult("all", outcomes),
				"exit codes " + outcomes.stream().map(o -> o.scenario() + "=" + o.exitCode()).toList());
		return worst;
	}

	private static String span(Duration d) {
		return d.toMillis() + "ms";
	}
}
