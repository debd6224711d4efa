package io.tributary.storage.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.client.SSLMode;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.tributary.Event;
import io.tributary.spi.DeadLetterStore;
import io.tributary.spi.EventStore;
import io.tributary.spi.IdempotencyStore;
import io.tributary.spi.ProjectionStore;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

import org.jspecify.annotations.Nullable;

/**
 * Storage on PostgreSQL through r2dbc-postgresql and r2dbc-pool: several nodes, each with its own storage and its own
 * {@linkplain Builder#node(String) node name}, share one database. The store is {@linkplain EventStore#shared()
 * shared}: positions are {@code (transaction id << 20) + ordinal} and position-ordered reads stop below the visibility
 * horizon (see {@code docs/SCALING.md}); the projection is a table of entities with their state as {@code jsonb};
 * every table holding users' data has row-level security (see {@code docs/STORAGE.md}).
 * <p>
 * Every operation borrows a pooled connection, validated before use: after PostgreSQL restarts, the store works again
 * by itself; while it is down, every operation fails within the {@linkplain Builder#acquireTimeout(Duration) acquire
 * timeout} with a {@link io.tributary.StorageUnavailableException} naming the database. Publishers are cold; the SQL
 * runs on the driver's event loop, parameters and results travel in PostgreSQL's binary format, and what a publisher
 * emits is handed on from two threads of the storage's own (named {@code tributary-pg-NODE-*},
 * daemons, stopped by {@link #close()}), never from the event loop.
 *
 * <pre>{@code
 * Storage storage = PostgresStorage.builder()
 *         .uri(PostgresUri.parse("postgresql://tributary@localhost:5432/tributary"))
 *         .password(System.getenv("PGPASSWORD"))
 *         .node("node-1")
 *         .open().block();
 * }</pre>
 */
public final class PostgresStorage implements Storage {

	private static final Logger log = Loggers.getLogger(PostgresStorage.class);

	/** The schema scripts in order (under {@code /schema/postgres/}); the version of a script is its index plus one. */
	static final List<String> SCRIPTS = List.of("V1__init.sql");

	/**
	 * The threads a storage hands its results on from, so that the callers' work never runs on the driver's event
	 * loop: two, so that one caller's long continuation (a commit's projection, a page's encoding) does not hold up the
	 * results of the others.
	 */
	static final int HAND_OFF_THREADS = 2;

	/** The advisory lock the nodes take while one of them migrates the schema. */
	private static final long MIGRATION_LOCK = 0x7472_6962_7574_6172L;

	/** The tables erasure rewrites, so that no old version of an erased row stays in their files. */
	private static final String ERASED_TABLES = "tributary_event, tributary_entity, tributary_conflict, "
			+ "tributary_dead_letter, tributary_idempotency_key";

	private final PgExecutor executor;
	private final String node;
	private final String description;
	private final PgEventStore events;
	private final PgProjectionStore projections;
	private final PgDeadLetterStore deadLetters;
	private final PgIdempotencyStore idempotencyKeys;
	private volatile PgCommitFeed feed;

	private PostgresStorage(PgExecutor executor, String node, String description) {
		this.executor = executor;
		this.node = node;
		this.description = description;
		this.events = new PgEventStore(executor);
		this.projections = new PgProjectionStore(executor, node);
		this.deadLetters = new PgDeadLetterStore(executor);
		this.idempotencyKeys = new PgIdempotencyStore(executor);
	}

