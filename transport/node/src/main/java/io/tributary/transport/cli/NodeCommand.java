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
import io.tributary.transport.node.SyncNode;
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
				"Logs go to standard error. SIGTERM or SIGINT (or the stop command, POST /api/shutdown) stops it "
						+ "gracefully: no new requests or peer connections, accepted writes committed, the store "
						+ "closed; then it exits 0." },
		footerHeading = "%nConfig file:%n",
		footer = { "Java properties, one key=value per line, # for comments. The keys are the long option names "
				+ "without dashes: data, http-port, peer-port, host, token, peer (comma-separated), node-id, "
				+ "durability, grace, max-body-bytes, upstream, upstream-token, user-token (comma-separated "
				+ "TOKEN=USER items), policy (comma-separated TYPE=STRATEGY items), default-policy, origin-ranking "
				+ "(comma-separated), redact-field (comma-separated), redact-path (comma-separated), peer-tls-cert, "
				+ "peer-tls-key, peer-tls-ca, peer-mtls (true or false), https-cert, https-key, idempotency-retention, "
				+ "max-payload-bytes, projection-cache, postgres, postgres-password, postgres-pool-size, postgres-notify, "
				+ "postgres-poll, postgres-acquire-timeout. Flags override the file; a list given as flags replaces the file's; a relative "
				+ "data or certificate file is resolved against the file's directory.",
				"",
				"Policies: LAST_WRITE_WINS (the default), FIELD_MERGE (concurrent patches of different fields both "
						+ "survive), ORIGIN_PRIORITY (a write from an origin higher in --origin-ranking wins), "
						+ "CUSTOM:CLASS (a class on the classpath implementing io.tributary.CustomResolver with a public "
						+ "no-argument constructor; run with java -cp tributary-node.jar:fold.jar "
						+ "io.tributary.transport.cli.NodeCli node ...). Every replica of a data set needs the same "
						+ "policies and redaction.",
				"",
				"Certificates and keys are PEM files; a key is unencrypted PKCS#8 (BEGIN PRIVATE KEY).",
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
			description = "Directory of the node's database, created when missing (with --postgres: of its node id "
					+ "only). Required, here or in the config file. One node per directory: a second one fails to "
					+ "start.")
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

	@Option(names = "--max-payload-bytes", paramLabel = "BYTES",
			description = "Largest payload of one event (its JSON as stored); nodes that sync with each other should "
					+ "share it: a peer with a smaller one refuses larger events one by one. Default: 262144.")
	Integer maxPayloadBytes;

	@Option(names = "--projection-cache", paramLabel = "ENTITIES",
			description = "Entity folds the node keeps in memory besides those waiting for a projection checkpoint; "
					+ "the rest stays in the store and is looked up when needed, so memory does not grow with the "
					+ "number of entities (about 500 bytes per fold of a 100-byte document). Default: 200000.")
	Integer projectionCache;

	@Option(names = "--upstream", paramLabel = "HOST:PORT", converter = PeerAddressConverter.class,
			description = "An upstream node's peer port: this node syncs with it as a client when asked (POST "
					+ "/api/sync/outsync, /downsync, /sync; the outsync, downsync and sync commands). Default: none.")
	PeerAddress upstream;

	@Option(names = "--upstream-token", paramLabel = "TOKEN",
			description = "The token presented to upstreams, the configured one and those given to sync --upstream. "
					+ "Default: the node's own token.")
	String upstreamToken;

	@Option(names = "--user-token", paramLabel = "TOKEN=USER", split = ",",
			description = "A token that admits one user's clients, which may only push events of that user "
					+ "(row-level security). Repeat the option or separate with commas.")
	List<String> userTokens;

	@Option(names = "--idempotency-retention", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "How long the HTTP API keeps an Idempotency-Key: within it a retry of POST /api/changes "
					+ "with the key is answered as the first time; keys survive restarts. E.g. 30m, 24h. Default: 24h.")
	Duration idempotencyRetention;

	@Option(names = "--policy", paramLabel = "TYPE=STRATEGY", split = ",",
			description = "How the projection folds concurrent writes to one entity type: LAST_WRITE_WINS, "
					+ "FIELD_MERGE, ORIGIN_PRIORITY or CUSTOM:CLASS (e.g. todo=FIELD_MERGE, "
					+ "notes=ORIGIN_PRIORITY, x=CUSTOM:com.example.MyFold). Repeat the option or separate with commas.")
	List<String> policies;

	@Option(names = "--default-policy", paramLabel = "STRATEGY",
			description = "The policy of types without a --policy: LAST_WRITE_WINS, FIELD_MERGE or ORIGIN_PRIORITY. "
					+ "Default: LAST_WRITE_WINS.")
	String defaultPolicy;

	@Option(names = "--origin-ranking", paramLabel = "ORIGIN", split = ",",
			description = "For ORIGIN_PRIORITY: the origins (node ids), highest first, e.g. hub,phone; one ranking "
					+ "for every type. Origins not listed rank lowest. Required with ORIGIN_PRIORITY.")
	List<String> originRanking;

	@Option(names = "--redact-field", paramLabel = "[TYPE:]NAME", split = ",",
			description = "A payload key whose values are replaced by \"[REDACTED]\" before events are stored, at "
					+ "any depth; with TYPE: in that type's payloads only. Repeat or separate with commas.")
	List<String> redactFields;

	@Option(names = "--redact-path", paramLabel = "[TYPE:]A.B", split = ",",
			description = "A dot-separated path from the payload's root to redact, e.g. card.number or "
					+ "patient:contact.email. Repeat or separate with commas.")
	List<String> redactPaths;

	@Option(names = "--peer-tls-cert", paramLabel = "FILE",
			description = "TLS on the peer port and for the peers and upstreams this node dials: this node's "
					+ "certificate chain (PEM). Needs --peer-tls-key. Default: plain TCP.")
	Path peerTlsCert;

	@Option(names = "--peer-tls-key", paramLabel = "FILE",
			description = "The private key of --peer-tls-cert (PEM, PKCS#8).")
	Path peerTlsKey;

	@Option(names = "--peer-tls-ca", paramLabel = "FILE",
			description = "The CA certificates (PEM) trusted for peers' certificates. Default: the JVM's CAs.")
	Path peerTlsCa;

	@Option(names = "--peer-mtls",
			description = "Mutual TLS: the peer port refuses a peer without a certificate signed by --peer-tls-ca, "
					+ "and this node presents its certificate when it dials.")
	Boolean peerMtls;

	@Option(names = "--https-cert", paramLabel = "FILE",
			description = "Serve the HTTP API over HTTPS with this certificate chain (PEM). Needs --https-key. "
					+ "Default: plain HTTP.")
	Path httpsCert;

	@Option(names = "--https-key", paramLabel = "FILE", description = "The private key of --https-cert (PEM, PKCS#8).")
	Path httpsKey;

	@Option(names = "--postgres", paramLabel = "URI",
			description = "Keep the node's data in this PostgreSQL database instead of H2 files: "
					+ "postgresql://USER@HOST:PORT/DB. Several nodes may share one database (each keeps its id in its "
					+ "own --data directory). The password comes from the config file's postgres-password, else the "
					+ "environment variable " + PostgresSettings.PASSWORD_VARIABLE + "; never in the URI. Default: H2.")
	String postgres;

	@Option(names = "--postgres-pool-size", paramLabel = "N",
			description = "With --postgres: the most database connections the node holds (one more listens for "
					+ "other nodes' commits). Default: " + PostgresSettings.DEFAULT_POOL_SIZE + ".")
	Integer postgresPoolSize;

	@Option(names = "--postgres-notify", paramLabel = "true|false", arity = "1",
			description = "With --postgres: wake the other nodes with LISTEN/NOTIFY after commits; false for "
					+ "databases without it (CockroachDB), where --postgres-poll alone carries the changes. Default: "
					+ "true.")
	Boolean postgresNotify;

	@Option(names = "--postgres-poll", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "With --postgres: how often the node looks for other nodes' commits when no notification "
					+ "wakes it, e.g. 100ms, 1s. Default: 500ms.")
	Duration postgresPoll;

	@Option(names = "--postgres-acquire-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "With --postgres: how long a write or read may wait for a database connection before it "
					+ "fails (HTTP 503), reconnecting included; while the database does not answer, a write fails "
					+ "within about twice this. Default: 10s.")
	Duration postgresAcquireTimeout;

	@Option(names = "--config", paramLabel = "FILE",
			description = "A config file with any of the settings above; flags override it.")
	Path config;

	@Override
	public Integer call() {
		NodeSettings settings = settings();
		log.info("starting node: {}", settings);
		SyncNode node;
		try {
			node = settings.builder().onShutdownRequest(cli.lifecycle()::stop).start().block(START_TIMEOUT);
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
					userTokens == null ? null : NodeSettings.Partial.userTokens(userTokens), policies, defaultPolicy,
					originRanking, redactFields, redactPaths, peerTlsCert, peerTlsKey, peerTlsCa, peerMtls, httpsCert,
					httpsKey, idempotencyRetention, maxPayloadBytes, projectionCache,
					new PostgresSettings(postgres, null, postgresPoolSize, postgresNotify, postgresPoll,
							postgresAcquireTimeout));
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
