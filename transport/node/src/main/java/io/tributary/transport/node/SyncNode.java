package io.tributary.transport.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.ProjectionPolicy;
import io.tributary.Redaction;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.spi.Storage;
import io.tributary.storage.h2.Durability;
import io.tributary.storage.h2.H2Storage;
import io.tributary.storage.postgres.PostgresStorage;
import io.tributary.storage.postgres.PostgresUri;
import io.tributary.transport.PeerDirectory;
import io.tributary.transport.PeerStatus;
import io.tributary.transport.SyncReport;
import io.tributary.transport.client.Upstreams;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerConnector;
import io.tributary.transport.peer.PeerLink;
import io.tributary.transport.peer.PeerServer;
import io.tributary.transport.peer.PeerTls;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;

/**
 * A standalone sync node: an engine on embedded H2 (or on a PostgreSQL database that several nodes share), a peer
 * server, a connector per configured peer and the HTTP API, started and stopped together.
 *
 * <pre>{@code
 * SyncNode node = SyncNode.builder().dataDir(Path.of("data")).httpPort(8080).peerPort(7070)
 *         .peer(PeerAddress.parse("other:7070")).start().block();
 * }</pre>
 */
public final class SyncNode {

	private static final Logger log = LoggerFactory.getLogger(SyncNode.class);

	private final SyncEngine engine;
	private final PeerServer peerServer;
	private final DisposableServer http;
	private final List<PeerConnector> connectors;
	private final Directory directory;
	private final Upstreams upstreams;
	private final NodeDirectory claimed;
	private final NodeMetrics metrics;

	private SyncNode(SyncEngine engine, PeerServer peerServer, DisposableServer http, List<PeerConnector> connectors,
			Directory directory, Upstreams upstreams, NodeDirectory claimed, NodeMetrics metrics) {
		this.metrics = metrics;
		this.upstreams = upstreams;
		this.claimed = claimed;
		this.engine = engine;
		this.peerServer = peerServer;
		this.http = http;
		this.connectors = connectors;
		this.directory = directory;
	}

	/**
	 * A builder with the defaults: data in {@code ./data}, HTTP on 8080, peers on 7070, all on 127.0.0.1.
	 *
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * The node's engine.
	 *
	 * @return the engine
	 */
	public SyncEngine engine() {
		return engine;
	}

	/**
	 * The bound HTTP port.
	 *
	 * @return the port
	 */
	public int httpPort() {
		return http.port();
	}

	/**
	 * The bound peer port.
	 *
	 * @return the port
	 */
	public int peerPort() {
		return peerServer.port();
	}

	/**
	 * The node's peers.
	 *
	 * @return the directory
	 */
	public PeerDirectory peers() {
		return directory;
	}

	/**
	 * The node's upstreams: the configured one ({@link Builder#upstream(PeerAddress)}) and others named per
	 * request.
	 *
	 * @return the upstreams
	 */
	public Upstreams upstreams() {
		return upstreams;
	}

	/**
	 * Stops gracefully: stops accepting HTTP requests and peer connections, tells peers it is going away,
	 * commits the writes already accepted, checkpoints the projection and closes the store.
	 *
	 * @param grace how long peers and clients get to finish
	 * @return completes when everything is closed
	 */
	public Mono<Void> close(Duration grace) {
		// disposeNow waits for requests in flight; it blocks, so it runs off any event loop
		return Mono.fromRunnable(() -> {
			metrics.dispose();
			connectors.forEach(PeerConnector::stop);
		})
				.then(Mono.fromRunnable(() -> {
					try {
						http.disposeNow(grace);
					}
					catch (IllegalStateException timedOut) {
						log.warn("HTTP requests still open after {}; closing them", grace);
					}
				}).subscribeOn(Schedulers.boundedElastic()))
				.then(peerServer.close(grace))
				.then(engine.closeAsync())
				.then(release(claimed))
				.doOnSuccess(v -> log.info("node {} stopped", engine.origin()));
	}