	/**
	 * A builder; without further settings it opens {@code postgresql://tributary@localhost:5432/tributary} as node
	 * {@code node}.
	 *
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public EventStore events() {
		return events;
	}

	@Override
	public ProjectionStore projections() {
		return projections;
	}

	@Override
	public DeadLetterStore deadLetters() {
		return deadLetters;
	}

	@Override
	public IdempotencyStore idempotencyKeys() {
		return idempotencyKeys;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The origin is kept per node name: every node sharing the database gets its own. Two nodes may not offer the same
	 * candidate: the second open's call errors.
	 */
	@Override
	public Mono<String> origin(String candidate) {
		return executor.inTransaction(c -> PgSql.update(c, "INSERT INTO tributary_node (node, origin) VALUES ($1, $2) "
				+ "ON CONFLICT (node) DO NOTHING", node, candidate)
				.then(PgSql.query(c, "SELECT origin FROM tributary_node WHERE node = $1", row -> row.get(0, String.class),
						node).single()));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The user's events become blanks, and the saved projection (of every node), the user's conflicts, dead letters
	 * and idempotency keys go, in one transaction; then {@code VACUUM FULL} rewrites those tables, so that the old
	 * row versions do not stay in their files. It holds an exclusive lock on each table while it rewrites it: the
	 * other nodes' appends wait. What PostgreSQL still holds after that (the write-ahead log, backups) is in
	 * {@code docs/STORAGE.md}.
	 */
	@Override
	public Mono<Long> erase(String userId) {
		return executor.inTransaction(c -> PgEventStore.erase(c, userId)
				.flatMap(n -> PgProjectionStore.discard(c, userId)
						.then(PgSql.update(c, "DELETE FROM tributary_dead_letter WHERE user_id = $1", userId))
						.then(PgSql.update(c, "DELETE FROM tributary_idempotency_key WHERE scope = $1", userId))
						.thenReturn(n)))
				.flatMap(n -> executor.read(c -> PgSql.update(c, "VACUUM (FULL) " + ERASED_TABLES).flux()).then()
						.thenReturn(n));
	}

	@Override
	public Mono<List<Event>> fill(List<Event> filling) {
		return executor.inTransaction(c -> PgEventStore.fill(c, filling)
				.flatMap(filled -> filled.isEmpty() ? Mono.just(filled)
						: PgProjectionStore.discard(c, null).thenReturn(filled)));
	}

	/**
	 * Runs a query as an application user would: in one transaction that takes the role {@code tributary_app} (which
	 * row-level security limits to one user's rows) and sets {@code tributary.user_id} for that transaction only
	 * ({@code set_config(..., true)}), so nothing of it stays on the pooled connection. The storage's own role must be
	 * a member of {@code tributary_app} (the schema grants it to the role that created it).
	 *
	 * <pre>{@code
	 * storage.asUser("alice", "SELECT document FROM tributary_entity WHERE entity_type = $1",
	 *         row -> row.get(0, String.class), "todo");
	 * }</pre>
	 *
	 * @param userId the user whose rows the query may see
	 * @param sql the query, with {@code $1}-style parameters
	 * @param row maps a row; runs on the driver's event loop
	 * @param binds the parameters' values
	 * @param <T> the type of a mapped row
	 * @return the mapped rows; cold
	 */
	public <T> Flux<T> asUser(String userId, String sql, Function<? super Readable, ? extends T> row, Object... binds) {
		Objects.requireNonNull(userId, "userId");
		return executor.inTransaction(c -> PgSql.update(c, "SET LOCAL ROLE tributary_app")
				.then(PgSql.query(c, "SELECT set_config('tributary.user_id', $1, true)", r -> "", userId).then())
				.then(PgSql.query(c, sql, row, binds).collectList()))
				.flatMapIterable(Function.identity());
	}

	@Override
	public Mono<Void> close() {
		// the feed first: it lets go of its pooled connections before the pool is disposed
		return Mono.defer(() -> {
			PgCommitFeed f = feed;
			return f == null ? Mono.<Void>empty() : f.close();
		}).then(executor.close());
	}

	/** Starts the commit feed from where the log stands now (below the horizon). */
	private Mono<PostgresStorage> startFeed(ConnectionFactory listen, ConnectionFactory pool, boolean notify,
			Duration poll, Duration throttle) {
		return events.lastPosition().map(at -> {
			PgCommitFeed f = new PgCommitFeed(events, listen, pool, notify, poll, throttle, PgCommitFeed.DEFAULT_PAGE,
					Schedulers.parallel());
			feed = f;
			events.feed(f, at);
			return this;
		});
	}

	/**
	 * The database and node, without the password.
	 *
	 * @return a description
	 */
	@Override
	public String toString() {
		return "PostgresStorage{" + description + ", node=" + node + "}";
	}

	/** Applies the schema scripts newer than the stored version, under an advisory lock, in one transaction. */
	static Mono<Void> migrate(PgExecutor executor) {
		// the scripts are read from the jar off the driver's event loop, which must not block
		return Mono.fromCallable(() -> SCRIPTS.stream().map(PostgresStorage::script).toList())
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(texts -> migrate(executor, texts));
	}

	private static Mono<Void> migrate(PgExecutor executor, List<String> texts) {
		return executor.inTransaction(c -> PgSql.query(c, "SELECT pg_advisory_xact_lock($1)", row -> "", MIGRATION_LOCK)
				.then()
				.then(PgSql.update(c, "CREATE TABLE IF NOT EXISTS tributary_schema_version (version INT NOT NULL PRIMARY KEY, "
						+ "script TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"))
				.then(PgSql.scalar(c, "SELECT COALESCE(MAX(version), 0) FROM tributary_schema_version"))
				.flatMap(current -> {
					if (current > SCRIPTS.size()) {
						return Mono.error(new IllegalStateException("database schema version " + current
								+ " is newer than this Tributary supports (" + SCRIPTS.size() + ")"));
					}
					return Flux.range(current.intValue() + 1, SCRIPTS.size() - current.intValue())
							.concatMap(version -> PgSql.update(c, texts.get(version - 1))
									.then(PgSql.update(c, "INSERT INTO tributary_schema_version (version, script) "
											+ "VALUES ($1, $2)", version, SCRIPTS.get(version - 1))))
							.then();
				}));
	}

	private static String script(String name) {
		try (InputStream in = PostgresStorage.class.getResourceAsStream("/schema/postgres/" + name)) {
			if (in == null) {
				throw new IllegalStateException("schema script missing from the jar: " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Warns when the server would acknowledge commits it has not made durable. */
	private static Mono<Void> checkDurability(PgExecutor executor, String description) {
		return executor.read(c -> PgSql.query(c, "SELECT current_setting('fsync'), current_setting('synchronous_commit')",
				row -> List.of(String.valueOf(row.get(0, String.class)), String.valueOf(row.get(1, String.class)))))
				.next()
				.doOnNext(settings -> {
					if (!"on".equals(settings.get(0))) {
						log.warn("{}: fsync is {}: acknowledged writes may be lost when the machine stops", description,
								settings.get(0));
					}
				})
				.then();
	}

	/**
	 * Configures and opens a {@link PostgresStorage}. Settings are checked when set; {@link #toString()} hides the
	 * password.
	 */
	public static final class Builder {

		private String host = "localhost";
		private int port = PostgresUri.DEFAULT_PORT;
		private String database = "tributary";
		private String user = "tributary";
		private @Nullable String password;
		private Map<String, String> parameters = Map.of();
		private String node = "node";
		private int poolSize = 10;
		private Duration connectTimeout = Duration.ofSeconds(5);
		private Duration acquireTimeout = Duration.ofSeconds(10);
		private boolean notifications = true;
		private Duration pollInterval = PgCommitFeed.DEFAULT_POLL;
		private Duration notifyThrottle = PgCommitFeed.DEFAULT_NOTIFY_THROTTLE;

		private Builder() {
		}

		/**
		 * Host, port, database and user from a URI (and its password, if it holds one, and its parameters:
		 * {@code sslmode}, {@code application_name}; others are sent as settings of the session).
		 *
		 * @param uri the address
		 * @return this builder
		 */
		public Builder uri(PostgresUri uri) {
			Objects.requireNonNull(uri, "uri");
			this.host = uri.host();
			this.port = uri.port();
			this.database = uri.database();
			this.user = uri.user();
			if (uri.password() != null) {
				this.password = uri.password();
			}
			this.parameters = uri.parameters();
			return this;
		}

		/**
		 * The server's host. Default {@code localhost}.
		 *
		 * @param value the host
		 * @return this builder
		 */
		public Builder host(String value) {
			this.host = Objects.requireNonNull(value, "host");
			return this;
		}

		/**
		 * The server's port. Default 5432.
		 *
		 * @param value 1 to 65535
		 * @return this builder
		 */
		public Builder port(int value) {
			if (value < 1 || value > 65_535) {
				throw new IllegalArgumentException("port must be 1 to 65535: " + value);
			}
			this.port = value;
			return this;
		}

		/**
		 * The database. Default {@code tributary}.
		 *
		 * @param value the database
		 * @return this builder
		 */
		public Builder database(String value) {
			this.database = Objects.requireNonNull(value, "database");
			return this;
		}

		/**
		 * The user to log in as. Default {@code tributary}.
		 *
		 * @param value the user
		 * @return this builder
		 */
		public Builder user(String value) {
			this.user = Objects.requireNonNull(value, "user");
			return this;
		}

		/**
		 * The password; never logged or shown.
		 *
		 * @param value the password, {@code null} for none
		 * @return this builder
		 */
		public Builder password(@Nullable String value) {
			this.password = value;
			return this;
		}

		/**
		 * The node's name: the key of its origin and of its projection checkpoint among the nodes sharing the
		 * database. Each node needs its own, kept across restarts. Default {@code node}.
		 *
		 * @param value the name, not blank
		 * @return this builder
		 */
		public Builder node(String value) {
			if (value == null || value.isBlank()) {
				throw new IllegalArgumentException("node name must not be blank");
			}
			this.node = value;
			return this;
		}

		/**
		 * The most connections the storage holds. Default 10.
		 *
		 * @param value at least 1
		 * @return this builder
		 */
		public Builder poolSize(int value) {
			if (value < 1) {
				throw new IllegalArgumentException("pool size must be at least 1: " + value);
			}
			this.poolSize = value;
			return this;
		}

		/**
		 * How long opening a connection may take. Default 5 seconds.
		 *
		 * @param value positive
		 * @return this builder
		 */
		public Builder connectTimeout(Duration value) {
			this.connectTimeout = positive(value, "connect timeout");
			return this;
		}

		/**
		 * How long an operation may wait for a connection before it fails with a
		 * {@link io.tributary.StorageUnavailableException}: waiting for a free one, replacing idle ones a restart of the
		 * server broke and opening a new one (each within the connect timeout) together, so while the database is
		 * down every operation fails within this time. Default 10 seconds.
		 *
		 * @param value positive
		 * @return this builder
		 */
		public Builder acquireTimeout(Duration value) {
			this.acquireTimeout = positive(value, "acquire timeout");
			return this;
		}

		/**
		 * Whether the nodes wake each other with {@code LISTEN}/{@code NOTIFY} after commits (see
		 * {@code docs/SCALING.md}): a node sends a payload-free notification after its commits, at most once per
		 * {@link #notifyThrottle(Duration)}, and listens on a connection of its own, besides the pool. Off for engines
		 * without them (CockroachDB): {@link #pollInterval(Duration)} alone then carries other nodes' commits.
		 * Default on.
		 *
		 * @param value whether to notify and listen
		 * @return this builder
		 */
		public Builder notifications(boolean value) {
			this.notifications = value;
			return this;
		}

		/**
		 * How long the commit feed waits for a notification before it reads again anyway; alone it is correct, so it
		 * bounds how late other nodes' commits are seen when no notification comes. Default 500 ms.
		 *
		 * @param value positive
		 * @return this builder
		 */
		public Builder pollInterval(Duration value) {
			this.pollInterval = positive(value, "poll interval");
			return this;
		}

		/**
		 * The shortest time between two notifications of this node: the first commit after a quiet spell notifies
		 * at once, the commits within the interval after it share one notification at its end. Default 5 ms.
		 *
		 * @param value not negative
		 * @return this builder
		 */
		public Builder notifyThrottle(Duration value) {
			if (value == null || value.isNegative()) {
				throw new IllegalArgumentException("notify throttle must not be negative: " + value);
			}
			this.notifyThrottle = value;
			return this;
		}

		private static Duration positive(Duration value, String what) {
			if (value == null || value.isNegative() || value.isZero()) {
				throw new IllegalArgumentException(what + " must be positive: " + value);
			}
			return value;
		}

		/**
		 * Opens the pool, creating or migrating the schema.
		 *
		 * @return the storage; errors with a {@link io.tributary.TributaryException} when the database cannot be
		 *         reached, or an {@link IllegalArgumentException} for a bad URI parameter
		 */
		public Mono<PostgresStorage> open() {
			String description = "postgresql://" + user + "@" + host + ":" + port + "/" + database;
			String name = node;
			@Nullable String secret = password;
			Map<String, String> params = parameters;
			int size = poolSize;
			Duration connect = connectTimeout;
			Duration acquire = acquireTimeout;
			boolean notify = notifications;
			Duration poll = pollInterval;
			Duration throttle = notifyThrottle;
			String h = host;
			int p = port;
			String db = database;
			String u = user;
			return Mono.defer(() -> {
				Map<String, String> options = new HashMap<>();
				// every commit this store acknowledges is durable, whatever the server's default
				options.put("synchronous_commit", "on");
				// parameters the store binds most and every result binary: no hex text of bytea to encode or parse
				PostgresqlConnectionConfiguration.Builder config = PostgresqlConnectionConfiguration.builder()
						.host(h).port(p).database(db).username(u).connectTimeout(connect).tcpKeepAlive(true)
						.applicationName("tributary-" + name).forceBinary(true).codecRegistrar(PgBinaryCodec.registrar());
				if (secret != null) {
					config.password(secret);
				}
				for (Map.Entry<String, String> param : params.entrySet()) {
					switch (param.getKey()) {
						case "sslmode" -> config.sslMode(SSLMode.fromValue(param.getValue()));
						case "application_name" -> config.applicationName(param.getValue());
						case "connect_timeout" -> config.connectTimeout(Duration.ofSeconds(Long.parseLong(param.getValue())));
						default -> options.put(param.getKey(), param.getValue());
					}
				}
				config.options(options);
				PostgresqlConnectionFactory direct = new PostgresqlConnectionFactory(config.build());
				ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(direct)
						.name("tributary-" + name)
						.initialSize(0)
						.maxSize(size)
						.maxAcquireTime(acquire)
						.maxCreateConnectionTime(connect)
						.maxValidationTime(connect)
						// a connection broken by a restart of the server fails its validation and is replaced: an
						// acquire may go through every idle connection before it opens a new one
						.validationQuery("SELECT 1")
						.acquireRetry(size + 1)
						.maxIdleTime(Duration.ofMinutes(10))
						.build());
				PgExecutor executor = new PgExecutor(pool, Mono.defer(pool::disposeLater), description, acquire,
						Schedulers.newParallel("tributary-pg-" + name, HAND_OFF_THREADS, true));
				return migrate(executor)
						.then(checkDurability(executor, description))
						.thenReturn(new PostgresStorage(executor, name, description))
						.flatMap(s -> s.startFeed(direct, pool, notify, poll, throttle))
						.onErrorResume(e -> executor.close().then(Mono.error(e)));
			});
		}

		/**
		 * The settings, the password hidden.
		 *
		 * @return a description
		 */
		@Override
		public String toString() {
			return "PostgresStorage.Builder{postgresql://" + user + "@" + host + ":" + port + "/" + database + ", node="
					+ node + ", password=" + (password == null ? "none" : "***") + ", poolSize=" + poolSize + "}";
		}
	}
}
