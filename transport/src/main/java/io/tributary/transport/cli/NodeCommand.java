package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.r2dbc.spi.R2dbcException;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.SyncNode;
import io.tributary.transport.peer.PeerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import reactor.core.Exceptions;
import reactor.netty.ChannelBindException;

/**
 * {@code node}: runs a {@link SyncNode} until the process is asked to stop (SIGTERM, SIGINT), then closes it
 * gracefully from a shutdown hook and exits 0.
 */
@Command(name = "node", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Runs a sync node: the event store in DIR, the HTTP API on the HTTP port, the peer "
				+ "protocol on the peer port, and a session with every --peer.",
				"Once both ports are bound it prints one line to standard output:",
				"  tributary node <id> ready: http=<host>:<port> peer=<host>:<port>",
				"Logs go to standard error. SIGTERM or SIGINT stops it gracefully: no new requests or peer "
						+ "connections, accepted writes committed, the store closed; then it exits 0." },
		footerHeading = "%nConfig file:%n",
		footer = { "Java properties, one key=value per line, # for comments. The keys are the long option names "
				+ "without dashes: data, http-port, peer-port, host, token, peer (comma-separated), node-id, "
				+ "durability, grace, max-body-bytes, upstream, upstream-token, user-token (comma-separated "
				+ "TOKEN=USER items), idempotency-retention. Flags override the file; a relative data is resolved "
				+ "against the file's directory.",
				"",
				"Exit codes: 0 stopped cleanly, 1 could not start or stop cleanly, 2 bad arguments." })
final class NodeCommand implements Callable<Integer> {

	private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

	/** Opening a large store replays its log: generous, but a start that hangs still ends. */
	private static final Duration START_TIMEOUT = Duration.ofMinutes(10);

	/** Beyond the grace: how long closing the store may take before the process gives up and exits 1. */
	private static final Duration CLOSE_MARGIN = Duration.ofSeconds(30);

	/** H2's error code when another process holds the database file. */
	private static final int H2_DATABASE_ALREADY_OPEN = 90020;

	@ParentCommand
	NodeCli cli;

	@Spec
	CommandSpec spec;

	@Option(names = "--data", paramLabel = "DIR",
			description = "Directory of the node's database, created when missing. Required, here or in the config "
					+ "file. One node per directory: a second one fails to start.")
	Path data;

	@Option(names = "--http-port", paramLabel = "PORT",
			description = "Port of the HTTP API, 0 for any free one. Required, here or in the config file.")
	Integer httpPort;

	@Option(names = "--peer-port", paramLabel = "PORT",
			description = "Port peers connect to, 0 for any free one. Required, here or in the config file.")
	Integer peerPort;

	@Option(names = "--host", paramLabel = "HOST",
			description = "Address both ports bind; 0.0.0.0 for every interface. Default: " + NodeSettings.DEFAULT_HOST
					+ ".")
	String host;

	@Option(names = "--token", paramLabel = "TOKEN",
			description = "Shared secret: peers must present it and HTTP clients send 'Authorization: Bearer TOKEN' "
					+ "(all but GET /health). Default: the environment variable " + NodeSettings.TOKEN_VARIABLE
					+ ", else none. Prefer the variable or the config file: other users can see arguments.")
	String token;

	@Option(names = "--peer", paramLabel = "HOST:PORT", split = ",", converter = PeerAddressConverter.class,
			description = "A peer's peer port to keep a session with, reconnecting when it drops. Repeat the option "
					+ "or separate with commas.")
	List<PeerAddress> peers;

	@Option(names = "--node-id", paramLabel = "ID",
			description = "The node's id on first start; later starts keep the stored one. Default: a new UUID.")
	String nodeId;

	@Option(names = "--durability", paramLabel = "MODE",
			description = "What an acknowledged write survives: PROCESS_CRASH (committed to the operating system) "
					+ "or POWER_LOSS (also synced to the device). Default: PROCESS_CRASH.")
	Durability durability;