	/** Releases the data directory of a node on PostgreSQL; nothing for H2, whose database file holds the lock. */
	private static Mono<Void> release(NodeDirectory claimed) {
		return claimed == null ? Mono.empty()
				: Mono.fromRunnable(claimed::close).subscribeOn(Schedulers.boundedElastic()).then();
	}

	/** The peers as the HTTP API sees them: configured connectors and inbound sessions. */
	private static final class Directory implements PeerDirectory {
		private final SyncEngine engine;
		private final PeerConfig config;
		private final Duration syncTimeout;
		private final Map<String, PeerConnector> connectors = new ConcurrentHashMap<>();
		private volatile PeerServer server;

		Directory(SyncEngine engine, PeerConfig config, Duration syncTimeout) {
			this.engine = engine;
			this.config = config;
			this.syncTimeout = syncTimeout;
		}

		@Override
		public List<PeerStatus> peers() {
			List<PeerStatus> out = new ArrayList<>();
			VersionVector local = engine.vector();
			for (PeerLink l : links()) {
				out.add(l.status(local));
			}
			return out;
		}

		/** The configured links, then the inbound ones with a session now. */
		List<PeerLink> links() {
			List<PeerLink> out = new ArrayList<>();
			connectors.values().forEach(c -> out.add(c.link()));
			PeerServer s = server;
			if (s != null) {
				out.addAll(s.links());
			}
			return out;
		}

		@Override
		public Mono<SyncReport> syncNow(String hostPort) {
			return Mono.defer(() -> {
				PeerAddress address = PeerAddress.parse(hostPort);
				return new PeerConnector(engine, config, address, Backoff.defaults()).syncOnce(syncTimeout);
			});
		}
	}

	/**
	 * Configures and starts a {@link SyncNode}. {@link #toString()} hides the token.
	 */
	public static final class Builder {
		private Path dataDir = Path.of("data");
		private Storage storage;
		private Durability durability = Durability.PROCESS_CRASH;
		private String nodeId;
		private String host = "127.0.0.1";
		private int httpPort = 8080;
		private int peerPort = 7070;
		private String token;
		private final List<PeerAddress> peers = new ArrayList<>();
		private PeerConfig peerConfig = PeerConfig.defaults();
		private Backoff backoff = Backoff.defaults();
		private PrometheusMeterRegistry registry;
		private int maxBodyBytes = HttpApi.DEFAULT_MAX_BODY_BYTES;
		private int maxPayloadBytes = io.tributary.Limits.DEFAULT_MAX_PAYLOAD_BYTES;
		private int projectionCache = SyncEngine.DEFAULT_PROJECTION_CACHE;
		private Duration idempotencyRetention = HttpApi.DEFAULT_IDEMPOTENCY_RETENTION;
		private java.time.Clock clock = java.time.Clock.systemUTC();
		private Duration syncTimeout = Duration.ofMinutes(5);
		private PeerAddress upstream;
		private String upstreamToken;
		private UserTokens users;
		private ProjectionPolicy projection = ProjectionPolicy.defaults();
		private Redaction redaction = Redaction.none();
		private Path httpsCertificateChain;
		private Path httpsPrivateKey;
		private Runnable shutdown;
		private String postgresUri;
		private String postgresPassword;
		private int postgresPoolSize = 10;
		private boolean postgresNotify = true;
		private Duration postgresPoll = Duration.ofMillis(500);
		private Duration postgresAcquireTimeout = Duration.ofSeconds(10);

		private Builder() {
		}

		/**
		 * Where the H2 database lives. Default {@code ./data}.
		 *
		 * @param dir the directory, created when missing
		 * @return this builder
		 */
		public Builder dataDir(Path dir) {
			this.dataDir = Objects.requireNonNull(dir, "dir");
			return this;
		}

		/**
		 * A storage to use instead of H2 files in {@link #dataDir(Path)} (tests, custom stores).
		 *
		 * @param value the storage; the node closes it
		 * @return this builder
		 */
		public Builder storage(Storage value) {
			this.storage = value;
			return this;
		}

