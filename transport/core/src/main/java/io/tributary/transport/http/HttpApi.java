package io.tributary.transport.http;

import java.time.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryIdempotencyStore;
import io.tributary.spi.IdempotencyStore;
import io.tributary.transport.PeerDirectory;
import io.tributary.transport.client.Upstreams;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

/**
 * The HTTP API of a node: sltt_core's change log endpoints, entity reads, a server-sent-event tail,
 * stats, a convergence hash, explicit peer syncs and Prometheus metrics, as JSON over a
 * {@link SyncEngine}. {@code GET /api/help} on a running server lists every endpoint.
 * <pre>{@code
 * HttpApi api = HttpApi.builder(engine).token(token).peers(directory).meterRegistry(registry).build();
 * DisposableServer server = api.bind("127.0.0.1", 8080).block();
 * }</pre>
 * The same API mounts into a host's Reactor Netty server under a path prefix, beside the host's own routes:
 * {@link #routes(String)}.
 * <p>
 * Immutable and thread-safe; one {@code HttpApi} may be bound (and mounted) several times. Handlers run on Reactor
 * Netty's event loops and never block them: engine calls complete on the storage's threads, and the
 * response is written from there.
 * <p>
 * Every client mistake is answered with a 4xx status and a body {@code {"error","message"}}; an
 * unexpected failure with a 500 of the same shape and an ERROR log line. When a token (or users' tokens,
 * {@link Builder#users}) is configured every endpoint but {@code GET /health} requires
 * {@code Authorization: Bearer <token>}; a host that authenticates requests itself sets an
 * {@link Builder#authenticator(Authenticator)} instead.
 */
public final class HttpApi {

	/** Default for {@link Builder#maxBodyBytes(int)}: 1 MiB. */
	public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

	/** Default for {@link Builder#heartbeat(Duration)}: 15 s. */
	public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