	@Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "On stop, how long clients and peers get to finish, e.g. 500ms, 10s, 1m. Default: 10s.")
	Duration grace;

	@Option(names = "--max-body-bytes", paramLabel = "BYTES",
			description = "Largest HTTP request body. Default: 1048576.")
	Integer maxBodyBytes;

	@Option(names = "--upstream", paramLabel = "HOST:PORT", converter = PeerAddressConverter.class,
			description = "An upstream node's peer port: this node syncs with it as a client when asked (POST "
					+ "/api/sync/outsync, /downsync, /sync; the outsync, downsync and sync commands). Default: none.")
	PeerAddress upstream;

	@Option(names = "--upstream-token", paramLabel = "TOKEN",
			description = "The token presented to the upstream. Default: none.")
	String upstreamToken;

	@Option(names = "--user-token", paramLabel = "TOKEN=USER", split = ",",
			description = "A token that admits one user's clients, which may only push events of that user "
					+ "(row-level security). Repeat the option or separate with commas.")
	List<String> userTokens;

	@Option(names = "--idempotency-retention", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "How long the HTTP API keeps an Idempotency-Key: within it a retry of POST /api/changes "
					+ "with the key is answered as the first time; keys survive restarts. E.g. 30m, 24h. Default: 24h.")
	Duration idempotencyRetention;

	@Option(names = "--config", paramLabel = "FILE",
			description = "A config file with any of the settings above; flags override it.")
	Path config;

	@Override
	public Integer call() {
		NodeSettings settings = settings();
		log.info("starting node: {}", settings);
		SyncNode node;
		try {
			node = settings.builder().start().block(START_TIMEOUT);
		}
		catch (RuntimeException e) {
			log.debug("start failed", e);
			throw new CliException("cannot start: " + describe(Exceptions.unwrap(e), settings), e);
		}
		String id = node.engine().origin();
		PrintWriter out = spec.commandLine().getOut();
		CountDownLatch stopped = new CountDownLatch(1);
		AtomicInteger exitCode = new AtomicInteger(NodeCli.FAILED);
		// registered before the ready line: whoever waits for that line and then signals gets a graceful stop
		cli.lifecycle().onShutdown(() -> {
			log.info("node {} stopping, grace {}", id, DurationConverter.format(settings.grace()));
			try {
				node.close(settings.grace()).block(settings.grace().plus(CLOSE_MARGIN));
				exitCode.set(NodeCli.OK);
				out.println("tributary node " + id + " stopped");
				out.flush();
			}
			catch (RuntimeException e) {
				log.error("node {} did not stop cleanly", id, e);
			}
			stopped.countDown();
			cli.lifecycle().halt(exitCode.get());
		});
		out.println("tributary node " + id + " ready: http=" + hostPort(settings.host(), node.httpPort()) + " peer="
				+ hostPort(settings.host(), node.peerPort()));
		out.flush();
		awaitUninterruptibly(stopped);
		return exitCode.get();
	}

	/** The flags, then the config file, then the environment and defaults. */
	NodeSettings settings() {
		try {
			NodeSettings.Partial flags = new NodeSettings.Partial(data, host, httpPort, peerPort, token, peers, nodeId,
					durability, grace, maxBodyBytes, upstream, upstreamToken,
					userTokens == null ? null : NodeSettings.Partial.userTokens(userTokens), idempotencyRetention);
			NodeSettings.Partial file = config == null ? NodeSettings.Partial.NONE : NodeSettings.Partial.read(config);
			return flags.or(file).complete(cli::env);
		}
		catch (IllegalArgumentException e) {
			throw new ParameterException(spec.commandLine(), e.getMessage());
		}
	}

	/** One sentence on why a node did not start, for the operator; the stack trace is logged at debug. */
	static String describe(Throwable error, NodeSettings settings) {
		for (Throwable t = error; t != null; t = t.getCause()) {
			if (t instanceof ChannelBindException) {
				ChannelBindException bind = (ChannelBindException) t;
				String which = bind.localPort() == settings.httpPort() ? "HTTP port"
						: bind.localPort() == settings.peerPort() ? "peer port" : "port";
				return "the " + which + " " + hostPort(bind.localHost(), bind.localPort()) + " is unavailable ("
						+ rootMessage(t) + ")";
			}
			if (t instanceof BindException) {
				return "a port is unavailable (" + t.getMessage() + ")";
			}
			if (isDatabaseInUse(t)) {
				return "the data directory " + settings.dataDir().toAbsolutePath()
						+ " is in use by another process (one node per directory)";
			}
		}
		String top = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
		String root = rootMessage(error);
		return root.equals(top) || top.contains(root) ? top : top + " (" + root + ")";
	}

	private static boolean isDatabaseInUse(Throwable t) {
		return t instanceof SQLException && ((SQLException) t).getErrorCode() == H2_DATABASE_ALREADY_OPEN
				|| t instanceof R2dbcException && ((R2dbcException) t).getErrorCode() == H2_DATABASE_ALREADY_OPEN;
	}

	private static String rootMessage(Throwable error) {
		Throwable root = error;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
	}

	static String hostPort(String host, int port) {
		return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await();
				break;
			}
			catch (InterruptedException e) {
				// only the shutdown hook ends a running node
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}
}