		/**
		 * Keeps the node's data in a PostgreSQL database, which other nodes may share, instead of H2 files: the
		 * events, the projection, the conflicts, the dead letters and the idempotency keys. The data directory then
		 * holds only the node's id, which names its origin in the database (see {@link #nodeId(String)}), and a lock
		 * that keeps a second process off it. Each node sharing the database needs its own data directory.
		 * The nodes wake each other with {@code LISTEN}/{@code NOTIFY} after commits (when {@code notify}) and
		 * look for other nodes' commits every {@code poll} regardless, which alone is correct. Default: H2.
		 *
		 * @param uri {@code postgresql://USER@HOST:PORT/DB}, {@code null} for H2
		 * @param password the password, {@code null} for none; never logged
		 * @param poolSize the most connections the node holds, at least 1
		 * @param notify whether to send and hear {@code NOTIFY} (off for databases without it)
		 * @param poll how often to look for other nodes' commits, positive
		 * @return this builder
		 */
		public Builder postgres(String uri, String password, int poolSize, boolean notify, Duration poll) {
			this.postgresUri = uri;
			this.postgresPassword = password;
			this.postgresPoolSize = poolSize;
			this.postgresNotify = notify;
			this.postgresPoll = Objects.requireNonNull(poll, "poll");
			return this;
		}

		/**
		 * With {@link #postgres}: how long an operation may wait for a database connection before it fails with a
		 * {@link io.tributary.StorageUnavailableException} (HTTP 503), reconnecting included (see
		 * {@code PostgresStorage.Builder#acquireTimeout}). Default 10 seconds.
		 *
		 * @param value positive
		 * @return this builder
		 */
		public Builder postgresAcquireTimeout(Duration value) {
			Objects.requireNonNull(value, "value");
			if (value.isZero() || value.isNegative()) {
				throw new IllegalArgumentException("the acquire timeout must be positive: " + value);
			}
			this.postgresAcquireTimeout = value;
			return this;
		}

		/**
		 * What acknowledged writes survive. Default {@link Durability#PROCESS_CRASH}.
		 *
		 * @param value the durability
		 * @return this builder
		 */
		public Builder durability(Durability value) {
			this.durability = Objects.requireNonNull(value, "durability");
			return this;
		}

		/**
		 * The node id (origin) to use on first start; later starts keep the stored one. Default: a new UUID.
		 *
		 * @param id the id
		 * @return this builder
		 */
		public Builder nodeId(String id) {
			this.nodeId = id;
			return this;
		}

		/**
		 * The address both servers bind. Default 127.0.0.1.
		 *
		 * @param value host name or address
		 * @return this builder
		 */
		public Builder host(String value) {
			this.host = Objects.requireNonNull(value, "host");
			return this;
		}

		/**
		 * The HTTP port, 0 for any free one. Default 8080.
		 *
		 * @param port the port
		 * @return this builder
		 */
		public Builder httpPort(int port) {
			this.httpPort = port;
			return this;
		}

		/**
		 * The peer port, 0 for any free one. Default 7070.
		 *
		 * @param port the port
		 * @return this builder
		 */
		public Builder peerPort(int port) {
			this.peerPort = port;
			return this;
		}

		/**
		 * The shared secret for peers and the HTTP API ({@code Authorization: Bearer}). Default none.
		 *
		 * @param value the token, {@code null} for none
		 * @return this builder
		 */
		public Builder token(String value) {
			this.token = value;
			return this;
		}

		/**
		 * A peer to keep a session with.
		 *
		 * @param address the peer
		 * @return this builder
		 */
		public Builder peer(PeerAddress address) {
			this.peers.add(Objects.requireNonNull(address, "address"));
			return this;
		}

		/**
		 * Protocol settings (the token set here is replaced by {@link #token(String)}).
		 *
		 * @param config the settings
		 * @return this builder
		 */
		public Builder peerConfig(PeerConfig config) {
			this.peerConfig = Objects.requireNonNull(config, "config");
			return this;
		}

