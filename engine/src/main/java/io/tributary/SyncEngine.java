package io.tributary;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.internal.DefaultSyncEngine;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.jspecify.annotations.Nullable;

/**
 * A replica: it stamps local writes into events, commits them durably in groups, folds them into
 * entity states and streams them to subscribers and peers.
 * <p>
 * Open one with {@code SyncEngine.builder().storage(...).open()}. All methods are non-blocking and
 * thread-safe. Write {@code Mono}s complete, in commit order, on the engine's completion thread
 * ({@code tributary-completions}) once the event is durable: work done there delays the answers to other
 * writers, so use {@code publishOn} for heavy work. Cancelling a write after subscription does not
 * withdraw it: it may still commit.
 * <p>
 * What it offers readers and writers is declared in {@link ReplicaView}; this interface adds what belongs to the
 * whole replica (its origin, vector, signals, users, erase, fill, checkpoints, close). What the peer protocol and
 * other extensions need beyond that is on {@link io.tributary.spi.EngineAdmin}.
 * <p>
 * An engine is {@link AutoCloseable}: {@link #close()} blocks until it is closed (within the builder's
 * {@link Builder#closeTimeout(Duration) close timeout}), so it serves try-with-resources and, as a Spring bean, is
 * closed on shutdown (Spring infers {@code close} as the destroy method); reactive code uses {@link #closeAsync()}.
 */
public interface SyncEngine extends ReplicaView, AutoCloseable {

	/**
	 * The default of {@link Builder#projectionCache(int)}: entity folds kept in memory, whatever the number of
	 * entities; about 100 MB of heap at the ~500 bytes a fold of a 100-byte document takes (more for larger
	 * documents, and up to about twice as many folds while a checkpoint is being saved).
	 */
	int DEFAULT_PROJECTION_CACHE = 200_000;

	/**
	 * A builder with the defaults.
	 *
	 * @return a new builder
	 */
	static Builder builder() {
		return new Builder();
	}

	/**
	 * This replica's origin id.
	 *
	 * @return the id
	 */
	String origin();

	/**
	 * The largest payload this engine accepts.
	 *
	 * @return bytes
	 */
	int maxPayloadBytes();

	/**
	 * The entity types the projection holds, sorted.
	 *
	 * @return a snapshot taken on subscription
	 */
	Flux<String> types();

	/**
	 * The vector of committed events.
	 *
	 * @return the vector at this moment
	 */
	VersionVector vector();

	/**
	 * The position of the newest committed event.
	 *
	 * @return the position, 0 when none
	 */
	long lastPosition();

	/**
	 * Stored conflicts, oldest first (pending ones are saved first).
	 *
	 * @param type entity type, or {@code null} for all
	 * @param limit most conflicts
	 * @return the conflicts
	 */
	Flux<Conflict> conflicts(@Nullable String type, int limit);

	/**
	 * The engine's signals. Hot: from subscription on; delivered on a {@code boundedElastic} thread, never
	 * the committing one. A slow subscriber loses the oldest signals (counted by the
	 * {@code tributary.taps.dropped} metric), and never slows writes.
	 *
	 * @return the signals
	 */
	Flux<SyncSignal> signals();

	/**
	 * How this replica folds events into entity state; replicas compare its
	 * {@link ProjectionPolicy#fingerprint(java.util.Set) fingerprint} when they connect.
	 *
	 * @return the policy the engine was built with
	 */
	ProjectionPolicy projection();

	/**
	 * The user this replica works for, when row-level security is on; see {@link #switchUser(String)}.
	 *
	 * @return the user id, or {@code null} when every user's data is accepted
	 */
	@Nullable String currentUser();

	/**
	 * Sets the user this replica works for (on login), or {@code null} to accept every user's data. With a user
	 * set: local writes are stamped with it, and a write naming another user fails with
	 * {@link RowLevelSecurityException} (nothing stored); peer events ({@link #apply(List)}) of another user, or
	 * of no user, are refused: counted in {@link ApplyResult#refused()}, signalled as
	 * {@link SyncSignal.RemoteRefused} and stored as blanks ({@link Event#blank()}). Reads on the engine itself
	 * stay unfiltered: read through {@link #forUser(String)} to see one user's rows only.
	 *
	 * @param userId the user, or {@code null}
	 */
	void switchUser(@Nullable String userId);

