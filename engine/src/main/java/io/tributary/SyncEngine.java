package io.tributary;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.internal.DefaultSyncEngine;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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
 */
public interface SyncEngine {

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
	 * Writes an event. The {@code Mono} completes with the committed event (position set) once durable;
	 * errors with {@link ValidationException} (nothing stored), {@link OverloadedException} (nothing
	 * stored; retry later), {@link EngineClosedException}, or the store's error.
	 * <p>
	 * A request with an {@linkplain WriteRequest#id() id of its own} is idempotent: when this replica already
	 * stored an event written with that id (earlier, before a restart, or in the same group commit), nothing is
	 * stored and the {@code Mono} completes with the stored event, unchanged even when the request's content
	 * differs. The check runs in the commit itself, so concurrent writes of one id store one event. A request
	 * without an id costs no lookup. When the writer acts for a user ({@link #forUser(String)}) and the stored
	 * event is another user's, the write errors with {@link RowLevelSecurityException}.
	 *
	 * @param request the write
	 * @return the committed event; cold: the write is submitted on subscription
	 */
	Mono<Event> write(WriteRequest request);

	/**
	 * Writes several events: every request is validated first, and when one is invalid nothing is written
	 * (the error names its index). The valid ones are then submitted together, in order, so they usually
	 * share one group commit; each completes once durable.
	 *
	 * @param requests the writes
	 * @return the committed events, in request order
	 */
	Flux<Event> writeAll(List<WriteRequest> requests);

	/**
	 * The largest payload this engine accepts.
	 *
	 * @return bytes
	 */
	int maxPayloadBytes();

	/**
	 * Replaces an entity's document; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object
	 * @return the committed event
	 */
	default Mono<Event> put(String type, String entityId, Object payload) {
		return write(WriteRequest.put(type, entityId, payload));
	}

	/**
	 * Merges fields into an entity's document; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object of fields
	 * @return the committed event
	 */
	default Mono<Event> patch(String type, String entityId, Object payload) {
		return write(WriteRequest.patch(type, entityId, payload));
	}

	/**
	 * Deletes an entity; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the committed event
	 */
	default Mono<Event> delete(String type, String entityId) {
		return write(WriteRequest.delete(type, entityId));
	}

	/**
	 * Applies events from a peer: those the vector covers are dropped as duplicates; each origin's events
	 * are stored in sequence order, and an event whose predecessor is missing is held (bounded) until it
	 * arrives. The {@code Mono} completes once the new events are durable. Every event is checked as a
	 * local write would be; when one is invalid the call errors with {@link ValidationException} and
	 * nothing of it is stored.
	 *
	 * @param events events in any order
	 * @return counts of what happened
	 */
	Mono<ApplyResult> apply(List<Event> events);

	/**
	 * Applies events from a peer as {@link #apply(List)} does, for a caller that has already checked each
	 * payload with {@link Limits#checkPayload(com.fasterxml.jackson.core.JsonParser)} (one well-formed JSON object
	 * within the payload limits): the peer protocol's frame decoder checks that while it slices payloads out of a
	 * frame, and this spares the
	 * second pass over every payload. Every other check is made. A caller that has not checked the payloads must
	 * use {@link #apply(List)}: what is passed here is stored as it is.
	 *
	 * @param events events in any order, their payloads checked
	 * @return counts of what happened
	 */
	default Mono<ApplyResult> applyChecked(List<Event> events) {
		return apply(events);
	}

	/**
	 * The projected state of an entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the state (a tombstone when deleted), empty when no event is known
	 */
	Mono<EntityState> get(String type, String entityId);

	/**
	 * The projected states of a type, live entities only, sorted by entity id.
	 *
	 * @param type entity type
	 * @return a snapshot taken on subscription
	 */
	Flux<EntityState> query(String type);

	/**
	 * Live changes of a type's entities, from subscription on. Hot; each subscriber has a bounded buffer
	 * and gets {@link SlowSubscriberException} when it falls further behind.
	 *
	 * @param type entity type, or {@code null} for every type
	 * @return the changes
	 */
	Flux<EntityChange> changes(@Nullable String type);

	/**
	 * Committed events after a position: the stored ones, then the live tail, with no gap and no
	 * duplicate at the switch. A subscriber that falls behind the live buffer is served from the store
	 * again at its own pace. Never completes by itself.
	 *
	 * @param afterPosition exclusive cursor; 0 for everything
	 * @return the events in position order
	 */
	Flux<Event> events(long afterPosition);

	/**
	 * {@link #events(long)} in the batches they were read or committed in: pages of the store during
	 * catch-up, then one list per group commit. For consumers that ship events in batches (peer sessions)
	 * and would otherwise regroup them.
	 *
	 * @param afterPosition exclusive cursor; 0 for everything
	 * @return non-empty batches in position order, no gap and no duplicate
	 */
	Flux<List<Event>> eventBatches(long afterPosition);

	/**
	 * Stored events after a position, from the store only (no live tail): a page of the log.
	 *
	 * @param afterPosition exclusive cursor
	 * @param limit most events, at least 1
	 * @return the events in position order
	 */
	Flux<Event> read(long afterPosition, int limit);

	/**
	 * The events a replica with the given vector lacks, from the store, in position order.
	 *
	 * @param have the other replica's vector
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, int limit);

	/**
	 * One committed event by its address.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return the event, empty when this replica does not hold it
	 */
	Mono<Event> event(String origin, long originSeq);

	/**
	 * The entity types the projection holds, sorted.
	 *
	 * @return a snapshot taken on subscription
	 */
	Flux<String> types();

	/**
	 * The next page of what a replica lacks: {@link #lacking(VersionVector, int)} after the position of the
	 * last event of the previous page, which spares the store reading that part again.
	 *
	 * @param have the other replica's vector, advanced by the pages it got
	 * @param afterPosition the position of the last event of the previous page
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, long afterPosition, int limit);

	/**
	 * The vector of committed events.
	 *
	 * @return the vector at this moment
	 */
	VersionVector vector();

	/**
	 * The dead letters of this replica's storage: its events an upstream refused permanently (see
	 * {@code docs/CLIENT.md}).
	 *
	 * @return the storage's dead-letter store
	 */
	io.tributary.spi.DeadLetterStore deadLetters();

	/**
	 * Keeps an event that a peer or an upstream refused permanently, or that could not be sent at all, as a
	 * dead letter: stores it durably (replacing one held for the same address), counts it in
	 * {@code tributary.dead.letters} and emits {@link SyncSignal.DeadLettered}. Cold.
	 *
	 * @param letter the dead letter
	 * @return completes when it is stored
	 */
	Mono<Void> deadLetter(io.tributary.spi.DeadLetter letter);

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
	 * A page of the stored conflicts after a cursor, as the projection store holds them
	 * ({@link io.tributary.spi.ProjectionStore#conflicts(String, long, int)}): in the order of the incoming
	 * event's position, which is the cursor. Unlike {@link #conflicts(String, int)} it forces no checkpoint and
	 * writes nothing, so a conflict shows once the checkpoint after its event has saved it.
	 *
	 * @param type entity type, or {@code null} for all
	 * @param afterPosition exclusive cursor: 0, or the {@code incoming().position()} of the previous page's last
	 *        conflict
	 * @param limit most conflicts, at least 1
	 * @return the conflicts; cold; completes on a storage thread; errors with {@link EngineClosedException} once
	 *         the engine is closed
	 */
	Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit);

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
	 * ends live streams and closes the storage.
	 *
	 * @return completes when closed
	 */
	Mono<Void> close();

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
		@Nullable MeterRegistry meterRegistry;
		Redaction redaction = Redaction.none();
		@Nullable String currentUser;

		Builder() {
		}

		/**
		 * The storage (required): {@code new InMemoryStorage()} or an H2/PostgreSQL storage.
		 *
		 * @param storage the storage; the engine closes it on {@link SyncEngine#close()}
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
				if (overloadTimeout.isNegative() || checkpointInterval.isNegative() || checkpointInterval.isZero()) {
					return Mono.error(new IllegalArgumentException("timeouts and intervals must be positive"));
				}
				MeterRegistry registry = meterRegistry != null ? meterRegistry : new SimpleMeterRegistry();
				return DefaultSyncEngine.open(new DefaultSyncEngine.Config(storage, origin, clock, policy,
						maxPayloadBytes, ingressCapacity, overloadTimeout, maxBatch, liveBuffer, tapBuffer, maxHeldEvents,
						checkpointInterval, registry, redaction, currentUser));
			});
		}

		private static void requirePositive(String name, int value) {
			if (value < 1) {
				throw new IllegalArgumentException(name + " must be at least 1, was " + value);
			}
		}
	}
}