		/**
		 * An upstream node this node syncs with as a client (outsync, downsync) when asked through the HTTP
		 * API. Default none.
		 *
		 * @param address the upstream's peer address, {@code null} for none
		 * @return this builder
		 */
		public Builder upstream(PeerAddress address) {
			this.upstream = address;
			return this;
		}

		/**
		 * The token presented to upstreams. Default: the node's own {@link #token(String)}.
		 *
		 * @param value the token, {@code null} for the node's own
		 * @return this builder
		 */
		public Builder upstreamToken(String value) {
			this.upstreamToken = value;
			return this;
		}

		/**
		 * Tokens that each admit one user's clients, on the peer port and the HTTP API, restricted to that user
		 * (row-level security): they push and write that user's events only, and read other users' events as
		 * blanks. They work beside the shared {@link #token(String)}. Default none.
		 *
		 * @param value the tokens, {@code null} for none
		 * @return this builder
		 */
		public Builder users(UserTokens value) {
			this.users = value;
			return this;
		}

		/**
		 * How the projection folds each entity type. Default {@link ProjectionPolicy#defaults()}
		 * (last-write-wins everywhere). Every replica of a data set must use the same policy.
		 *
		 * @param policy the policy
		 * @return this builder
		 */
		public Builder projection(ProjectionPolicy policy) {
			this.projection = Objects.requireNonNull(policy, "policy");
			return this;
		}

		/**
		 * Sensitive payload fields, replaced before an event is stored. Default {@link Redaction#none()}.
		 *
		 * @param value the redaction
		 * @return this builder
		 */
		public Builder redaction(Redaction value) {
			this.redaction = Objects.requireNonNull(value, "redaction");
			return this;
		}

		/**
		 * TLS on the peer port and for every peer and upstream this node dials (the same as
		 * {@code peerConfig(config.withTls(tls))}). Default: plain TCP.
		 *
		 * @param tls the settings, {@code null} for plain TCP
		 * @return this builder
		 */
		public Builder tls(PeerTls tls) {
			this.peerConfig = peerConfig.withTls(tls);
			return this;
		}

		/**
		 * HTTPS for the HTTP API. Default: plain HTTP.
		 *
		 * @param certificateChain PEM file of the certificate chain, leaf first; {@code null} for plain HTTP
		 * @param privateKey PEM file of its PKCS#8 private key
		 * @return this builder
		 */
		public Builder https(Path certificateChain, Path privateKey) {
			this.httpsCertificateChain = certificateChain;
			this.httpsPrivateKey = privateKey;
			return this;
		}

		/**
		 * Offers {@code POST /api/shutdown}: once it is answered, {@code stop} runs on a thread of its own and is
		 * expected to {@link SyncNode#close(Duration) close} the node (the standalone node runs its SIGTERM path).
		 * Default: none, and the endpoint answers 409.
		 *
		 * @param stop what stops the node, {@code null} for none
		 * @return this builder
		 */
		public Builder onShutdownRequest(Runnable stop) {
			this.shutdown = stop;
			return this;
		}

		/**
		 * Reconnect delays. Default 100 ms doubling to 10 s, jittered.
		 *
		 * @param value the backoff
		 * @return this builder
		 */
		public Builder backoff(Backoff value) {
			this.backoff = Objects.requireNonNull(value, "backoff");
			return this;
		}

		/**
		 * Where metrics go (served on {@code /metrics}). Default: a new Prometheus registry.
		 *
		 * @param value the registry
		 * @return this builder
		 */
		public Builder meterRegistry(PrometheusMeterRegistry value) {
			this.registry = value;
			return this;
		}

		/**
		 * The largest HTTP request body. Default 1 MiB.
		 *
		 * @param bytes the limit
		 * @return this builder
		 */
		public Builder maxBodyBytes(int bytes) {
			this.maxBodyBytes = bytes;
			return this;
		}