	/**
	 * One user's view of this engine: reads filtered to the user's rows, writes stamped and checked, peer events
	 * of other users refused. For a node serving several users.
	 *
	 * @param userId the user
	 * @return the view
	 */
	UserView forUser(String userId);

	/**
	 * Erases a user's data from this replica (right to erasure, logout): every event owned by the user becomes
	 * a blank ({@link Event#blank()}: same address, no content), the user's events leave the projection
	 * (entities left with no event disappear), conflicts involving the user's events are deleted, and the storage
	 * removes every byte of them from its files. The vector does not change: peers are not asked to send the
	 * events again and do not lose them; see {@code docs/ARCHITECTURE.md} for what this means for sync. Writes
	 * wait while the erase runs.
	 *
	 * @param userId the user
	 * @return how many events were erased, once durable
	 */
	Mono<Long> erase(String userId);

	/**
	 * Puts peer events in the place of blanks this replica holds at their addresses ({@link Event#blank()}), and
	 * of stubs of the same events that it holds because it did not sync their type ({@link Event#stub()}): how
	 * a replica gets back content it erased, refused, was withheld or did not ask for, since its vector already
	 * covers those addresses and {@link #apply(List)} drops them as duplicates. A user who logs in again on a
	 * device that erased their data pulls it from the upstream from an empty vector and fills with what comes
	 * back; so does a client that starts syncing a type. Events at addresses that hold neither a blank nor a stub
	 * of them here, stubs and blanks, events above the vector and events row-level security refuses are ignored;
	 * the others are checked, redacted and folded in as {@link #apply(List)} would. Filled
	 * events keep their old positions, so they do not appear again on {@link #events(long)}; their entities
	 * change on {@link #changes(String)}. Writes wait while a fill runs.
	 *
	 * @param events events in any order, typically a page of what the upstream holds for the user
	 * @return how many blanks and stubs were filled, once durable; errors with {@link ValidationException} when an event
	 *         is invalid (nothing is filled then)
	 */
	Mono<Integer> fill(List<Event> events);

	/**
	 * Writes the projection's changed entities and conflicts to the projection store now.
	 *
	 * @return completes when saved
	 */
	Mono<Void> checkpoint();

	/**
	 * Closes the engine: refuses new writes, commits those already accepted, checkpoints the projection,
	 * ends live streams and closes the storage. Cold: nothing happens until subscription.
	 *
	 * @return completes when closed; errors with {@link EngineClosedException} when the engine is closed already
	 */
	Mono<Void> closeAsync();

	/**
	 * Closes the engine as {@link #closeAsync()} does and waits for it, at most the builder's
	 * {@link Builder#closeTimeout(Duration) close timeout}: for try-with-resources, a {@code main} method, or a
	 * container's shutdown. Never call it on a Reactor or Netty thread (it blocks; Reactor refuses with
	 * {@link IllegalStateException} there). Idempotent, as {@link AutoCloseable} asks: closing a closed engine does
	 * nothing.
	 *
	 * @throws TributaryException when the engine did not close within the timeout, or closing failed (the cause)
	 */
	@Override
	void close();

	/**
	 * Counts of one {@link #apply(List)}.
	 *
	 * @param applied new events stored
	 * @param duplicates events already held
	 * @param held events waiting for a missing predecessor of their origin
	 * @param dropped events above a gap that did not fit the held buffer: the peer must send them again
	 *        (from this replica's vector)
	 * @param refused events refused by row-level security, stored as blanks (also counted in the others)
	 */
	record ApplyResult(int applied, int duplicates, int held, int dropped, int refused) {

