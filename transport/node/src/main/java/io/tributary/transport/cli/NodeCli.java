package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The entry point of {@code tributary-node.jar}: {@code node} runs a sync node; {@code status}, {@code stats},
 * {@code sync}, the upstream commands, {@code conflicts}, {@code dead-letters} and {@code stop} talk to a running
 * one over its HTTP API. {@code --help} on every command.
 * <p>
 * Exit codes: {@value #OK} success (for {@code node}: stopped cleanly after SIGTERM or SIGINT),
 * {@value #FAILED} failure (the node could not start or stop cleanly, is unreachable, refused the token,
 * or a sync failed), {@value #USAGE} bad arguments. Messages go to standard error, results to standard
 * output.
 */
@Command(name = "tributary-node", mixinStandardHelpOptions = true, versionProvider = NodeCli.Version.class,
		description = "Runs a Tributary sync node, or queries a running one.",
		subcommands = { NodeCommand.class, StatusCommand.class, StatsCommand.class, SyncCommand.class,
				OutsyncCommand.class, DownsyncCommand.class, SyncStatusCommand.class, ConflictsCommand.class,
				DeadLettersCommand.class, StopCommand.class },
		synopsisSubcommandLabel = "COMMAND", commandListHeading = "%nCommands:%n",
		footer = { "", "Run 'tributary-node COMMAND --help' for a command's options.",
				"Exit codes: 0 success, 1 failure, 2 bad arguments." })
public final class NodeCli implements Runnable {

	/** Exit code of success. */
	public static final int OK = 0;

	/** Exit code of a failure: startup, an unreachable node, a refused token, a failed sync. */
	public static final int FAILED = 1;

	/** Exit code of bad arguments. */
	public static final int USAGE = 2;

	/** What the node logs: INFO and up, with timestamps, to standard error; each overridable with -D. */
	private static final Map<String, String> LOGGING = Map.of(
			"org.slf4j.simpleLogger.defaultLogLevel", "info",
			"org.slf4j.simpleLogger.showDateTime", "true",
			"org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
			"org.slf4j.simpleLogger.showShortLogName", "true",
			"org.slf4j.simpleLogger.logFile", "System.err");

	private final Map<String, String> env;
	private final Lifecycle lifecycle;

	@Spec
	CommandSpec spec;

	private NodeCli(Map<String, String> env, Lifecycle lifecycle) {
		this.env = Map.copyOf(env);
		this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
	}

	/**
	 * Runs a command and exits with its exit code; {@code node} runs until SIGTERM or SIGINT.
	 *
	 * @param args the command and its options
	 */
	public static void main(String[] args) {
		// before the first logger is made
		LOGGING.forEach((key, value) -> {
			if (System.getProperty(key) == null) {
				System.setProperty(key, value);
			}
		});
		System.exit(commandLine().execute(args));
	}

	/**
	 * The command line as {@link #main(String[])} runs it, for running commands in-process with other writers
	 * ({@link CommandLine#setOut}, {@link CommandLine#setErr}). Its {@code node} command adds a JVM shutdown
	 * hook that halts the JVM once the node is closed.
	 *
	 * @return a new command line over the process's environment
	 */
	public static CommandLine commandLine() {
		return commandLine(System.getenv(), Lifecycle.JVM);
	}

	/** A command line with its own environment and process hooks (tests). */
	static CommandLine commandLine(Map<String, String> env, Lifecycle lifecycle) {
		CommandLine cl = new CommandLine(new NodeCli(env, lifecycle));
		cl.setCaseInsensitiveEnumValuesAllowed(true);
		cl.setParameterExceptionHandler(USAGE_ERROR);
		cl.setExecutionExceptionHandler(FAILURE);
		return cl;
	}

	/** Called without a command: explains what is missing. */
	@Override
	public void run() {
		throw new ParameterException(spec.commandLine(), "Missing command: choose one of "
				+ String.join(", ", spec.subcommands().keySet()));
	}

	/** An environment variable, {@code null} when unset. */
	String env(String name) {
		return env.get(name);
	}

	Lifecycle lifecycle() {
		return lifecycle;
	}

	/** Bad arguments: the message and where to read more, not the whole usage, then exit code 2. */
	private static final IParameterExceptionHandler USAGE_ERROR = (ex, args) -> {
		CommandLine cl = ex.getCommandLine();
		PrintWriter err = cl.getErr();
		err.println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
		if (!UnmatchedArgumentException.printSuggestions(ex, err)) {
			err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
		}
		err.flush();
		return USAGE;
	};

	/** A failure while running: one line for an explained one, the stack trace for a surprise; exit code 1. */
	private static final IExecutionExceptionHandler FAILURE = (ex, cl, parseResult) -> {
		PrintWriter err = cl.getErr();
		if (ex instanceof CliException) {
			err.println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
		}
		else {
			err.println(cl.getCommandSpec().qualifiedName() + ": unexpected failure: " + ex);
			ex.printStackTrace(err);
		}
		err.flush();
		return FAILED;
	};

	/** The version from the jar's manifest. */
	static final class Version implements CommandLine.IVersionProvider {
		@Override
		public String[] getVersion() {
			String version = NodeCli.class.getPackage().getImplementationVersion();
			return new String[] { "tributary-node " + (version == null ? "(development build)" : version),
					"Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")" };
		}
	}
}