		/**
		 * The largest payload of one event, as {@link SyncEngine.Builder#maxPayloadBytes(int)} sets it: nodes that
		 * replicate with each other should share it (a peer with a smaller one refuses larger events one by one,
		 * and the sender keeps them as dead letters). The peer frame must hold such an event
		 * ({@link io.tributary.Limits#frameBytesFor(int)}), else {@link #start()} fails. Default 256 KiB.
		 *
		 * @param bytes the limit, positive
		 * @return this builder
		 */
		public Builder maxPayloadBytes(int bytes) {
			this.maxPayloadBytes = bytes;
			return this;
		}

		/**
		 * How many entity folds the engine keeps in memory, as {@link SyncEngine.Builder#projectionCache(int)} sets
		 * it. Default {@value SyncEngine#DEFAULT_PROJECTION_CACHE}.
		 *
		 * @param entities the cache's capacity, at least 1
		 * @return this builder
		 */
		public Builder projectionCache(int entities) {
			this.projectionCache = entities;
			return this;
		}

		/**
		 * How long the HTTP API keeps an idempotency key ({@link HttpApi.Builder#idempotencyRetention(Duration)}).
		 * The keys are kept in the node's storage ({@link Storage#idempotencyKeys()}; in memory when it keeps
		 * none), so they survive a restart. Default 24 hours.
		 *
		 * @param value a positive duration
		 * @return this builder
		 */
		public Builder idempotencyRetention(Duration value) {
			this.idempotencyRetention = Objects.requireNonNull(value, "value");
			return this;
		}

		/**
		 * The clock that dates the HTTP API's idempotency keys (tests set one). Default: the system's, in UTC.
		 *
		 * @param value the clock
		 * @return this builder
		 */
		public Builder clock(java.time.Clock value) {
			this.clock = Objects.requireNonNull(value, "clock");
			return this;
		}

		/**
		 * Opens the store and the engine, binds both servers and starts the connectors.
		 *
		 * @return the running node; on failure everything opened so far is closed again
		 */
		public Mono<SyncNode> start() {
			return Mono.defer(() -> {
				if (httpPort < 0 || httpPort > 65535 || peerPort < 0 || peerPort > 65535) {
					return Mono.error(new IllegalArgumentException("ports must be within 0 to 65535"));
				}
				PrometheusMeterRegistry metrics = registry != null ? registry
						: new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
				metrics.config().meterFilter(NodeMetrics.PROMETHEUS_NAMES);
				if (maxPayloadBytes < 1) {
					return Mono.error(new IllegalArgumentException("maxPayloadBytes must be positive: " + maxPayloadBytes));
				}
				if (peerConfig.maxFrameBytes() < io.tributary.Limits.frameBytesFor(maxPayloadBytes)) {
					return Mono.error(new IllegalArgumentException("a payload limit of " + maxPayloadBytes
							+ " bytes needs peer frames of at least " + io.tributary.Limits.frameBytesFor(maxPayloadBytes)
							+ " bytes; frames are at most " + peerConfig.maxFrameBytes()));
				}
				PeerConfig pc = peerConfig.withToken(token).withUsers(users);
				List<PeerAddress> peerList = List.copyOf(peers);
				if (storage == null && postgresUri != null) {
					return Mono.fromCallable(() -> NodeDirectory.claim(dataDir, nodeId))
							.subscribeOn(Schedulers.boundedElastic())
							.flatMap(claimed -> Mono.defer(() -> PostgresStorage.builder().uri(PostgresUri.parse(postgresUri))
									.password(postgresPassword).node(claimed.id()).poolSize(postgresPoolSize)
									.notifications(postgresNotify).pollInterval(postgresPoll)
									.acquireTimeout(postgresAcquireTimeout).open())
									.flatMap(s -> open(s, claimed.id(), metrics, pc, peerList, claimed))
									.onErrorResume(e -> release(claimed).then(Mono.error(e))));
				}
				Mono<Storage> store = storage != null ? Mono.just(storage)
						: H2Storage.builder().directory(dataDir).durability(durability).open().cast(Storage.class);
				return store.flatMap(s -> open(s, nodeId, metrics, pc, peerList, null));
			});
		}

