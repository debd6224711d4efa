package io.tributary.transport.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.tributary.Conflict;
import io.tributary.EngineClosedException;
import io.tributary.EntityChange;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.ReplicaView;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.EngineAdmin;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.ErrorCode;
import io.tributary.transport.peer.Frame;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerProtocolException;
import io.tributary.transport.peer.UpstreamCalls;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Gives an engine an upstream node: the offline-first client role. {@link #outsync()} pushes this
 * replica's own events that the upstream's acknowledged vector does not cover (the outbox is derived from
 * vectors: there is no queue beside the log that could drift), {@link #downsync()} pulls what this
 * replica lacks of the synced types, {@link #sync()} does both. See {@code docs/CLIENT.md}.
 * <p>
 * One drain at a time: an {@link #outsync()} (or {@link #sync()}) subscribed while one runs joins it and
 * receives the same report. Transient failures (connection, timeouts, the upstream shutting down) are
 * retried with capped, jittered exponential backoff, each retry announced by
 * {@link ClientSignal.RetryScheduled}. A refused token stops the drain with {@link AuthRequiredException}
 * and {@link ClientSignal.AuthRequired}; the outbox is kept, and {@link #resume(String)} with a new token
 * drains it. Events the upstream refuses permanently become dead letters ({@link ClientSignal.PoisonPill}),
 * never dropped silently. {@link #login(String, String)} and {@link #logout()} switch the device between users:
 * logout erases the user's data, login pulls it back and fills the blanks it left.
 * <p>
 * <b>Auto-drain.</b> Unless built with {@link Builder#manualDrain()}, the client runs {@link #sync()} on its own
 * from the moment it is built until {@link #close()}: shortly after local writes (debounced, so a burst of writes
 * goes up in one drain), on a timer when one is set, and, after a drain failed because the upstream could not be
 * reached, again and again with the builder's backoff until the upstream answers, so the outbox empties by itself
 * when the upstream comes back. See {@link Builder#drainAfterWrites(Duration)} for the defaults and why.
 * <p>
 * The client is a {@link ReplicaView} of its engine (writes, typed and untyped reads, the log), so an application
 * can hold the client alone; and it is {@link AutoCloseable}: {@link #close()} stops the auto-drain. It does not
 * close the engine, which the application opened: in a try-with-resources, open the engine first so it is
 * closed after the client.
 * <p>
 * Thread-safe. Publishers are cold: nothing is sent until subscription.
 */
public final class SyncClient implements ReplicaView, AutoCloseable {

	/** The default of {@link Builder#drainAfterWrites(Duration)}, in milliseconds. */
	public static final long DEFAULT_DRAIN_DEBOUNCE_MILLIS = 500;

	/** The default of {@link Builder#drainAfterWrites(Duration)}. */
	public static final Duration DEFAULT_DRAIN_DEBOUNCE = Duration.ofMillis(DEFAULT_DRAIN_DEBOUNCE_MILLIS);

	/** What a drain does after a failure or a refused event. */
	public enum OnError {
		/**
		 * Stop at the first error: a drain stops after the frame holding a refused event, and {@link #sync()}
		 * does not pull after a failed outsync.
		 */
		STOP,
		/**
		 * Continue: a drain pushes on past refused events (they become dead letters), and {@link #sync()}
		 * pulls even after a failed outsync.
		 */
		CONTINUE
	}

	private final SyncEngine engine;
	private final EngineAdmin admin;
	private final UpstreamCalls calls;
	private final int batchEvents;
	private final Backoff backoff;
	private final int maxRetries;
	private final OnError onError;
	private final DoubleSupplier random;
	private final Clock clock;

	/** Tokens, types, what the upstream holds, the last outcomes: one value, swapped whole. */
	private final AtomicReference<ClientState> state;
	private final Sinks.Many<ClientSignal> signals = Sinks.many().multicast().directBestEffort();
	private final Mono<DrainReport> drain;
	private final Mono<SyncOutcome> syncShared;
	/** The auto-drain's subscription; disposed by {@link #close()}. */
	private final Disposable autoDrain;

	private SyncClient(Builder b) {
		this.engine = b.engine;
		this.admin = EngineAdmin.of(engine);
		this.calls = new UpstreamCalls(b.peerConfig, b.upstream);
		this.batchEvents = b.batchEvents;
		this.backoff = b.backoff;
		this.maxRetries = b.maxRetries;
		this.onError = b.onError;
		this.random = b.random;
		this.clock = b.clock;
		this.state = new AtomicReference<>(ClientState.initial(b.tokens, b.types));
		// the drain lock: one drain runs, later subscribers join it until it ends
		this.drain = Flux.defer(() -> drainWithRetries().flux()).share().single();
		this.syncShared = Flux.defer(() -> syncOnce().flux()).share().single();
		this.autoDrain = startAutoDrain(b);
	}

	/**
	 * Starts the auto-drain: triggers (local commits, debounced; timer ticks) run {@link #sync()} one at a time,
	 * and while one runs later triggers collapse into one. Nothing runs when every trigger is off.
	 */
	private Disposable startAutoDrain(Builder b) {
		List<Flux<Duration>> triggers = new ArrayList<>(2);
		if (b.drainAfterWrites != null) {
			Duration debounce = b.drainAfterWrites;
			// a commit holding a local write is what puts events in the outbox; the signals tap drops the oldest
			// for a slow reader, never the newest, so the last write always triggers
			triggers.add(engine.signals()
					.filter(sig -> sig instanceof SyncSignal.Committed && ((SyncSignal.Committed) sig).local() > 0)
					.map(sig -> debounce)
					.onErrorResume(EngineClosedException.class, closed -> Flux.empty()));
		}
		if (b.drainEvery != null) {
			triggers.add(Flux.interval(b.drainEvery, b.drainEvery, b.timer).map(tick -> Duration.ZERO));
		}
		if (triggers.isEmpty()) {
			return Disposables.disposed();
		}
		boolean untilReached = b.drainOnReconnect;
		Scheduler timer = b.timer;
		return Flux.merge(triggers)
				.onBackpressureLatest()
				// no prefetch: triggers that come while a drain runs wait as one, in onBackpressureLatest
				.concatMap(wait -> Mono.delay(wait, timer).then(autoSync(untilReached, timer)), 0)
				.subscribe(outcome -> {
				}, error -> emit(new ClientSignal.SyncError("auto-drain", describe(error))));
	}

	/** A sync; with {@code untilReached}, repeated with the backoff while it fails and no token was refused. */
	private Mono<SyncOutcome> autoSync(boolean untilReached, Scheduler timer) {
		Mono<SyncOutcome> once = Mono.defer(this::sync);
		if (!untilReached) {
			return once;
		}
		return once.flatMap(o -> o.ok() || current().authRequired() ? Mono.just(o) : Mono.error(new Unreached(o)))
				.retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
					if (!(signal.failure() instanceof Unreached)) {
						return Mono.error(signal.failure());
					}
					// the upstream is probed with the backoff's delays, the last one repeated until it answers
					return Mono.delay(backoff.delay(Math.min(signal.totalRetriesInARow(), 62), random), timer);
				})));
	}

	/** A sync that failed, to be tried again by the auto-drain; it never leaves the client. */
	private static final class Unreached extends RuntimeException {
		private static final long serialVersionUID = 1L;

		Unreached(SyncOutcome outcome) {
			super(String.join("; ", outcome.errors()), null, false, false);
		}
	}

	/**
	 * Stops the auto-drain (a drain it runs is cancelled: the outbox is derived from vectors, so nothing is lost).
	 * Operations subscribed by the application are not affected, and the engine stays open. Never blocks; a second
	 * close does nothing.
	 */
	@Override
	public void close() {
		autoDrain.dispose();
	}

	/**
	 * {@link #close()} as a publisher, for reactive shutdown code.
	 *
	 * @return completes once the auto-drain is stopped
	 */
	public Mono<Void> closeAsync() {
		return Mono.fromRunnable(this::close);
	}

	/**
	 * The local replica this client syncs.
	 *
	 * @return the engine
	 */
	public SyncEngine engine() {
		return engine;
	}

	// ------------------------------------------------------------------ the engine's view, delegated

	@Override
	public ObjectMapper objectMapper() {
		return engine.objectMapper();
	}

	@Override
	public Mono<Event> write(WriteRequest request) {
		return engine.write(request);
	}

	@Override
	public Flux<Event> writeAll(List<WriteRequest> requests) {
		return engine.writeAll(requests);
	}

	@Override
	public Mono<SyncEngine.ApplyResult> apply(List<Event> events) {
		return engine.apply(events);
	}

	@Override
	public Mono<EntityState> get(String type, String entityId) {
		return engine.get(type, entityId);
	}

	@Override
	public Flux<EntityState> query(String type) {
		return engine.query(type);
	}

	@Override
	public Flux<EntityChange> changes(@Nullable String type) {
		return engine.changes(type);
	}

	@Override
	public Flux<Event> events(long afterPosition) {
		return engine.events(afterPosition);
	}

	@Override
	public Flux<List<Event>> eventBatches(long afterPosition) {
		return engine.eventBatches(afterPosition);
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		return engine.read(afterPosition, limit);
	}

	@Override
	public Flux<Event> lacking(VersionVector have, int limit) {
		return engine.lacking(have, limit);
	}

	@Override
	public Flux<Event> lacking(VersionVector have, long afterPosition, int limit) {
		return engine.lacking(have, afterPosition, limit);
	}

	@Override
	public Mono<Event> event(String origin, long originSeq) {
		return engine.event(origin, originSeq);
	}

	@Override
	public Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit) {
		return engine.conflicts(type, afterPosition, limit);
	}

	/**
	 * A builder for a client of an engine.
	 *
	 * @param engine the local replica
	 * @param upstream the upstream node's peer address
	 * @return a builder with the defaults
	 */
	public static Builder builder(SyncEngine engine, PeerAddress upstream) {
		return new Builder(engine, upstream);
	}

	/**
	 * The upstream's address.
	 *
	 * @return {@code host:port}
	 */
	public PeerAddress upstream() {
		return calls.address();
	}

	/**
	 * Pushes the outbox: this replica's own events beyond the upstream's acknowledged vector, in frames of
	 * the batch size, each sent once the previous one is acknowledged. Emits {@link ClientSignal.DrainComplete}
	 * at the end.
	 *
	 * @return the report; errors with {@link AuthRequiredException} when the token is refused, or with the
	 *         failure after the last retry. Joins a drain already running.
	 */
	public Mono<DrainReport> outsync() {
		return drain;
	}

	/**
	 * Pulls what this replica lacks of the synced types from the upstream (other types arrive as stubs that
	 * keep the vector gapless). Emits {@link ClientSignal.PullComplete} per type received.
	 *
	 * @return the report; errors as {@link #outsync()}
	 */
	public Mono<PullReport> downsync() {
		return pulled(withRetries("downsync", withToken(t -> calls.pull(engine, t, current().types(), this::heard))));
	}

	/**
	 * A downsync, then a second pull from the upstream's whole log that puts content in the place of the blanks
	 * and stubs this replica holds for the given types ({@link SyncEngine#fill}): the events of a type that
	 * arrived as stubs before it was synced, or a user's events that are blanks here (erased at logout, or
	 * withheld while another user was logged in). Emits one {@link ClientSignal.PullComplete} per type, counting
	 * the events pulled and filled.
	 *
	 * @param fillTypes the types whose blanks and stubs to fill, {@code null} for all
	 * @return the report: {@code byType} counts pulled and filled events, {@code applied} counts both
	 */
	private Mono<PullReport> downsyncAndFill(@Nullable Set<String> fillTypes) {
		Mono<UpstreamCalls.PullResult> both = withRetries("downsync", withToken(t -> calls.pull(engine, t, current().types(),
				this::heard).flatMap(pull -> calls.refill(engine, t, fillTypes, this::heard).map(fill -> {
					Map<String, Integer> byType = new TreeMap<>(pull.byType());
					fill.byType().forEach((type, n) -> byType.merge(type, n, Integer::sum));
					return new UpstreamCalls.PullResult(Map.copyOf(byType), pull.applied() + fill.applied(), fill.upstream());
				}))));
		return pulled(both);
	}

	private Mono<PullReport> pulled(Mono<UpstreamCalls.PullResult> pull) {
		return pull.doOnNext(r -> {
			Instant now = clock.instant();
			state.updateAndGet(s -> s.downsynced(now));
			r.byType().forEach((type, count) -> emit(new ClientSignal.PullComplete(type, count)));
		}).map(r -> new PullReport(r.byType(), r.applied(), r.upstream()));
	}

	/**
	 * An outsync, then a downsync. With {@link OnError#STOP} a failed outsync ends it; with
	 * {@link OnError#CONTINUE} the downsync runs anyway. A refused token always ends it. Joins a sync
	 * already running.
	 *
	 * @return the outcome (failures are reported in it, not as errors)
	 */
	public Mono<SyncOutcome> sync() {
		return syncShared;
	}

	private Mono<SyncOutcome> syncOnce() {
		List<String> errors = new ArrayList<>();
		return outsync().map(java.util.Optional::of)
				.onErrorResume(e -> {
					errors.add("outsync: " + describe(e));
					return Mono.just(java.util.Optional.empty());
				})
				.flatMap(out -> {
					if (!errors.isEmpty() && (onError == OnError.STOP || current().authRequired())) {
						return Mono.just(new SyncOutcome(out.orElse(null), null, errors));
					}
					return downsync().map(java.util.Optional::of)
							.onErrorResume(e -> {
								errors.add("downsync: " + describe(e));
								return Mono.just(java.util.Optional.empty());
							})
							.map(in -> new SyncOutcome(out.orElse(null), in.orElse(null), errors));
				});
	}

	/**
	 * Sets a new token and, when the upstream had refused the previous one, drains the outbox again.
	 *
	 * @param token the new token
	 * @return the drain's report when one ran, else empty
	 */
	public Mono<DrainReport> resume(String token) {
		Objects.requireNonNull(token, "token");
		return Mono.defer(() -> {
			ClientState before = state.getAndUpdate(s -> s.withNewToken(() -> Mono.just(token)));
			return before.authRequired() ? outsync() : Mono.empty();
		});
	}

	/**
	 * Logs a user in on this device: the engine works for {@code userId} from now on
	 * ({@link SyncEngine#switchUser}: local writes are stamped with the user, other users' events are refused),
	 * sessions present {@code token}, and the user's data comes back from the upstream: a downsync of what this
	 * replica lacks, then a fill of the user's events that are blanks here (erased at an earlier
	 * {@link #logout()}, or withheld while another user was logged in) and of the stubs of synced types. The
	 * upstream must serve this token as the user's (a node with {@code --user-token}), so that other users'
	 * events arrive as blanks.
	 *
	 * @param userId the user
	 * @param token the user's token for the upstream
	 * @return the pull's report (pulled and filled events per type); errors as {@link #downsync()}, the user
	 *         staying logged in
	 */
	public Mono<PullReport> login(String userId, String token) {
		Objects.requireNonNull(userId, "userId");
		Objects.requireNonNull(token, "token");
		return Mono.defer(() -> {
			engine.switchUser(userId);
			ClientState now = state.updateAndGet(s -> s.withNewToken(() -> Mono.just(token)));
			return downsyncAndFill(now.types());
		});
	}

	/**
	 * Logs the current user out and removes everything of them from this device (right to erasure): their
	 * events become blanks ({@link SyncEngine#erase}), their entities are folded again without them, their
	 * conflicts and dead letters are deleted, and the store's files keep no byte of them. The engine then works
	 * for no user, and sessions present no token until the next {@link #login}. Nothing is pushed first: events
	 * the upstream does not hold yet are lost (the upstream receives their blanks), so run {@link #outsync()}
	 * before when the device is online.
	 *
	 * @return how many events were erased; errors with {@link IllegalStateException} when no user is logged in
	 */
	public Mono<Long> logout() {
		return Mono.defer(() -> {
			String user = engine.currentUser();
			if (user == null) {
				return Mono.error(new IllegalStateException("no user is logged in"));
			}
			return engine.erase(user).doOnNext(n -> {
				engine.switchUser(null);
				state.updateAndGet(ClientState::loggedOut);
			});
		});
	}

	/**
	 * Replaces the token supplier; it is asked for a token at the start of every session.
	 *
	 * @param supplier the supplier
	 */
	public void tokenSupplier(Supplier<Mono<String>> supplier) {
		Objects.requireNonNull(supplier, "supplier");
		state.updateAndGet(s -> s.withTokens(supplier));
	}

	/**
	 * Starts pulling a type. With {@code pullNow} it pulls at once what this replica lacks, then fills in the
	 * events of the type that it holds as stubs (they arrived while the type was not synced) with their content
	 * from the upstream's log; {@link ClientSignal.PullComplete} for the type counts both. Without, the next
	 * {@link #downsync()} brings what is lacking with content and the stubs stay until a pull with
	 * {@code pullNow}.
	 *
	 * @param type the entity type
	 * @param pullNow whether to pull and fill at once
	 * @return the pull's report when {@code pullNow}, else empty; errors as {@link #downsync()}
	 */
	public Mono<PullReport> addType(String type, boolean pullNow) {
		Objects.requireNonNull(type, "type");
		return Mono.defer(() -> {
			state.updateAndGet(s -> {
				if (s.types() == null) {
					return s;
				}
				Set<String> n = new TreeSet<>(s.types());
				n.add(type);
				return s.withTypes(Set.copyOf(n));
			});
			return pullNow ? downsyncAndFill(Set.of(type)) : Mono.empty();
		});
	}

	/**
	 * Stops pulling a type: later pulls bring its events as stubs only. When every type was synced, the
	 * synced set becomes every type seen so far but this one.
	 *
	 * @param type the entity type
	 * @return completes when changed
	 */
	public Mono<Void> removeType(String type) {
		Objects.requireNonNull(type, "type");
		@Nullable Set<String> synced = current().types();
		Mono<Set<String>> current = synced != null ? Mono.just(synced)
				: engine.types().collect(java.util.stream.Collectors.toCollection(TreeSet::new)).map(Set::copyOf);
		return current.doOnNext(base -> state.updateAndGet(s -> {
			Set<String> n = new TreeSet<>(s.types() == null ? base : s.types());
			n.remove(type);
			return s.withTypes(Set.copyOf(n));
		})).then();
	}

	/**
	 * The entity types pulled.
	 *
	 * @return the types, {@code null} for all
	 */
	public @Nullable Set<String> syncedTypes() {
		return current().types();
	}

	/**
	 * The dead letters, oldest first.
	 *
	 * @param limit most to emit
	 * @return the dead letters
	 */
	public Flux<DeadLetter> deadLetters(int limit) {
		return admin.deadLetters().list(limit);
	}

	/**
	 * Replays a dead letter after a fix: writes a new local event with the corrected request, then deletes
	 * the dead letter. The new event is in the outbox like any other.
	 *
	 * @param origin the dead letter's origin
	 * @param originSeq the dead letter's sequence
	 * @param corrected the corrected write
	 * @return the new event; empty when no such dead letter is held
	 */
	public Mono<Event> replay(String origin, long originSeq, WriteRequest corrected) {
		return admin.deadLetters().get(origin, originSeq)
				.flatMap(d -> engine.write(corrected)
						.flatMap(e -> admin.deadLetters().delete(origin, originSeq).thenReturn(e)));
	}

	/**
	 * Deletes a dead letter without replaying it.
	 *
	 * @param origin the dead letter's origin
	 * @param originSeq the dead letter's sequence
	 * @return whether one was deleted
	 */
	public Mono<Boolean> deleteDeadLetter(String origin, long originSeq) {
		return admin.deadLetters().delete(origin, originSeq);
	}

	/**
	 * The status now: pending is derived from the vectors, so it needs no store read.
	 *
	 * @return the status
	 */
	public Mono<SyncStatus> status() {
		return admin.deadLetters().count().map(dead -> {
			ClientState s = current();
			return new SyncStatus(calls.address().toString(), pending(s), s.lastOutsync(), s.lastDownsync(),
					s.upstreamVector(), s.lastError(), s.authRequired(), s.types(), dead);
		});
	}

	/**
	 * Local events the upstream is not known to hold.
	 *
	 * @return the count
	 */
	public long pending() {
		return pending(current());
	}

	private long pending(ClientState s) {
		String own = engine.origin();
		return Math.max(0, engine.vector().get(own) - s.upstreamVector().get(own));
	}

	/**
	 * The client's signals, and the engine's conflicts as {@link ClientSignal.Conflict}. Hot: from
	 * subscription on; a subscriber that does not keep up misses signals (best effort).
	 *
	 * @return the signals
	 */
	public Flux<ClientSignal> signals() {
		Flux<ClientSignal> conflicts = engine.signals()
				.filter(SyncSignal.ConflictDetected.class::isInstance)
				.map(s -> new ClientSignal.Conflict(((SyncSignal.ConflictDetected) s).conflict()));
		return Flux.merge(signals.asFlux(), conflicts);
	}

	private Mono<DrainReport> drainWithRetries() {
		return withRetries("outsync", withToken(t -> calls.push(engine, t, batchEvents,
				onError == OnError.STOP, this::heard, this::deadLetter)))
				.map(r -> new DrainReport(r.pushed(), r.rejected(), pending(), r.upstream(), r.stoppedOnRejection()))
				.doOnNext(r -> {
					Instant now = clock.instant();
					state.updateAndGet(s -> s.outsynced(now));
					emit(new ClientSignal.DrainComplete(r));
				});
	}

	private <T> Mono<T> withRetries(String operation, Mono<T> call) {
		return Retries.withBackoff(call, backoff, maxRetries, random,
				(attempt, delay, error) -> emit(new ClientSignal.RetryScheduled(operation, attempt, delay, describe(error))))
				.onErrorMap(e -> e instanceof PeerProtocolException
						&& ((PeerProtocolException) e).code() == ErrorCode.UNAUTHORIZED,
						e -> new AuthRequiredException(describe(e)))
				.doOnError(e -> {
					boolean refused = e instanceof AuthRequiredException;
					state.updateAndGet(s -> s.failed(operation + ": " + describe(e), refused));
					if (refused) {
						emit(new ClientSignal.AuthRequired(describe(e)));
					}
					else {
						emit(new ClientSignal.SyncError(operation, describe(e)));
					}
				});
	}

	/** A call with the supplier's current token, or none when it supplies none. */
	private <T> Mono<T> withToken(java.util.function.Function<@Nullable String, Mono<T>> call) {
		return Mono.defer(() -> current().tokens().get())
				.map(java.util.Optional::of)
				.defaultIfEmpty(java.util.Optional.empty())
				.flatMap(t -> call.apply(t.orElse(null)));
	}

	/** The state now: set in the constructor and only ever replaced by another, so never null. */
	private ClientState current() {
		return Objects.requireNonNull(state.get(), "state");
	}

	private void heard(VersionVector v) {
		state.updateAndGet(s -> s.heard(v));
	}

	private Mono<Void> deadLetter(List<Frame.Rejection> rejections) {
		Instant now = clock.instant();
		return Flux.fromIterable(rejections)
				.concatMap(r -> engine.event(r.origin(), r.seq())
						.map(e -> new DeadLetter(e, r.code(), r.reason(), now))
						.flatMap(d -> admin.deadLetter(d).thenReturn(d)))
				.doOnNext(d -> emit(new ClientSignal.PoisonPill(d)))
				.then();
	}

	private void emit(ClientSignal s) {
		// best effort: no subscriber, or one that does not keep up, misses the signal
		signals.emitNext(s, (type, result) -> result == Sinks.EmitResult.FAIL_NON_SERIALIZED);
	}

	private static String describe(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	/**
	 * Configures a {@link SyncClient}; validated in {@link #build()}.
	 */
	public static final class Builder {
		private final SyncEngine engine;
		private final PeerAddress upstream;
		private PeerConfig peerConfig = PeerConfig.defaults();
		private Supplier<Mono<String>> tokens = Mono::empty;
		private @Nullable Set<String> types;
		private int batchEvents = 500;
		private Backoff backoff = Backoff.defaults();
		private int maxRetries = 5;
		private OnError onError = OnError.CONTINUE;
		private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
		private Clock clock = Clock.systemUTC();
		private @Nullable Duration drainAfterWrites = DEFAULT_DRAIN_DEBOUNCE;
		private @Nullable Duration drainEvery;
		private boolean drainOnReconnect = true;
		private Scheduler timer = Schedulers.parallel();

		private Builder(SyncEngine engine, PeerAddress upstream) {
			this.engine = Objects.requireNonNull(engine, "engine");
			this.upstream = Objects.requireNonNull(upstream, "upstream");
		}

		/**
		 * Protocol settings: frame size, timeouts, TLS (its token and types are not used).
		 *
		 * @param config the settings
		 * @return this builder
		 */
		public Builder peerConfig(PeerConfig config) {
			this.peerConfig = Objects.requireNonNull(config, "config");
			return this;
		}

		/**
		 * A fixed token.
		 *
		 * @param token the token, {@code null} for none
		 * @return this builder
		 */
		public Builder token(@Nullable String token) {
			this.tokens = token == null ? Mono::empty : () -> Mono.just(token);
			return this;
		}

		/**
		 * A token supplier, asked at the start of every session (for tokens that expire).
		 *
		 * @param supplier the supplier; an empty {@code Mono} means no token
		 * @return this builder
		 */
		public Builder tokenSupplier(Supplier<Mono<String>> supplier) {
			this.tokens = Objects.requireNonNull(supplier, "supplier");
			return this;
		}

		/**
		 * The entity types to pull. Default: all.
		 *
		 * @param syncedTypes the types, {@code null} for all
		 * @return this builder
		 */
		public Builder types(@Nullable Set<String> syncedTypes) {
			this.types = syncedTypes;
			return this;
		}

		/**
		 * Most events per pushed frame. Default 500.
		 *
		 * @param events the batch size
		 * @return this builder
		 */
		public Builder batchSize(int events) {
			this.batchEvents = events;
			return this;
		}

		/**
		 * Retry delays. Default: 100 ms doubling to 10 s, half random.
		 *
		 * @param value the backoff
		 * @return this builder
		 */
		public Builder backoff(Backoff value) {
			this.backoff = Objects.requireNonNull(value, "backoff");
			return this;
		}

		/**
		 * Most retries of a transient failure per operation. Default 5.
		 *
		 * @param retries the count, 0 for none
		 * @return this builder
		 */
		public Builder maxRetries(int retries) {
			this.maxRetries = retries;
			return this;
		}

		/**
		 * What happens after a failure or a refused event. Default {@link OnError#CONTINUE}.
		 *
		 * @param mode the mode
		 * @return this builder
		 */
		public Builder onError(OnError mode) {
			this.onError = Objects.requireNonNull(mode, "mode");
			return this;
		}

		/**
		 * The source of jitter (tests pass a fixed one).
		 *
		 * @param source uniform numbers in [0, 1)
		 * @return this builder
		 */
		public Builder random(DoubleSupplier source) {
			this.random = Objects.requireNonNull(source, "source");
			return this;
		}

		/**
		 * The clock of status times and dead letters.
		 *
		 * @param value the clock
		 * @return this builder
		 */
		public Builder clock(Clock value) {
			this.clock = Objects.requireNonNull(value, "clock");
			return this;
		}

		/**
		 * Drains (runs {@link SyncClient#sync()}) on its own after local writes: the first write after a quiet
		 * spell starts the wait, writes during the wait or during the drain join the next one, so a burst goes up in
		 * one or two drains. Default {@value SyncClient#DEFAULT_DRAIN_DEBOUNCE_MILLIS} ms: on, because an offline-first client's
		 * writes should reach the upstream without the application remembering to push them, and long enough that a
		 * burst of writes costs one round trip rather than one per write.
		 *
		 * @param debounce how long after a write to drain, positive; {@code null} to drain after writes no more
		 * @return this builder
		 */
		public Builder drainAfterWrites(@Nullable Duration debounce) {
			this.drainAfterWrites = positive(debounce, "drainAfterWrites");
			return this;
		}

		/**
		 * Drains on its own on a timer as well, which also pulls the upstream's changes when this replica writes
		 * nothing. Default: off, because a live peer session or the application's own schedule usually serves
		 * pulling better than polling, and a timer wakes a device that has nothing to do.
		 *
		 * @param interval the interval, positive; {@code null} for no timer
		 * @return this builder
		 */
		public Builder drainEvery(@Nullable Duration interval) {
			this.drainEvery = positive(interval, "drainEvery");
			return this;
		}

		/**
		 * Whether an automatic drain that failed (the upstream unreachable, after the {@link #maxRetries(int)
		 * retries}) is tried again, with the {@link #backoff(Backoff) backoff}'s delays (the longest one repeated),
		 * until the upstream answers: the outbox then drains by itself when the upstream comes back. A refused token
		 * stops it until {@link SyncClient#resume(String)}. Default: on, since an outbox left waiting for the next
		 * write may wait for ever.
		 *
		 * @param on whether to try again
		 * @return this builder
		 */
		public Builder drainOnReconnect(boolean on) {
			this.drainOnReconnect = on;
			return this;
		}

		/**
		 * No automatic drain at all: the application calls {@link SyncClient#sync()}, {@link SyncClient#outsync()}
		 * and {@link SyncClient#downsync()} itself.
		 *
		 * @return this builder
		 */
		public Builder manualDrain() {
			this.drainAfterWrites = null;
			this.drainEvery = null;
			this.drainOnReconnect = false;
			return this;
		}

		/**
		 * Where the auto-drain's waits run (debounce, timer, reconnect probes). Default
		 * {@code Schedulers.parallel()}; a test may pass a {@code VirtualTimeScheduler}.
		 *
		 * @param scheduler the scheduler; the client does not dispose it
		 * @return this builder
		 */
		public Builder timer(Scheduler scheduler) {
			this.timer = Objects.requireNonNull(scheduler, "scheduler");
			return this;
		}

		private static @Nullable Duration positive(@Nullable Duration d, String name) {
			if (d != null && (d.isNegative() || d.isZero())) {
				throw new IllegalArgumentException(name + " must be positive, was " + d);
			}
			return d;
		}

		/**
		 * Builds the client. It connects only when an operation is subscribed, or when the auto-drain (on unless
		 * {@link #manualDrain()}) runs one; {@link SyncClient#close()} stops the auto-drain.
		 *
		 * @return the client
		 */
		public SyncClient build() {
			if (batchEvents < 1) {
				throw new IllegalArgumentException("batchSize must be at least 1: " + batchEvents);
			}
			if (maxRetries < 0) {
				throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
			}
			return new SyncClient(this);
		}
	}
}