	/** Default for {@link Builder#idempotencyRetention(Duration)}: 24 hours. */
	public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);

	// RFC 6750 b64token
	private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

	// empty, or segments of URI unreserved characters, without a trailing slash
	private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9\\-._~]+)*");

	private final SyncEngine engine;
	private final String token;
	private final UserTokens users;
	private final Authenticator authenticator;
	private final PeerDirectory peers;
	private final Upstreams upstreams;
	private final PrometheusMeterRegistry meterRegistry;
	private final int maxBodyBytes;
	private final Duration heartbeat;
	private final Duration idempotencyRetention;
	private final IdempotencyKeys idempotencyKeys;
	private final Path certificateChain;
	private final Path privateKey;
	private final Runnable shutdown;

	private HttpApi(Builder b, PrometheusMeterRegistry registry) {
		this.engine = b.engine;
		this.token = b.token;
		this.users = b.users;
		this.authenticator = b.authenticator;
		this.peers = b.peers;
		this.upstreams = b.upstreams;
		this.meterRegistry = registry;
		this.maxBodyBytes = b.maxBodyBytes;
		this.heartbeat = b.heartbeat;
		this.idempotencyRetention = b.idempotencyRetention;
		this.idempotencyKeys = new IdempotencyKeys(b.idempotencyStore != null ? b.idempotencyStore
				: new InMemoryIdempotencyStore(), b.idempotencyRetention, b.clock);
		this.certificateChain = b.certificateChain;
		this.privateKey = b.privateKey;
		this.shutdown = b.shutdown;
	}

	/**
	 * A builder for an API over an engine.
	 *
	 * @param engine the engine to serve; the API never closes it
	 * @return a new builder with the defaults
	 */
	public static Builder builder(SyncEngine engine) {
		return new Builder(Objects.requireNonNull(engine, "engine"));
	}

	/**
	 * Binds a server. Cold: nothing happens until subscription. The server follows the engine's log for
	 * {@code /api/stats} from the first stats request on and stops when the server is disposed.
	 *
	 * @param host the address to listen on, such as {@code 127.0.0.1} or {@code 0.0.0.0}
	 * @param port the port, 0 for any free one
	 * @return the bound server (dispose it to stop); errors with {@link IllegalArgumentException} for a
	 *         port out of range, {@link IllegalStateException} when the HTTPS certificate or key cannot be
	 *         read, or the bind error
	 */
	public Mono<DisposableServer> bind(String host, int port) {
		Objects.requireNonNull(host, "host");
		return Mono.defer(() -> {
			if (port < 0 || port > 65_535) {
				return Mono.error(new IllegalArgumentException("port must be from 0 to 65535, was " + port));
			}
			if (certificateChain == null) {
				return bind(HttpServer.create(), host, port);
			}
			// reading the certificate and key blocks: off the event loops
			return Mono.fromCallable(this::httpsContext)
					.subscribeOn(Schedulers.boundedElastic())
					.flatMap(context -> bind(HttpServer.create().secure(spec -> spec.sslContext(context)), host, port));
		});
	}

	private Mono<DisposableServer> bind(HttpServer http, String host, int port) {
		return Mono.defer(() -> {
			ApiRoutes api = routes("");
			return http
					.host(host)
					.port(port)
					// a client that stalls while sending a request does not hold a connection for ever;
					// neither applies while a response (such as a stream) is being written
					.readTimeout(Duration.ofSeconds(30))
					.idleTimeout(Duration.ofMinutes(2))
					.route(api)
					.bind()
					.doOnNext(bound -> bound.onDispose(api))
					.doOnError(e -> api.dispose());
		});
	}

	/**
	 * The API as routes to mount into a host's Reactor Netty server under a path prefix
	 * ({@code HttpServer.create().route(r -> { api.routes("/sync").accept(r); r.get("/mine", ...); })}): the
	 * prefix and every path under it are the API's, with every endpoint, authentication, error answer and metric
	 * as {@link #bind(String, int)} serves them; {@code GET <prefix>/api/help} lists the paths with the prefix. The
	 * API's HTTPS setting ({@link Builder#tls}) does not apply: the host's server decides. Each call starts the
	 * API's background work anew (see {@link ApiRoutes}): dispose the routes with the host's server.
	 *
	 * @param prefix {@code ""} for the root, else {@code /} and segments of {@code A-Z a-z 0-9 - . _ ~}, without a
	 *        trailing slash, such as {@code /sync} or {@code /tributary/v1}
	 * @return the routes
	 * @throws IllegalArgumentException for a malformed prefix
	 */
	public ApiRoutes routes(String prefix) {
		Objects.requireNonNull(prefix, "prefix");
		if (!PREFIX.matcher(prefix).matches()) {
			throw new IllegalArgumentException("prefix must be empty or '/' and segments of A-Z a-z 0-9 - . _ ~ "
					+ "without a trailing slash, such as /sync; was '" + prefix + "'");
		}
		return new ApiRoutes(new ApiServer(this, prefix));
	}

	/** Built when the server is bound, so that a bad file fails the bind rather than every handshake. */
	private SslContext httpsContext() {
		try {
			return Http11SslContextSpec.forServer(certificateChain.toFile(), privateKey.toFile()).sslContext();
		}
		catch (SSLException | RuntimeException e) {
			throw new IllegalStateException("cannot set up HTTPS from " + certificateChain + " and " + privateKey + ": "
					+ e.getMessage(), e);
		}
	}

	SyncEngine engine() {
		return engine;
	}

	/** What {@code POST /api/shutdown} runs once answered, {@code null} when it is not offered. */
	Runnable shutdown() {
		return shutdown;
	}

	String token() {
		return token;
	}

	UserTokens users() {
		return users;
	}

	Authenticator authenticator() {
		return authenticator;
	}

	PeerDirectory peers() {
		return peers;
	}

	Upstreams upstreams() {
		return upstreams;
	}

	PrometheusMeterRegistry meterRegistry() {
		return meterRegistry;
	}

	int maxBodyBytes() {
		return maxBodyBytes;
	}

	Duration heartbeat() {
		return heartbeat;
	}

	Duration idempotencyRetention() {
		return idempotencyRetention;
	}

	IdempotencyKeys idempotencyKeys() {
		return idempotencyKeys;
	}

	/**
	 * The configuration, without the token.
	 *
	 * @return text for logs
	 */
	@Override
	public String toString() {
		return "HttpApi{origin=" + engine.origin() + ", token=" + (token == null ? "none" : "****")
				+ ", authenticator=" + (authenticator != null)
				+ ", maxBodyBytes=" + maxBodyBytes + ", heartbeat=" + heartbeat + ", idempotencyRetention="
				+ idempotencyRetention + ", https=" + (certificateChain != null) + "}";
	}

	/**
	 * A host's own authentication of the API's requests, in place of the API's token and users' tokens: it
	 * decides who a request acts for, or refuses it. Called on the connection's event loop for every request but
	 * those of the open endpoints ({@code GET /health} and the dashboard's files), before the path is told to be
	 * known or not; it must not block (return a {@code Mono} that completes later for slow checks).
	 * <pre>{@code
	 * HttpApi.builder(engine)
	 *         .authenticator(request -> Mono.justOrEmpty(sessions.userOf(request.requestHeaders().get("X-Session")))
	 *                 .map(Caller::user))
	 *         .build();
	 * }</pre>
	 */
	@FunctionalInterface
	public interface Authenticator {

		/**
		 * Authenticates one request.
		 *
		 * @param request the request: its headers, cookies and address
		 * @return who the request acts for; empty to refuse it (401 {@code unauthorized}); an error is answered 500
		 *         and logged
		 */
		Mono<Caller> authenticate(HttpServerRequest request);
	}

	/**
	 * Configures an {@link HttpApi}; checked in {@link #build()}. Not thread-safe; the built API is.
	 */
	public static final class Builder {
		private final SyncEngine engine;
		private String token;
		private UserTokens users;
		private Authenticator authenticator;
		private PeerDirectory peers = PeerDirectory.none();
		private Upstreams upstreams = Upstreams.none();
		private PrometheusMeterRegistry meterRegistry;
		private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
		private Duration heartbeat = DEFAULT_HEARTBEAT;
		private IdempotencyStore idempotencyStore;
		private Duration idempotencyRetention = DEFAULT_IDEMPOTENCY_RETENTION;
		private Clock clock = Clock.systemUTC();
		private Path certificateChain;
		private Path privateKey;
		private Runnable shutdown;

		private Builder(SyncEngine engine) {
			this.engine = engine;
		}

		/**
		 * The bearer token clients must send; {@code null} (the default) serves without authentication.
		 *
		 * @param token an RFC 6750 token ({@code A-Z a-z 0-9 - . _ ~ + /}, then {@code =} padding), or null
		 * @return this builder
		 */
		public Builder token(String token) {
			this.token = token;
			return this;
		}

		/**
		 * Tokens that each act for one user (the same {@link UserTokens} as the peer port's, so a grant or a
		 * revocation holds for both). A request with a user's token reads and writes through
		 * {@link SyncEngine#forUser(String)}: the change log and the stream show other users' events as blanks,
		 * entity reads and stats show the user's own, writes are stamped with the user and refused (403
		 * {@code forbidden}) for another user or another user's entity; the node's own endpoints (syncs,
		 * convergence, metrics) answer 403. Default: none.
		 *
		 * @param tokens the tokens, {@code null} for none
		 * @return this builder
		 */
		public Builder users(UserTokens tokens) {
			this.users = tokens;
			return this;
		}

		/**
		 * The host's own authentication, in place of the token and users' tokens (which must then not be set): the
		 * authenticator decides who each request acts for or refuses it. Default: none, the token and users' tokens
		 * decide.
		 *
		 * @param value the authenticator, {@code null} for none
		 * @return this builder
		 */
		public Builder authenticator(Authenticator value) {
			this.authenticator = value;
			return this;
		}

		/**
		 * The peers shown by {@code /api/stats} and synced by {@code POST /api/sync}. Default: none.
		 *
		 * @param peers the directory
		 * @return this builder
		 */
		public Builder peers(PeerDirectory peers) {
			this.peers = Objects.requireNonNull(peers, "peers");
			return this;
		}

		/**
		 * The upstreams driven by {@code /api/sync/outsync}, {@code /downsync}, {@code /sync} and
		 * {@code /status}. Default: none.
		 *
		 * @param value the upstreams
		 * @return this builder
		 */
		public Builder upstreams(Upstreams value) {
			this.upstreams = Objects.requireNonNull(value, "upstreams");
			return this;
		}

		/**
		 * The registry {@code /metrics} exposes and the request metrics go to; give the engine the same one
		 * to expose its metrics too. Default: a registry of the API's own.
		 *
		 * @param registry the registry
		 * @return this builder
		 */
		public Builder meterRegistry(PrometheusMeterRegistry registry) {
			this.meterRegistry = Objects.requireNonNull(registry, "registry");
			return this;
		}

		/**
		 * The largest request body accepted; a larger one gets 413. Default 1 MiB.
		 *
		 * @param bytes the limit, at least 1
		 * @return this builder
		 */
		public Builder maxBodyBytes(int bytes) {
			this.maxBodyBytes = bytes;
			return this;
		}

		/**
		 * How often {@code /api/stream} sends a comment line to keep idle connections open. Default 15 s.
		 *
		 * @param interval a positive interval
		 * @return this builder
		 */
		public Builder heartbeat(Duration interval) {
			this.heartbeat = Objects.requireNonNull(interval, "interval");
			return this;
		}

		/**
		 * Where the answers to requests with an {@code Idempotency-Key} header are kept (see {@code docs/NODE.md},
		 * "Idempotent writes"); give the storage's ({@link io.tributary.spi.Storage#idempotencyKeys()}) for keys
		 * that survive a restart, as the standalone node ({@code SyncNode}) does. Default: a store in memory.
		 *
		 * @param store the store
		 * @return this builder
		 */
		public Builder idempotencyKeys(IdempotencyStore store) {
			this.idempotencyStore = Objects.requireNonNull(store, "store");
			return this;
		}

		/**
		 * Serves HTTPS instead of plain HTTP (HTTP/1.1 over TLS). Default: plain HTTP.
		 *
		 * @param certificateChain PEM file of the server's certificate chain, leaf first; {@code null} for plain
		 *        HTTP
		 * @param privateKey PEM file of its PKCS#8 private key, unencrypted
		 * @return this builder
		 */
		public Builder tls(Path certificateChain, Path privateKey) {
			this.certificateChain = certificateChain;
			this.privateKey = privateKey;
			return this;
		}

		/**
		 * How long an idempotency key is kept: within it, a retry with the key gets the first answer again;
		 * after it, the key is free and purged in the background. Default 24 hours.
		 *
		 * @param value a positive duration
		 * @return this builder
		 */
		public Builder idempotencyRetention(Duration value) {
			this.idempotencyRetention = Objects.requireNonNull(value, "value");
			return this;
		}

		/**
		 * The clock that dates idempotency keys (tests set one). Default: the system's, in UTC.
		 *
		 * @param value the clock
		 * @return this builder
		 */
		public Builder clock(Clock value) {
			this.clock = Objects.requireNonNull(value, "clock");
			return this;
		}

		/**
		 * Offers {@code POST /api/shutdown} (the node's token only): the request is answered 202, then
		 * {@code stop} runs once, on a thread of its own, and is expected to close the server gracefully. Default:
		 * none, and the endpoint answers 409 {@code not_stoppable}.
		 *
		 * @param stop what stops the server, {@code null} for none
		 * @return this builder
		 */
		public Builder shutdown(Runnable stop) {
			this.shutdown = stop;
			return this;
		}

		/**
		 * Checks the settings and builds the API.
		 *
		 * @return the API
		 * @throws IllegalArgumentException for an invalid token, body limit, heartbeat or idempotency retention, or
		 *         an authenticator beside a token or users' tokens
		 */
		public HttpApi build() {
			if (authenticator != null && (token != null || users != null)) {
				throw new IllegalArgumentException("an authenticator replaces the token and the users' tokens: set "
						+ "either the authenticator or the tokens");
			}
			if (token != null && !TOKEN.matcher(token).matches()) {
				throw new IllegalArgumentException(
						"token must be a non-empty bearer token of A-Z a-z 0-9 - . _ ~ + / and trailing =");
			}
			if (maxBodyBytes < 1) {
				throw new IllegalArgumentException("maxBodyBytes must be at least 1, was " + maxBodyBytes);
			}
			if ((certificateChain == null) != (privateKey == null)) {
				throw new IllegalArgumentException("HTTPS needs both a certificate chain and its private key");
			}
			if (heartbeat.isNegative() || heartbeat.isZero()) {
				throw new IllegalArgumentException("heartbeat must be positive, was " + heartbeat);
			}
			if (idempotencyRetention.isNegative() || idempotencyRetention.isZero()) {
				throw new IllegalArgumentException("idempotency retention must be positive, was " + idempotencyRetention);
			}
			PrometheusMeterRegistry registry = meterRegistry != null ? meterRegistry
					: new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
			return new HttpApi(this, registry);
		}

		@Override
		public String toString() {
			return "HttpApi.Builder{token=" + (token == null ? "none" : "****") + ", maxBodyBytes=" + maxBodyBytes + "}";
		}
	}
}