		/** Opens the engine on the storage, binds both servers and starts the connectors. */
		private Mono<SyncNode> open(Storage s, String origin, PrometheusMeterRegistry metrics, PeerConfig pc,
				List<PeerAddress> peerList, NodeDirectory claimed) {
			io.tributary.spi.IdempotencyStore[] keys = new io.tributary.spi.IdempotencyStore[1];
			return Mono.defer(() -> {
					keys[0] = idempotencyKeys(s);
					SyncEngine.Builder eb = SyncEngine.builder().storage(s).meterRegistry(metrics).projection(projection)
							.redaction(redaction).maxPayloadBytes(maxPayloadBytes).projectionCache(projectionCache);
					if (origin != null) {
						eb.origin(origin);
					}
					return eb.open().onErrorResume(e -> s.close().then(Mono.error(e)));
				}).flatMap(engine -> {
					Directory directory = new Directory(engine, pc, syncTimeout);
					Upstreams ups = new Upstreams(engine, peerConfig.withToken(null).withTypes(null).withUsers(null), upstream,
							upstreamToken != null ? upstreamToken : token);
					// deferred: anything that fails while the server is configured ends in the error path below,
					// which closes the engine and releases the store
					return Mono.defer(() -> PeerServer.bind(engine, pc, host, peerPort))
							.flatMap(peerServer -> {
								directory.server = peerServer;
								return HttpApi.builder(engine).token(token).users(users).peers(directory).upstreams(ups).meterRegistry(metrics)
										.maxBodyBytes(maxBodyBytes).idempotencyKeys(keys[0])
										.idempotencyRetention(idempotencyRetention).clock(clock)
										.tls(httpsCertificateChain, httpsPrivateKey).shutdown(shutdown).build().bind(host, httpPort)
										.onErrorResume(e -> peerServer.close(Duration.ofSeconds(1)).then(Mono.error(e)))
										.map(http -> {
											List<PeerConnector> connectors = new ArrayList<>();
											for (PeerAddress p : peerList) {
												PeerConnector c = new PeerConnector(engine, pc, p, backoff);
												directory.connectors.put(p.toString(), c);
												connectors.add(c);
												c.start();
											}
											log.info("node {} serving HTTP on {}:{} and peers on {}:{}", engine.origin(),
													host, http.port(), host, peerServer.port());
											NodeMetrics nodeMetrics = new NodeMetrics(metrics, engine, s,
													storage == null && claimed == null ? dataDir : null, connectors,
													peerServer, ups);
											return new SyncNode(engine, peerServer, http, connectors, directory, ups,
													claimed, nodeMetrics);
										});
							})
							.onErrorResume(e -> engine.closeAsync().then(Mono.error(e)));
				});
		}

		/** The storage's idempotency keys, or keys in memory (with a warning) when it keeps none. */
		private static io.tributary.spi.IdempotencyStore idempotencyKeys(Storage s) {
			try {
				return s.idempotencyKeys();
			}
			catch (UnsupportedOperationException e) {
				log.warn("{}: idempotency keys are kept in memory only, a restart forgets them", e.getMessage());
				return new io.tributary.memory.InMemoryIdempotencyStore();
			}
		}

		@Override
		public String toString() {
			return "SyncNode.Builder[dataDir=" + dataDir + ", host=" + host + ", httpPort=" + httpPort + ", peerPort="
					+ peerPort + ", token=" + (token == null ? "none" : "****") + ", peers=" + peers + ", upstream="
					+ (upstream == null ? "none" : upstream) + ", upstreamToken=" + (upstreamToken == null ? "none" : "****")
					+ ", users=" + (users == null ? "none" : users) + ", tls=" + peerConfig.tls() + ", https="
					+ (httpsCertificateChain != null) + ", redaction=" + redaction + ", postgres="
					+ (postgresUri == null ? "none" : postgresUri.replaceFirst("(://[^/@:]*):[^/@]*@", "$1:****@")) + "]";
		}
	}
}
