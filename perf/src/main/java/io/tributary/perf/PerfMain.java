package io.tributary.perf;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The benchmark harness's entry point: {@code java -jar tributary-perf.jar <scenario> [options]}.
 * <p>
 * Each scenario prints progress to standard error once a second and ends with one JSON object on the last
 * line of standard output, also written to {@code <out>/<scenario>.json}. {@code --help} lists the
 * scenarios; {@code <scenario> --help} lists a scenario's options.
 */
@Command(name = "tributary-perf", mixinStandardHelpOptions = true, versionProvider = PerfMain.Version.class,
		description = "Runs a Tributary benchmark scenario and prints its result as JSON.",
		subcommands = { LocalWriteCommand.class, CatchUpCommand.class, LiveLatencyCommand.class,
				SlowConsumerCommand.class, FanOutCommand.class, MixedCommand.class, SharedDbCommand.class,
				ProjectionHeapCommand.class, AllCommand.class,
				JmhCommand.class },
		synopsisSubcommandLabel = "SCENARIO", commandListHeading = "%nScenarios:%n")
public final class PerfMain implements Runnable {

	@Spec
	CommandSpec spec;

	/** Whether scenarios run in a forked JVM unless they say {@code --no-fork} ({@link Fork}). */
	boolean forking;

	/**
	 * Runs the harness and exits with the scenario's exit code: 0 on success, 1 when the scenario failed,
	 * 2 for bad arguments, 3 when acknowledged events were lost or a replica's check failed. A scenario runs in
	 * a forked JVM with the settings recommended for a node unless it is given {@code --no-fork} ({@link Fork}).
	 *
	 * @param args the scenario and its options
	 */
	public static void main(String[] args) {
		System.exit(commandLine(!Fork.isFork()).execute(args));
	}

	/**
	 * The configured command line.
	 *
	 * @param forking whether scenarios run in a forked JVM unless given {@code --no-fork}
	 * @return a new command line
	 */
	static CommandLine commandLine(boolean forking) {
		CommandLine commandLine = commandLine();
		PerfMain main = commandLine.getCommand();
		main.forking = forking;
		CommandLine.IExecutionStrategy inProcess = new CommandLine.RunLast();
		commandLine.setExecutionStrategy(parsed -> {
			CommandLine.ParseResult scenario = parsed.subcommand();
			// bad arguments and help are answered here; only a scenario that is to run is forked
			if (!forking || scenario == null || scenario.isUsageHelpRequested() || scenario.isVersionHelpRequested()
					|| scenario.hasMatchedOption(Fork.NO_FORK) || scenario.commandSpec().findOption(Fork.NO_FORK) == null
					|| AllCommand.NAME.equals(scenario.commandSpec().name())) {
				return inProcess.execute(parsed);
			}
			try {
				return Fork.run(parsed.originalArgs(), commandLine.getErr());
			}
			catch (java.io.IOException e) {
				throw new CommandLine.ExecutionException(commandLine, "cannot start a JVM for the scenario: " + e, e);
			}
		});
		return commandLine;
	}

	/**
	 * The configured command line, for running the harness in-process (tests use it with their own
	 * writers).
	 *
	 * @return a new command line
	 */
	public static CommandLine commandLine() {
		return new CommandLine(new PerfMain()).setCaseInsensitiveEnumValuesAllowed(true);
	}

	/**
	 * Called without a scenario: explains what is missing.
	 */
	@Override
	public void run() {
		throw new ParameterException(spec.commandLine(), "Missing scenario: choose one of "
				+ spec.subcommands().keySet());
	}

	/** The version from the jar's manifest. */
	static final class Version implements CommandLine.IVersionProvider {
		@Override
		public String[] getVersion() {
			String version = PerfMain.class.getPackage().getImplementationVersion();
			return new String[] { "tributary-perf " + (version == null ? "(development build)" : version) };
		}
	}
}