		/**
		 * Counts with nothing refused.
		 *
		 * @param applied new events stored
		 * @param duplicates events already held
		 * @param held events waiting for a missing predecessor
		 * @param dropped events that did not fit the held buffer
		 */
		public ApplyResult(int applied, int duplicates, int held, int dropped) {
			this(applied, duplicates, held, dropped, 0);
		}
	}

	/**
	 * Configures and opens a {@link SyncEngine}. Validated in {@link #open()}.
	 */
	final class Builder {
		@Nullable Storage storage;
		@Nullable String origin;
		Clock clock = Clock.systemUTC();
		ProjectionPolicy policy = ProjectionPolicy.defaults();
		int maxPayloadBytes = Limits.DEFAULT_MAX_PAYLOAD_BYTES;
		int ingressCapacity = 16_384;
		Duration overloadTimeout = Duration.ofSeconds(5);
		int maxBatch = 2048;
		int liveBuffer = 16_384;
		int tapBuffer = 1024;
		int maxHeldEvents = 100_000;
		Duration checkpointInterval = Duration.ofSeconds(10);
		int projectionCache = DEFAULT_PROJECTION_CACHE;
		@Nullable MeterRegistry meterRegistry;
		Redaction redaction = Redaction.none();
		@Nullable String currentUser;
		Scheduler timer = Schedulers.parallel();
		@Nullable Scheduler completions;
		Scheduler delivery = Schedulers.boundedElastic();
		@Nullable ObjectMapper objectMapper;
		final Upcasters.Builder upcasters = Upcasters.builder();
		Duration closeTimeout = Duration.ofSeconds(30);

		Builder() {
		}

		/**
		 * The storage (required): {@code new InMemoryStorage()} or an H2/PostgreSQL storage.
		 *
		 * @param storage the storage; the engine closes it on {@link SyncEngine#closeAsync()}
		 * @return this builder
		 */
		public Builder storage(Storage storage) {
			this.storage = Objects.requireNonNull(storage, "storage");
			return this;
		}

		/**
		 * The origin id to use on first start; later starts keep the stored one. Default: a new UUID.
		 *
		 * @param origin the id
		 * @return this builder
		 */
		public Builder origin(String origin) {
			this.origin = Objects.requireNonNull(origin, "origin");
			return this;
		}

		/**
		 * The wall clock behind the hybrid logical clock.
		 *
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock");
			return this;
		}

		/**
		 * The projection policy (strategy per type). Default: last-write-wins everywhere.
		 *
		 * @param policy the policy
		 * @return this builder
		 */
		public Builder projection(ProjectionPolicy policy) {
			this.policy = Objects.requireNonNull(policy, "policy");
			return this;
		}

		/**
		 * The largest payload accepted, in bytes. Default 256 KiB.
		 *
		 * @param bytes the limit
		 * @return this builder
		 */
		public Builder maxPayloadBytes(int bytes) {
			this.maxPayloadBytes = bytes;
			return this;
		}

		/**
		 * How many writes may wait for commit before new writers must wait. Default 16384.
		 *
		 * @param capacity the capacity
		 * @return this builder
		 */
		public Builder ingressCapacity(int capacity) {
			this.ingressCapacity = capacity;
			return this;
		}

