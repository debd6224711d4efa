package io.tributary.storage.h2;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import io.tributary.spi.DeadLetterStore;
import io.tributary.Event;
import io.tributary.spi.EventStore;
import io.tributary.spi.IdempotencyStore;
import io.tributary.spi.ProjectionStore;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Storage on embedded H2 through r2dbc-h2: a file database by default, in memory for tests.
 * <p>
 * The storage owns three threads, each with a held connection (see {@code docs/STORAGE.md}): all H2 work
 * runs there, never on the caller's thread. Every append is written to a write-ahead file in the data
 * directory (to the operating system) before it commits and is acknowledged, so acknowledged writes survive
 * {@code kill -9}; {@link Durability#POWER_LOSS} also syncs that file to the device. H2 stores its pages on
 * its own schedule, and the events it had not stored when the process died are put back at the next open.
 *
 * <pre>{@code
 * Storage storage = H2Storage.builder().directory(Path.of("data")).open().block();
 * }</pre>
 */
public final class H2Storage implements Storage {

	private static final Logger log = Loggers.getLogger(H2Storage.class);

	/** The schema scripts in order; the version of a script is its index plus one. */
	static final List<String> SCRIPTS = List.of("V1__init.sql", "V2__dead_letters.sql", "V3__idempotency_keys.sql",
			"V4__keyed_projection.sql");

	/** The system property of H2's cache of small values. */
	static final String OBJECT_CACHE = "h2.objectCache";

	static {
		// H2 looks every small value it makes up in a cache of recent ones, by hashing its bytes: every event body
		// appended and read was hashed for that (a few per cent of the writer's and the reader's time), for no
		// gain, since bodies do not repeat. H2 reads the property once, when it loads; a value the application
		// set first is kept.
		if (System.getProperty(OBJECT_CACHE) == null) {
			System.setProperty(OBJECT_CACHE, "false");
		}
	}

	/** Database files open in this JVM: a second storage on one file would corrupt positions. */
	private static final java.util.Set<String> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

	private final H2Executor executor;
	private final H2EventStore events;
	private final H2ProjectionStore projections;
	private final H2DeadLetterStore deadLetters;
	private final H2IdempotencyStore idempotencyKeys;
	private final String description;

	private final String lockKey;
	private final int recovered;

	private H2Storage(H2Executor executor, H2EventStore events, String description, String lockKey, int recovered) {
		this.lockKey = lockKey;
		this.recovered = recovered;
		this.executor = executor;
		this.events = events;
		this.projections = new H2ProjectionStore(executor);
		this.deadLetters = new H2DeadLetterStore(executor);
		this.idempotencyKeys = new H2IdempotencyStore(executor);
		this.description = description;
	}

	/**
	 * A builder; without further settings it opens {@code ./data/tributary.mv.db}.
	 *
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * How many events this open put back from the write-ahead log: events acknowledged before a crash that
	 * H2 had not yet stored in its file. 0 after a clean close, and always in memory.
	 *
	 * @return the number of events
	 */
	public int recoveredAtOpen() {
		return recovered;
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

	@Override
	public Mono<String> origin(String candidate) {
		return executor.inTransaction(c -> meta(c, "origin")
				.switchIfEmpty(putMeta(c, "origin", candidate).thenReturn(candidate)));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The events, folds and conflicts change in one transaction; then the database file is rewritten
	 * ({@code SHUTDOWN COMPACT}, see {@code docs/STORAGE.md}), since H2 keeps old page versions in the file.
	 * Reads wait while the file is rewritten.
	 */
	@Override
	public Mono<Long> erase(String userId) {
		return executor.inTransaction(c -> H2EventStore.erase(c, userId)
				.flatMap(n -> projections.discard(c, userId)
						.then(Sql.update(c, "DELETE FROM tributary_dead_letter WHERE user_id = $1", userId))
						.thenReturn(n)))
				.flatMap(n -> executor.rewrite().thenReturn(n));
	}

	@Override
	public Mono<List<Event>> fill(List<Event> filling) {
		return executor.inTransaction(c -> events.fill(c, filling)
				.flatMap(filled -> filled.isEmpty() ? Mono.just(filled) : projections.discard(c, null).thenReturn(filled)));
	}

	@Override
	public Mono<Void> close() {
		// release the directory only once the connections are closed, before completion is signalled
		return executor.close()
				.onErrorResume(e -> Mono.fromRunnable(() -> OPEN.remove(lockKey)).then(Mono.error(e)))
				.then(Mono.fromRunnable(() -> OPEN.remove(lockKey)));
	}

	@Override
	public String toString() {
		return "H2Storage{" + description + "}";
	}

	static Mono<String> meta(H2Executor executor, String name) {
		return executor.read(c -> meta(c, name).flux()).next();
	}

	static Mono<String> meta(Connection c, String name) {
		return Sql.query(c, "SELECT val FROM tributary_meta WHERE name = $1", row -> row.get(0, String.class), name).next();
	}

	static Mono<Long> putMeta(Connection c, String name, String value) {
		return Sql.update(c, "MERGE INTO tributary_meta (name, val) KEY (name) VALUES ($1, $2)", name, value);
	}

	/** Applies the schema scripts newer than the stored version, each with its version row. */
	static Mono<Integer> migrate(H2Executor executor) {
		return executor.onWriter(c -> Sql.update(c, "CREATE TABLE IF NOT EXISTS tributary_schema_version ("
				+ "version INT NOT NULL PRIMARY KEY, script VARCHAR(255) NOT NULL, "
				+ "applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)")
				.then(Sql.scalar(c, "SELECT COALESCE(MAX(version), 0) FROM tributary_schema_version"))
				.flatMap(current -> {
					if (current > SCRIPTS.size()) {
						return Mono.error(new IllegalStateException("database schema version " + current
								+ " is newer than this Tributary supports (" + SCRIPTS.size() + ")"));
					}
					return Flux.range(current.intValue() + 1, SCRIPTS.size() - current.intValue())
							.concatMap(version -> Flux.fromIterable(statements(SCRIPTS.get(version - 1)))
									.concatMap(sql -> Sql.update(c, sql))
									.then(Sql.update(c,
											"INSERT INTO tributary_schema_version (version, script) VALUES ($1, $2)",
											version, SCRIPTS.get(version - 1))))
							.then(Mono.just(SCRIPTS.size()));
				}));
	}

	static List<String> statements(String script) {
		String text;
		try (InputStream in = H2Storage.class.getResourceAsStream("/schema/h2/" + script)) {
			if (in == null) {
				throw new IllegalStateException("schema script missing from the jar: " + script);
			}
			text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		List<String> out = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : text.split("\n")) {
			String trimmed = line.strip();
			if (trimmed.startsWith("--") || trimmed.isEmpty()) {
				continue;
			}
			current.append(line).append('\n');
			if (trimmed.endsWith(";")) {
				String sql = current.toString().strip();
				out.add(sql.substring(0, sql.length() - 1));
				current.setLength(0);
			}
		}
		return out;
	}

	private static Mono<H2Executor.Lane> lane(H2ConnectionFactory factory, H2Executor.H2Thread thread) {
		return Mono.from(factory.create()).cast(Connection.class).subscribeOn(thread.scheduler())
				.map(c -> new H2Executor.Lane(c, thread));
	}

	/**
	 * Configures and opens an {@link H2Storage}. Immutable settings are checked in {@link #open()}.
	 */
	public static final class Builder {
		private Path directory = Path.of("data");
		private String memoryName;
		private Durability durability = Durability.PROCESS_CRASH;
		private long segmentBytes = 64L << 20;

		private Builder() {
		}

		/**
		 * Keep the database in a directory (created when missing), as {@code tributary.mv.db}.
		 *
		 * @param dir the directory
		 * @return this builder
		 */
		public Builder directory(Path dir) {
			this.directory = Objects.requireNonNull(dir, "dir");
			this.memoryName = null;
			return this;
		}

		/**
		 * Keep the database in memory under a name, until the storage is closed.
		 *
		 * @param name the database name
		 * @return this builder
		 */
		public Builder inMemory(String name) {
			this.memoryName = Objects.requireNonNull(name, "name");
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
		 * The size past which a segment of the write-ahead log is closed; closed segments are deleted once H2
		 * has stored their events. Default 64 MiB.
		 *
		 * @param bytes the size, at least 1
		 * @return this builder
		 */
		public Builder writeAheadSegmentBytes(long bytes) {
			if (bytes < 1) {
				throw new IllegalArgumentException("write-ahead segment size must be at least 1 byte: " + bytes);
			}
			this.segmentBytes = bytes;
			return this;
		}

		/**
		 * Opens the database, creating or migrating its schema.
		 *
		 * @return the storage
		 */
		public Mono<H2Storage> open() {
			String name = memoryName;
			Path dir = directory.toAbsolutePath();
			Durability mode = durability;
			return Mono.defer(() -> {
				H2ConnectionConfiguration.Builder config = H2ConnectionConfiguration.builder();
				String description;
				if (name != null) {
					config.inMemory(name);
					description = "mem:" + name;
				}
				else {
					config.file(dir.resolve("tributary").toString());
					description = "file:" + dir;
				}
				String lockKey = name != null ? "mem:" + name : "file:" + dir.normalize();
				if (!OPEN.add(lockKey)) {
					return Mono.error(new IllegalStateException("H2 database " + description
							+ " is already open in this JVM; close the other storage first"));
				}
				// H2 stores its pages on its own schedule (WRITE_DELAY, 500 ms by default): an acknowledged append is in
				// the write-ahead log, and other writes ask for a store before they are acknowledged
				// the owner closes the database, also from its own shutdown hook: H2's hook must not close it
				// underneath (it would break in-flight writes of a node stopping on SIGTERM)
				config.property("DB_CLOSE_ON_EXIT", "FALSE");
				H2ConnectionFactory factory = new H2ConnectionFactory(config.build());
				H2Executor.H2Thread writeThread = H2Executor.thread("tributary-h2-writer");
				H2Executor.H2Thread checkpointThread = H2Executor.thread("tributary-h2-checkpoint");
				H2Executor.H2Thread readThread = H2Executor.thread("tributary-h2-reader");
				Mono<Void> mkdirs = name != null ? Mono.empty() : Mono.fromCallable(() -> Files.createDirectories(dir))
						.subscribeOn(writeThread.scheduler()).then();
				boolean power = mode == Durability.POWER_LOSS;
				long walSegment = segmentBytes;
				// the log is opened once H2 holds the directory's lock: a second process never gets this far
				return mkdirs.then(lane(factory, writeThread))
						.flatMap(w -> lane(factory, checkpointThread)
								.flatMap(cp -> lane(factory, readThread)
										.flatMap(r -> Mono.fromCallable(() -> Optional.ofNullable(
												name != null ? null : WriteAheadLog.open(dir, walSegment, power)))
												.subscribeOn(writeThread.scheduler())
												.map(wal -> new H2Executor(w, cp, r, power, factory, wal.orElse(null))))))
						.flatMap(executor -> migrate(executor)
								.then(H2EventStore.recover(executor))
								.doOnNext(n -> {
									if (n > 0) {
										log.info("{}: {} events put back from the write-ahead log", description, n);
									}
								})
								.flatMap(n -> H2EventStore.load(executor)
										.map(events -> new H2Storage(executor, events, description + " " + mode, lockKey, n)))
								.onErrorResume(e -> executor.close().then(Mono.error(e))))
						.doOnError(e -> {
							OPEN.remove(lockKey);
							writeThread.dispose();
							checkpointThread.dispose();
							readThread.dispose();
						});
			});
		}
	}
}