		/**
		 * How long a writer waits for room in a full ingress before {@link OverloadedException}. Default 5 s.
		 *
		 * @param timeout the timeout
		 * @return this builder
		 */
		public Builder overloadTimeout(Duration timeout) {
			this.overloadTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/**
		 * The most events in one group commit. Default 2048.
		 *
		 * @param events the batch size
		 * @return this builder
		 */
		public Builder maxBatch(int events) {
			this.maxBatch = events;
			return this;
		}

		/**
		 * How many events a live subscriber of {@link SyncEngine#events(long)} or
		 * {@link SyncEngine#changes(String)} may fall behind. Default 16384.
		 *
		 * @param events the buffer size
		 * @return this builder
		 */
		public Builder liveBuffer(int events) {
			this.liveBuffer = events;
			return this;
		}

		/**
		 * How many signals a slow {@link SyncEngine#signals()} subscriber may fall behind before the oldest
		 * are dropped. Default 1024.
		 *
		 * @param signals the buffer size
		 * @return this builder
		 */
		public Builder tapBuffer(int signals) {
			this.tapBuffer = signals;
			return this;
		}

		/**
		 * How many out-of-order peer events may be held waiting for a predecessor. Default 100000.
		 *
		 * @param events the limit
		 * @return this builder
		 */
		public Builder maxHeldEvents(int events) {
			this.maxHeldEvents = events;
			return this;
		}

		/**
		 * How often the projection is written behind the log: after a crash, the log since the last checkpoint
		 * is replayed on open. Default 10 s.
		 *
		 * @param interval the interval
		 * @return this builder
		 */
		public Builder checkpointInterval(Duration interval) {
			this.checkpointInterval = Objects.requireNonNull(interval, "interval");
			return this;
		}

		/**
		 * How many entity folds the projection keeps in memory, besides those changed since the last checkpoint
		 * (which stay until saved): the rest lives in the storage's projection store and is looked up, in one call
		 * per type and commit, when a commit touches it or a read asks for it. Memory use follows this setting, not
		 * the number of entities. Default {@value #DEFAULT_PROJECTION_CACHE} (about 500 bytes per fold of a 100-byte
		 * document).
		 *
		 * @param entities the cache's capacity, at least 1
		 * @return this builder
		 */
		public Builder projectionCache(int entities) {
			this.projectionCache = entities;
			return this;
		}

		/**
		 * Sensitive payload fields, replaced by {@value Redaction#REDACTED} before an event is stored: local
		 * writes and peer events alike. Default: none.
		 *
		 * @param value the configuration
		 * @return this builder
		 */
		public Builder redaction(Redaction value) {
			this.redaction = Objects.requireNonNull(value, "redaction");
			return this;
		}

		/**
		 * The user this replica works for, turning row-level security on; see {@link SyncEngine#switchUser}.
		 * Default: none (every user's data is accepted).
		 *
		 * @param userId the user
		 * @return this builder
		 */
		public Builder currentUser(String userId) {
			this.currentUser = userId;
			return this;
		}

		/**
		 * Where metrics go. Default: a private {@code SimpleMeterRegistry}.
		 *
		 * @param registry the registry
		 * @return this builder
		 */
		public Builder meterRegistry(MeterRegistry registry) {
			this.meterRegistry = Objects.requireNonNull(registry, "registry");
			return this;
		}

		/**
		 * Where the engine's timers run: overload timeouts, checkpoint ticks and checkpoint saves. Default
		 * {@code Schedulers.parallel()}; a test may pass a {@code VirtualTimeScheduler}. The engine does not dispose
		 * it.
		 *
		 * @param scheduler the scheduler
		 * @return this builder
		 */
		public Builder timer(Scheduler scheduler) {
			this.timer = Objects.requireNonNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * Where write and apply {@code Mono}s complete, in commit order. Default: a single daemon thread of the
		 * engine's own ({@code tributary-completions}), disposed when the engine closes. A scheduler passed here
		 * should run tasks one at a time, in order (a single thread), or answers lose their commit order; the engine
		 * does not dispose it.
		 *
		 * @param scheduler the scheduler
		 * @return this builder
		 */
		public Builder completions(Scheduler scheduler) {
			this.completions = Objects.requireNonNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * Where live streams ({@link SyncEngine#events(long)}, {@link SyncEngine#changes(String)}) and signals are
		 * delivered to subscribers, who may be slow or block. Default {@code Schedulers.boundedElastic()}. The
		 * engine does not dispose it.
		 *
		 * @param scheduler the scheduler
		 * @return this builder
		 */
		public Builder delivery(Scheduler scheduler) {
			this.delivery = Objects.requireNonNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * The Jackson mapper typed payloads are written and read with (records, POJOs, {@code java.time},
		 * {@code Optional}): {@link ReplicaView#put(String, String, Object)} with an object that is not JSON text,
		 * bytes or a tree, and {@link ReplicaView#get(String, String, Class)} and its siblings. The engine's own
		 * limits (payload size, depth) apply to what it writes. Default: {@link JsonMapping#defaults()}.
		 *
		 * @param mapper the mapper, configured; the engine does not change it
		 * @return this builder
		 */
		public Builder objectMapper(ObjectMapper mapper) {
			this.objectMapper = Objects.requireNonNull(mapper, "mapper");
			return this;
		}

		/**
		 * Declares the current schema version of a type: local writes of it are stamped with this version (unless
		 * the request names its own), and older payloads are upcast to it when read, through the steps registered
		 * with {@link #upcaster(String, int, UnaryOperator)}. Default: 1, or the version after the type's last
		 * step. See {@link Upcasters}.
		 *
		 * @param type entity type
		 * @param version the version, at least 1
		 * @return this builder
		 * @throws IllegalArgumentException when the version is below 1
		 */
		public Builder schemaVersion(String type, int version) {
			upcasters.schemaVersion(type, version);
			return this;
		}

		/**
		 * Registers the step that brings a type's payloads from one schema version to the next; steps chain from 1
		 * to the type's current version, and a missing step fails {@link #open()}. See
		 * {@link Upcasters.Builder#upcaster(String, int, UnaryOperator)} for what a step must do.
		 *
		 * @param type entity type
		 * @param fromVersion the version the step reads, at least 1
		 * @param step the step; may modify and return its argument
		 * @return this builder
		 * @throws IllegalArgumentException when the version is below 1 or a step from it is registered already
		 */
		public Builder upcaster(String type, int fromVersion, UnaryOperator<ObjectNode> step) {
			upcasters.upcaster(type, fromVersion, step);
			return this;
		}

		/**
		 * How long {@link SyncEngine#close()} waits for the engine to close. Default 30 s.
		 *
		 * @param timeout the bound, positive
		 * @return this builder
		 */
		public Builder closeTimeout(Duration timeout) {
			this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/**
		 * Opens the engine: loads the origin, the vector and the projection, replaying the log after the
		 * projection's checkpoint.
		 *
		 * @return the open engine; errors with {@link IllegalArgumentException} for a bad configuration
		 */
		public Mono<SyncEngine> open() {
			return Mono.defer(() -> {
				if (storage == null) {
					return Mono.error(new IllegalArgumentException("storage is required"));
				}
				requirePositive("maxPayloadBytes", maxPayloadBytes);
				requirePositive("ingressCapacity", ingressCapacity);
				requirePositive("maxBatch", maxBatch);
				requirePositive("liveBuffer", liveBuffer);
				requirePositive("tapBuffer", tapBuffer);
				requirePositive("maxHeldEvents", maxHeldEvents);
				requirePositive("projectionCache", projectionCache);
				if (overloadTimeout.isNegative() || checkpointInterval.isNegative() || checkpointInterval.isZero()
						|| closeTimeout.isNegative() || closeTimeout.isZero()) {
					return Mono.error(new IllegalArgumentException("timeouts and intervals must be positive"));
				}
				// a gap in a type's chain of upcasters is an error here, not at the first read of an old event
				Upcasters schemas = upcasters.build();
				MeterRegistry registry = meterRegistry != null ? meterRegistry : new SimpleMeterRegistry();
				ObjectMapper mapper = objectMapper != null ? objectMapper : JsonMapping.defaults();
				return DefaultSyncEngine.open(new DefaultSyncEngine.Config(storage, origin, clock,
						schemas == Upcasters.none() ? policy : policy.withUpcasters(schemas), maxPayloadBytes, ingressCapacity, overloadTimeout, maxBatch,
						liveBuffer, tapBuffer, maxHeldEvents, checkpointInterval, projectionCache, registry, redaction,
						currentUser, timer, completions, delivery, mapper, closeTimeout));
			});
		}

		private static void requirePositive(String name, int value) {
			if (value < 1) {
				throw new IllegalArgumentException(name + " must be at least 1, was " + value);
			}
		}
	}
}
