package io.tributary.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.Conflict;
import io.tributary.EngineClosedException;
import io.tributary.EntityChange;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.HybridClock;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.OverloadedException;
import io.tributary.PayloadTooLargeException;
import io.tributary.ProjectionPolicy;
import io.tributary.Redaction;
import io.tributary.RowLevelSecurityException;
import io.tributary.SlowSubscriberException;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.TributaryException;
import io.tributary.UserView;
import io.tributary.Uuid7;
import io.tributary.ValidationException;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.spi.Storage;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The engine behind {@link SyncEngine}: a group committer fed by a bounded ingress.
 * <p>
 * Writers and peers submit {@link Pending} items. One logical committer (a work-in-progress loop, run by
 * whichever thread submits or completes, never two at once) takes up to {@code maxBatch} events,
 * stamps local writes (origin sequence, hybrid clock, base), filters peer events by the vector, and
 * hands the batch to the store as one transaction. When the store confirms durability, the batch is
 * folded into the projector, published to the live streams and taps, and the writers' {@code Mono}s
 * complete. Exactly one batch is in flight, so the next batch gathers while the store commits: that
 * is the group commit. Projection checkpoints run through the same gate.
 * <p>
 * Internal: not part of the API.
 */
public final class DefaultSyncEngine implements SyncEngine {

	private static final int PAGE = 1024;
	private static final String SERVED = "Events delivered by events(), eventBatches() (store pages or live tail) "
			+ "and lacking() (store)";

	/**
	 * Validated configuration.
	 *
	 * @param storage storage
	 * @param origin origin for a first start, or {@code null}
	 * @param clock wall clock
	 * @param policy projection policy
	 * @param maxPayloadBytes payload limit
	 * @param ingressCapacity ingress capacity
	 * @param overloadTimeout overload timeout
	 * @param maxBatch events per commit
	 * @param liveBuffer live subscriber buffer
	 * @param tapBuffer tap subscriber buffer
	 * @param maxHeldEvents out-of-order peer events held
	 * @param checkpointInterval projection checkpoint interval
	 * @param registry metrics
	 * @param redaction sensitive payload fields
	 * @param currentUser the user for row-level security at open, or {@code null}
	 */
	public record Config(Storage storage, String origin, Clock clock, ProjectionPolicy policy, int maxPayloadBytes,
			int ingressCapacity, Duration overloadTimeout, int maxBatch, int liveBuffer, int tapBuffer, int maxHeldEvents,
			Duration checkpointInterval, MeterRegistry registry, Redaction redaction, String currentUser) {
	}

	private final Config config;
	private final Storage storage;
	private final String origin;
	private final HybridClock hlc;
	private final Projector projector;
	private final Scheduler timer = Schedulers.parallel();
	/** Where writers' Monos complete, in commit order. */
	private final Scheduler completions = Schedulers.newSingle("tributary-completions", true);
	/** Where live streams are delivered: subscribers may be slow, and may block. */
	private final Scheduler delivery = Schedulers.boundedElastic();

	// ingress
	private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
	private final AtomicInteger queued = new AtomicInteger();
	private final ConcurrentLinkedQueue<Pending> waiters = new ConcurrentLinkedQueue<>();
	private final AtomicInteger waiting = new AtomicInteger();
	private final AtomicInteger wip = new AtomicInteger();
	private volatile boolean inFlight;
	private volatile boolean closing;
	private volatile boolean checkpointRequested;
	private volatile boolean terminated;
	private volatile boolean checkpointing;
	private volatile boolean finalStarted;
	private volatile boolean failedFull;
	private final ConcurrentLinkedQueue<List<Projector.FoldSnapshot>> failedSnapshots = new ConcurrentLinkedQueue<>();
	private final ConcurrentLinkedQueue<Conflict> failedConflicts = new ConcurrentLinkedQueue<>();
	private final ConcurrentLinkedQueue<MonoSink<Void>> checkpointWaiters = new ConcurrentLinkedQueue<>();
	private volatile MonoSink<Void> closeSink;
	/** The user row-level security admits, or null for every user. */
	private volatile String currentUser;
	private final ConcurrentLinkedQueue<Exclusive> exclusives = new ConcurrentLinkedQueue<>();

	// committer state: touched only inside the in-flight gate
	private Map<String, Long> work;
	private final Map<String, TreeMap<Long, Event>> held = new HashMap<>();
	private int heldCount;
	private final List<Conflict> pendingConflicts = new ArrayList<>();
	private long savedSinceSnapshot;
	/** The peer events of the batch in flight, to hold again if its commit fails. */
	private final List<Event> failedRemote = new ArrayList<>();

	private volatile VersionVector committedVector;
	private volatile long lastPosition;

	// fan-out
	private final Sinks.Many<List<Event>> committed = Sinks.many().multicast().directBestEffort();
	private final Sinks.Many<List<EntityChange>> changed = Sinks.many().multicast().directBestEffort();
	private final Sinks.Many<SyncSignal> signalSink = Sinks.many().multicast().directBestEffort();
	private final Object signalLock = new Object();
	private Disposable checkpointTicker;

	// metrics
	private final Counter localCommitted;
	private final Counter remoteCommitted;
	private final Counter duplicates;
	private final Counter deduplicated;
	private final Counter conflicts;
	private final Counter deadLettered;
	private final Counter tapDropped;
	private final Counter failedEmissions;
	private final Counter servedFromStore;
	private final Counter servedLive;
	private final DistributionSummary batchSize;
	private final Timer commitTimer;
	private final MeterRegistry registry;

	private DefaultSyncEngine(Config config, String origin, VersionVector vector, long lastPosition) {
		this.config = config;
		this.storage = config.storage();
		this.origin = origin;
		this.hlc = new HybridClock(config.clock());
		this.projector = new Projector(config.policy());
		this.committedVector = vector;
		this.lastPosition = lastPosition;
		this.currentUser = config.currentUser();
		this.registry = config.registry();
		this.localCommitted = Counter.builder("tributary.events.committed").tag("source", "local")
				.description("Events made durable").baseUnit("events").register(registry);
		this.remoteCommitted = Counter.builder("tributary.events.committed").tag("source", "remote")
				.description("Events made durable").baseUnit("events").register(registry);
		this.duplicates = Counter.builder("tributary.events.duplicates").description("Peer events already held")
				.baseUnit("events").register(registry);
		this.deduplicated = Counter.builder("tributary.writes.deduplicated")
				.description("Local writes whose id was already stored: answered with the stored event")
				.baseUnit("writes").register(registry);
		this.conflicts = Counter.builder("tributary.conflicts").description("Conflicts detected and resolved")
				.register(registry);
		this.deadLettered = Counter.builder("tributary.dead.letters")
				.description("Events kept as dead letters: refused by a peer or an upstream, or not sendable")
				.baseUnit("events").register(registry);
		this.tapDropped = Counter.builder("tributary.taps.dropped")
				.description("Signals dropped for slow tap subscribers").baseUnit("signals").register(registry);
		this.failedEmissions = Counter.builder("tributary.emissions.failed")
				.description("Live emissions that failed for a reason other than no subscriber").register(registry);
		this.servedFromStore = Counter.builder("tributary.events.served").tag("source", "store")
				.description(SERVED).baseUnit("events").register(registry);
		this.servedLive = Counter.builder("tributary.events.served").tag("source", "live")
				.description(SERVED).baseUnit("events").register(registry);
		this.batchSize = DistributionSummary.builder("tributary.commit.batch").description("Events per group commit")
				.baseUnit("events").register(registry);
		this.commitTimer = Timer.builder("tributary.commit.duration").description("Time the store took to commit a batch")
				.register(registry);
		Gauge.builder("tributary.ingress.queued", queued, AtomicInteger::get).description("Writes waiting for commit")
				.register(registry);
		Gauge.builder("tributary.ingress.waiting", waiting, AtomicInteger::get)
				.description("Writers waiting for room in the ingress").register(registry);
	}

	/**
	 * Opens an engine: loads origin, vector and projection, then replays the log after the checkpoint.
	 *
	 * @param config the configuration
	 * @return the engine
	 */
	public static Mono<SyncEngine> open(Config config) {
		Storage storage = config.storage();
		String candidate = config.origin() != null ? config.origin() : UUID.randomUUID().toString();
		return Mono.fromCallable(() -> userArgument(config.currentUser()))
				.then(storage.origin(candidate))
				.flatMap(origin -> Mono.zip(storage.events().vector(), storage.events().lastPosition(),
						storage.projections().checkpoint())
						.flatMap(t -> {
							DefaultSyncEngine engine = new DefaultSyncEngine(config, origin, t.getT1(), t.getT2());
							return engine.recover(t.getT3()).thenReturn(engine);
						}))
				.map(engine -> {
					engine.start();
					return engine;
				});
	}

	private Mono<Void> recover(long checkpoint) {
		AtomicLong maxHlc = new AtomicLong();
		return storage.projections().entities()
				.doOnNext(projector::load)
				.then(Mono.defer(() -> {
					for (String type : projector.types()) {
						for (EntityState s : projector.query(type)) {
							maxHlc.accumulateAndGet(s.hlc(), Math::max);
						}
					}
					return pages(checkpoint)
							.concatMapIterable(l -> l)
							.doOnNext(e -> {
								maxHlc.accumulateAndGet(e.hlc(), Math::max);
								try {
									Projector.Outcome o = projector.apply(e);
									if (o.conflict() != null) {
										pendingConflicts.add(o.conflict());
									}
								}
								catch (RuntimeException error) {
									// a throwing CUSTOM fold must not make the replica unopenable
									registry.counter("tributary.projection.failed").increment();
								}
							})
							.then();
				}))
				// this origin's stamps must keep increasing even when the wall clock is now behind them: the
				// newest own event carries the highest own stamp (stamps grow with the sequence)
				.then(Mono.defer(() -> {
					long own = committedVector.get(origin);
					return own == 0 ? Mono.<Event>empty()
							: storage.events().readLacking(committedVector.with(origin, own - 1), 1).next();
				}))
				.doOnNext(last -> maxHlc.accumulateAndGet(last.hlc(), Math::max))
				.then(Mono.fromRunnable(() -> hlc.update(maxHlc.get())));
	}

	private void start() {
		Duration every = config.checkpointInterval();
		checkpointTicker = Flux.interval(every, every, timer).subscribe(tick -> {
			checkpointRequested = true;
			drain();
		});
	}

	// ------------------------------------------------------------------ API

	@Override
	public String origin() {
		return origin;
	}

	@Override
	public Mono<Event> write(WriteRequest request) {
		// the user is read when the write is subscribed, like everything else about it
		return Mono.defer(() -> write(request, currentUser));
	}

	/** A write as a user (row-level security), or as anyone when the user is null. */
	Mono<Event> write(WriteRequest request, String user) {
		return Mono.defer(() -> {
			Pending p;
			try {
				p = prepare(request, user);
			}
			catch (ValidationException e) {
				reject(request, e, e instanceof RowLevelSecurityException ? "security" : "validation");
				return Mono.error(e);
			}
			return Mono.<Event>create(sink -> submit(p.with(sink)));
		});
	}

	@Override
	public Flux<Event> writeAll(List<WriteRequest> requests) {
		return Flux.defer(() -> writeAll(requests, currentUser));
	}

	/** Several writes as a user, or as anyone when the user is null. */
	Flux<Event> writeAll(List<WriteRequest> requests, String user) {
		return Flux.defer(() -> {
			List<WriteRequest> copy = List.copyOf(requests);
			List<Pending> prepared = new ArrayList<>(copy.size());
			for (int i = 0; i < copy.size(); i++) {
				try {
					prepared.add(prepare(copy.get(i), user));
				}
				catch (ValidationException e) {
					reject(copy.get(i), e, e instanceof RowLevelSecurityException ? "security" : "validation");
					return Flux.error(e instanceof PayloadTooLargeException ? e
							: e instanceof RowLevelSecurityException
									? new RowLevelSecurityException("write " + i + ": " + e.getMessage())
									: new ValidationException("write " + i + ": " + e.getMessage(), e));
				}
			}
			List<Mono<Event>> writes = new ArrayList<>(copy.size());
			for (int i = 0; i < copy.size(); i++) {
				Pending p = prepared.get(i);
				// cached, so each is submitted once, all now, in order
				Mono<Event> w = Mono.<Event>create(sink -> submit(p.with(sink))).cache();
				w.subscribe(null, e -> { });
				writes.add(w);
			}
			return Flux.concat(writes);
		});
	}

	@Override
	public int maxPayloadBytes() {
		return config.maxPayloadBytes();
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().read(afterPosition, limit)));
	}

	/** Reads fail with EngineClosedException once the engine (and its storage) are closed. */
	private <T> Flux<T> whileOpen(Flux<T> read) {
		return Flux.defer(() -> terminated ? Flux.error(new EngineClosedException()) : read);
	}

	/** Validates, applies row-level security and redacts: a write ready to submit (without its sink yet). */
	private Pending prepare(WriteRequest request, String user) {
		byte[] payload = validate(request);
		return new Pending(Rls.admit(request, user, projector.get(request.type(), request.entityId())), payload, user,
				null);
	}

	private byte[] validate(WriteRequest r) {
		Limits.checkName("type", r.type(), Limits.MAX_TYPE_LENGTH);
		if (Event.BLANK_TYPE.equals(r.type())) {
			throw new ValidationException("entity type " + Event.BLANK_TYPE + " is reserved for blanks");
		}
		Limits.checkName("entityId", r.entityId(), Limits.MAX_ENTITY_ID_LENGTH);
		Limits.checkUserId(r.userId());
		if (r.schemaVersion() < 0) {
			throw new ValidationException("schemaVersion must not be negative");
		}
		if (r.op() == Op.DELETE) {
			if (r.payload() != null) {
				throw new ValidationException("a DELETE carries no payload");
			}
			return null;
		}
		if (r.payload() == null) {
			throw new ValidationException("a " + r.op() + " needs a payload (a JSON object)");
		}
		byte[] bytes = Json.toBytes(r.payload());
		requireSize(r.type(), r.entityId(), bytes);
		Limits.checkPayload(bytes);
		// what is stored is checked too: a redacted value may be longer than the original
		return requireSize(r.type(), r.entityId(), config.redaction().redact(r.type(), bytes));
	}

	private byte[] requireSize(String type, String entityId, byte[] payload) {
		if (payload != null && payload.length > config.maxPayloadBytes()) {
			throw new PayloadTooLargeException(type, entityId, payload.length, config.maxPayloadBytes());
		}
		return payload;
	}

	/** A peer's event must be what a local write could have produced. */
	private void validateRemote(Event e, boolean payloadChecked) {
		try {
			Limits.checkName("origin", e.origin(), Limits.MAX_ORIGIN_LENGTH);
			Limits.checkName("type", e.type(), Limits.MAX_TYPE_LENGTH);
			Limits.checkName("entityId", e.entityId(), Limits.MAX_ENTITY_ID_LENGTH);
			Limits.checkUserId(e.userId());
			if (e.op() == Op.DELETE) {
				if (e.payload() != null) {
					throw new ValidationException("a DELETE carries no payload");
				}
			}
			else if (e.payload() != null) {
				// a PUT or PATCH without payload is a stub from a partial replica: stored, never projected
				requireSize(e.type(), e.entityId(), e.payload());
				if (!payloadChecked) {
					Limits.checkPayload(e.payload());
				}
			}
			if (Event.BLANK_TYPE.equals(e.type()) && !Rls.wellFormedBlank(e)) {
				throw new ValidationException("a blank carries no entity, owner or payload");
			}
		}
		catch (PayloadTooLargeException ex) {
			throw ex;
		}
		catch (ValidationException ex) {
			// the prefix is built only on this path: validation runs for every event a peer sends
			throw new ValidationException("peer event " + e.origin() + "#" + e.originSeq() + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public Mono<ApplyResult> apply(List<Event> events) {
		return Mono.defer(() -> apply(events, currentUser, false));
	}

	@Override
	public Mono<ApplyResult> applyChecked(List<Event> events) {
		return Mono.defer(() -> apply(events, currentUser, true));
	}

	/**
	 * Peer events admitted for a user (others become blanks), or for anyone when the user is null; with
	 * {@code payloadsChecked}, payloads are not parsed again (see {@link SyncEngine#applyChecked(List)}).
	 */
	Mono<ApplyResult> apply(List<Event> events, String user, boolean payloadsChecked) {
		return Mono.defer(() -> {
			List<Event> copy = List.copyOf(Objects.requireNonNull(events, "events"));
			if (copy.isEmpty()) {
				return Mono.just(new ApplyResult(0, 0, 0, 0));
			}
			try {
				for (Event e : copy) {
					validateRemote(e, payloadsChecked);
				}
			}
			catch (ValidationException e) {
				registry.counter("tributary.writes.rejected", "reason", "validation").increment(copy.size());
				return Mono.error(e);
			}
			List<Event> admitted = new ArrayList<>(copy.size());
			int refused = 0;
			for (Event e : copy) {
				if (!Rls.admits(user, e)) {
					refused++;
					emitSignal(new SyncSignal.RemoteRefused(e.origin(), e.originSeq(), e.type(), user));
					admitted.add(e.blank());
				}
				else {
					admitted.add(redact(e));
				}
			}
			if (refused > 0) {
				registry.counter("tributary.writes.rejected", "reason", "security").increment(refused);
			}
			Pending p = new Pending(admitted, null);
			p.refused = refused;
			return Mono.<ApplyResult>create(sink -> submit(p.withApply(sink)));
		});
	}

	/** A peer's event with its sensitive fields redacted, as a local write would have been. */
	private Event redact(Event e) {
		byte[] redacted = config.redaction().redact(e.type(), e.payload());
		return redacted == e.payload() ? e
				: new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), e.type(), e.entityId(), e.op(),
						requireSize(e.type(), e.entityId(), redacted), e.base(), e.userId(), e.schemaVersion(), 0);
	}

	@Override
	public Mono<EntityState> get(String type, String entityId) {
		return whileOpen(Mono.fromSupplier(() -> projector.get(type, entityId)).flux()).next();
	}

	@Override
	public Flux<EntityState> query(String type) {
		return whileOpen(Flux.defer(() -> Flux.fromIterable(projector.query(type)))).filter(s -> !s.deleted());
	}

	@Override
	public Flux<EntityChange> changes(String type) {
		int buffer = config.liveBuffer();
		return changed.asFlux()
				.flatMapIterable(l -> l)
				.filter(c -> type == null || type.equals(c.event().type()))
				.onBackpressureBuffer(buffer, BufferOverflowStrategy.ERROR)
				// a subscriber slow inside onNext must not hold the committing thread
				.publishOn(delivery, 1)
				.onErrorMap(Exceptions::isOverflow, e -> new SlowSubscriberException(buffer));
	}

	@Override
	public Flux<Event> events(long afterPosition) {
		// one batch at a time: a slow subscriber must not pull batches ahead of its demand
		return eventBatches(afterPosition).concatMapIterable(l -> l, 1);
	}

	@Override
	public Flux<List<Event>> eventBatches(long afterPosition) {
		return whileOpen(Flux.defer(() -> {
			AtomicLong last = new AtomicLong(afterPosition);
			return Flux.defer(() -> segment(last))
					.retryWhen(Retry.indefinitely().filter(LiveOverflow.class::isInstance));
		}));
	}

	/** Catch-up from the store, then the live tail; errors with LiveOverflow when the subscriber falls behind. */
	private Flux<List<Event>> segment(AtomicLong last) {
		int limit = config.liveBuffer();
		AtomicInteger buffered = new AtomicInteger();
		Sinks.Many<List<Event>> buffer = Sinks.many().unicast().onBackpressureBuffer();
		Disposable live = committed.asFlux().subscribe(batch -> {
			if (buffered.addAndGet(batch.size()) > limit) {
				buffer.tryEmitError(new LiveOverflow());
			}
			else {
				buffer.tryEmitNext(batch);
			}
		}, buffer::tryEmitError, buffer::tryEmitComplete);
		// delivered off the committing thread; the buffer counts events until they reach the subscriber
		Flux<List<Event>> tail = buffer.asFlux()
				.publishOn(delivery, 1)
				.doOnNext(batch -> buffered.addAndGet(-batch.size()));
		// concat subscribes to the tail only after the last page went downstream: batches after that are live
		AtomicBoolean onTail = new AtomicBoolean();
		return Flux.concat(pages(last.get()), Flux.defer(() -> {
					onTail.set(true);
					return tail;
				}))
				// handle only sees a batch when the subscriber wants one, so the cursor moves exactly when a
				// batch is delivered: a switch back to the store (LiveOverflow) then resumes right after it
				.<List<Event>>handle((batch, sink) -> {
					// the switch from pages to the live tail may overlap: keep what follows the last delivered
					long after = last.get();
					int from = 0;
					while (from < batch.size() && batch.get(from).position() <= after) {
						from++;
					}
					if (from < batch.size()) {
						List<Event> fresh = from == 0 ? batch : batch.subList(from, batch.size());
						last.set(fresh.get(fresh.size() - 1).position());
						(onTail.get() ? servedLive : servedFromStore).increment(fresh.size());
						sink.next(fresh);
					}
				})
				.doFinally(s -> live.dispose());
	}

	/** Every stored event after a position, read a page at a time on demand. */
	private Flux<List<Event>> pages(long after) {
		return storage.events().read(after, PAGE).collectList()
				.expand(page -> page.size() < PAGE ? Mono.empty()
						: storage.events().read(page.get(page.size() - 1).position(), PAGE).collectList())
				.filter(page -> !page.isEmpty());
	}

	@Override
	public Flux<Event> lacking(VersionVector have, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().readLacking(have, limit)))
				.doOnNext(e -> servedFromStore.increment());
	}

	@Override
	public Flux<Event> lacking(VersionVector have, long afterPosition, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().readLacking(have, afterPosition, limit)))
				.doOnNext(e -> servedFromStore.increment());
	}

	@Override
	public Mono<Event> event(String eventOrigin, long originSeq) {
		return whileOpen(Flux.empty()).then(Mono.defer(() -> {
			VersionVector v = committedVector;
			if (eventOrigin == null || originSeq < 1 || originSeq > v.get(eventOrigin)) {
				return Mono.empty();
			}
			return storage.events().readLacking(v.with(eventOrigin, originSeq - 1), 1).next()
					.filter(e -> e.origin().equals(eventOrigin) && e.originSeq() == originSeq);
		}));
	}

	@Override
	public Flux<String> types() {
		return Flux.defer(() -> Flux.fromIterable(new java.util.TreeSet<>(projector.types())));
	}

	@Override
	public VersionVector vector() {
		return committedVector;
	}

	@Override
	public io.tributary.spi.DeadLetterStore deadLetters() {
		return storage.deadLetters();
	}

	@Override
	public ProjectionPolicy projection() {
		return config.policy();
	}

	@Override
	public Mono<Void> deadLetter(io.tributary.spi.DeadLetter letter) {
		return storage.deadLetters().put(letter).then(Mono.fromRunnable(() -> {
			deadLettered.increment();
			emitSignal(new SyncSignal.DeadLettered(letter));
		}));
	}

	@Override
	public long lastPosition() {
		return lastPosition;
	}

	@Override
	public Flux<Conflict> conflicts(String type, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return whileOpen(Flux.empty()).thenMany(checkpoint())
				.thenMany(Flux.defer(() -> storage.projections().conflicts(type, limit)));
	}

	@Override
	public Flux<Conflict> conflicts(String type, long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return whileOpen(Flux.defer(() -> storage.projections().conflicts(type, afterPosition, limit)));
	}

	@Override
	public Flux<SyncSignal> signals() {
		return DropOldestTap.of(signalSink.asFlux(), config.tapBuffer(), tapDropped::increment, delivery);
	}

	@Override
	public String currentUser() {
		return currentUser;
	}

	@Override
	public void switchUser(String userId) {
		currentUser = userArgument(userId);
	}

	@Override
	public UserView forUser(String userId) {
		return new UserScopedView(this, userArgument(Objects.requireNonNull(userId, "userId")));
	}

	private static String userArgument(String userId) {
		try {
			Limits.checkUserId(userId);
			return userId;
		}
		catch (ValidationException e) {
			throw new IllegalArgumentException(e.getMessage());
		}
	}

	@Override
	public Mono<Long> erase(String userId) {
		Objects.requireNonNull(userId, "userId");
		// the user's folds leave the projector, the store blanks the user's events, then the entities are folded
		// again from what remains of the log and checkpointed (the store's checkpoint went back to 0)
		return exclusive(() -> {
			Set<String> affected = projector.erase(userId);
			for (TreeMap<Long, Event> q : held.values()) {
				int before = q.size();
				q.values().removeIf(e -> io.tributary.spi.Erasure.owns(userId, e));
				heldCount -= before - q.size();
			}
			pendingConflicts.removeIf(c -> io.tributary.spi.Erasure.involves(userId, c));
			failedConflicts.removeIf(c -> io.tributary.spi.Erasure.involves(userId, c));
			return storage.erase(userId)
					.defaultIfEmpty(0L)
					.flatMap(n -> affected.isEmpty() ? Mono.just(n)
							: pages(0).concatMapIterable(l -> l)
									.filter(e -> affected.contains(Projector.key(e.type(), e.entityId())))
									.doOnNext(this::refold)
									.then(Mono.just(n)))
					.doOnNext(n -> {
						snapshotDiscarded();
						emitSignal(new SyncSignal.UserErased(n, affected.size()));
					});
		});
	}

	@Override
	public Mono<Integer> fill(List<Event> events) {
		return Mono.defer(() -> {
			String user = currentUser;
			List<Event> copy = List.copyOf(Objects.requireNonNull(events, "events"));
			List<Event> candidates = new ArrayList<>();
			for (Event e : copy) {
				validateRemote(e, false);
				if (!e.isStub() && Rls.admits(user, e) && committedVector.covers(e.origin(), e.originSeq())) {
					candidates.add(redact(e));
				}
			}
			return candidates.isEmpty() ? Mono.just(0) : exclusive(() -> storage.fill(candidates).map(filled -> {
				List<EntityChange> changes = new ArrayList<>(filled.size());
				for (Event e : filled) {
					Projector.Outcome o = refold(e);
					if (o != null && o.change() != null) {
						changes.add(o.change());
					}
					if (o != null && o.conflict() != null) {
						pendingConflicts.add(o.conflict());
						conflicts.increment();
						emitSignal(new SyncSignal.ConflictDetected(o.conflict()));
					}
				}
				if (!changes.isEmpty()) {
					emitLive(changed, changes);
				}
				if (!filled.isEmpty()) {
					snapshotDiscarded();
				}
				return filled.size();
			}));
		});
	}

	/**
	 * The store discarded its saved projection (erase, fill): the next checkpoint, right away, saves all of it.
	 * Until then a restart replays the whole log.
	 */
	private void snapshotDiscarded() {
		savedSinceSnapshot = Long.MAX_VALUE / 2;
		checkpointRequested = true;
	}

	/** Folds an event in outside a commit; a CUSTOM fold that throws is counted, as on replay. */
	private Projector.Outcome refold(Event e) {
		try {
			return projector.apply(e);
		}
		catch (RuntimeException error) {
			registry.counter("tributary.projection.failed").increment();
			return null;
		}
	}

	/**
	 * Runs work with the committer's gate to itself: no commit or checkpoint starts until the work's
	 * {@code Mono} ends. The work is built inside the gate, so it may touch the projector and the held buffer.
	 */
	private <T> Mono<T> exclusive(java.util.function.Supplier<Mono<T>> work) {
		return Mono.<T>create(sink -> {
			if (closing) {
				sink.error(new EngineClosedException());
				return;
			}
			exclusives.add(new Exclusive(() -> {
				Mono<T> m;
				try {
					m = work.get();
				}
				catch (RuntimeException e) {
					m = Mono.error(e);
				}
				m.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty()).subscribe(
						v -> release(() -> v.ifPresentOrElse(sink::success, sink::success)),
						e -> release(() -> sink.error(e)));
			}, sink::error));
			drain();
		});
	}

	private void release(Runnable answer) {
		inFlight = false;
		completions.schedule(answer);
		drain();
	}

	@Override
	public Mono<Void> checkpoint() {
		return Mono.create(sink -> {
			if (closeSink != null && !inFlight && queue.isEmpty() && checkpointTicker.isDisposed()) {
				sink.success();
				return;
			}
			checkpointWaiters.add(sink);
			checkpointRequested = true;
			drain();
		});
	}

	@Override
	public Mono<Void> close() {
		return Mono.<Void>create(sink -> {
			synchronized (this) {
				if (closeSink != null) {
					sink.error(new EngineClosedException());
					return;
				}
				closeSink = sink;
				closing = true;
			}
			drain();
		}).then(Mono.defer(storage::close));
	}

	// ------------------------------------------------------------------ ingress

	private void submit(Pending p) {
		if (closing) {
			p.fail(new EngineClosedException());
			return;
		}
		boolean admitted = false;
		if (waiters.isEmpty()) {
			if (queued.incrementAndGet() <= config.ingressCapacity()) {
				admitted = true;
			}
			else {
				queued.decrementAndGet();
			}
		}
		if (admitted) {
			p.state.set(Pending.QUEUED);
			queue.offer(p);
		}
		else {
			// arm the timeout and the cancel hook before the waiter is visible to the committer
			p.timeout = timer.schedule(() -> expire(p), config.overloadTimeout().toNanos(),
					java.util.concurrent.TimeUnit.NANOSECONDS);
			p.onCancel(() -> {
				if (p.state.compareAndSet(Pending.WAITING, Pending.DONE)) {
					waiting.decrementAndGet();
					waiters.remove(p);
					p.timeout.dispose();
				}
			});
			waiting.incrementAndGet();
			waiters.offer(p);
		}
		drain();
	}

	private void expire(Pending p) {
		if (p.state.compareAndSet(Pending.WAITING, Pending.DONE)) {
			waiting.decrementAndGet();
			waiters.remove(p);
			OverloadedException e = new OverloadedException(config.ingressCapacity(), config.overloadTimeout());
			if (p.request != null) {
				reject(p.request, e, "overload");
			}
			p.fail(e);
		}
	}

	private void reject(WriteRequest r, TributaryException e, String reason) {
		registry.counter("tributary.writes.rejected", "reason", reason).increment();
		emitSignal(new SyncSignal.WriteRejected(r.type(), r.entityId(), e));
	}

	private void promoteWaiters() {
		Pending w;
		while (queued.get() < config.ingressCapacity() && (w = waiters.peek()) != null) {
			waiters.poll();
			if (w.state.compareAndSet(Pending.WAITING, Pending.QUEUED)) {
				waiting.decrementAndGet();
				w.timeout.dispose();
				queued.incrementAndGet();
				queue.offer(w);
			}
		}
	}

	private void failWaiters(TributaryException error) {
		Pending w;
		while ((w = waiters.poll()) != null) {
			if (w.state.compareAndSet(Pending.WAITING, Pending.DONE)) {
				waiting.decrementAndGet();
				w.timeout.dispose();
				w.fail(error);
			}
		}
	}

	// ------------------------------------------------------------------ committer

	private void drain() {
		if (wip.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		for (;;) {
			if (closing) {
				failWaiters(new EngineClosedException());
			}
			else {
				// room frees as soon as a batch leaves the queue, not when its commit ends
				promoteWaiters();
			}
			if (!inFlight && !checkpointing && !terminated) {
				// a checkpoint goes first once requested (under load the queue is never empty); it only takes
				// a snapshot here, the save runs beside the commits
				List<Projector.FoldSnapshot> failed;
				while ((failed = failedSnapshots.poll()) != null) {
					projector.markDirty(failed);
				}
				if (failedFull) {
					failedFull = false;
					snapshotDiscarded();
				}
				Conflict c;
				while ((c = failedConflicts.poll()) != null) {
					pendingConflicts.add(c);
				}
				boolean finalOne = closing && closeSink != null && queue.isEmpty() && !inFlight;
				if (checkpointRequested || finalOne) {
					checkpointRequested = false;
					finalStarted |= finalOne;
					startCheckpoint(finalOne);
				}
			}
			if (!inFlight && !checkpointing && !exclusives.isEmpty()) {
				Exclusive x = exclusives.poll();
				if (terminated || finalStarted) {
					x.fail.accept(new EngineClosedException());
				}
				else {
					// holds the gate like a commit: no batch and no checkpoint start until it ends
					inFlight = true;
					x.start.run();
				}
			}
			if (!inFlight) {
				List<Pending> batch = pollBatch();
				if (terminated || finalStarted) {
					for (Pending p : batch) {
						p.fail(new EngineClosedException());
					}
				}
				else if (!batch.isEmpty()) {
					inFlight = true;
					promoteWaiters();
					try {
						commit(batch);
					}
					catch (RuntimeException e) {
						// a bug or a store that throws instead of signalling: fail the batch, keep the engine alive
						onFailed(batch, batch.size(), e);
					}
				}
			}
			missed = wip.addAndGet(-missed);
			if (missed == 0) {
				return;
			}
		}
	}

	private List<Pending> pollBatch() {
		List<Pending> batch = new ArrayList<>();
		int events = 0;
		Pending p;
		while (events < config.maxBatch() && (p = queue.poll()) != null) {
			queued.decrementAndGet();
			batch.add(p);
			events += p.remote == null ? 1 : p.remote.size();
		}
		return batch;
	}

	private long workSeq(String o) {
		Long v = work.get(o);
		return v == null ? committedVector.get(o) : v;
	}

	private void commit(List<Pending> batch) {
		if (work == null) {
			work = new HashMap<>();
		}
		failedRemote.clear();
		Set<UUID> chosen = null;
		for (Pending p : batch) {
			if (p.request != null && p.request.id() != null) {
				if (chosen == null) {
					chosen = new HashSet<>();
				}
				chosen.add(p.request.id());
			}
		}
		if (chosen == null) {
			// the usual write: no id of the writer's, nothing to look up
			stamp(batch, Map.of(), Set.of());
			return;
		}
		// the gate stays held while the store is asked, so no other commit can store one of these ids
		// meanwhile: the check and the commit are one step
		Set<UUID> ids = chosen;
		Flux.fromIterable(ids)
				.concatMap(id -> storage.events().eventById(id))
				.collectMap(Event::id)
				.subscribe(found -> {
					try {
						stamp(batch, found, ids);
					}
					catch (RuntimeException e) {
						onFailed(batch, batch.size(), e);
					}
				}, error -> onFailed(batch, batch.size(), error));
	}

	/**
	 * Stamps the batch's local writes and appends the batch. A write whose id is in {@code found} (stored
	 * before) or was taken by an earlier write of the batch is not stamped: it is answered with that event.
	 */
	private void stamp(List<Pending> batch, Map<UUID, Event> found, Set<UUID> chosen) {
		work.clear();
		List<Event> events = new ArrayList<>(batch.size());
		Map<String, UUID> batchHeads = null;
		Map<UUID, Pending> firstOfId = chosen.isEmpty() ? Map.of() : new HashMap<>();
		Set<UUID> kept = chosen.isEmpty() ? Set.of() : new HashSet<>();
		int local = 0;
		for (Pending p : batch) {
			if (p.request != null) {
				WriteRequest r = p.request;
				if (r.id() != null) {
					p.existing = found.get(r.id());
					if (p.existing == null) {
						p.sameAs = firstOfId.putIfAbsent(r.id(), p);
					}
					if (p.existing != null || p.sameAs != null) {
						continue;
					}
					kept.add(r.id());
				}
				long seq = workSeq(origin) + 1;
				work.put(origin, seq);
				long stamp = hlc.now();
				UUID id = r.id() != null ? r.id() : Uuid7.create(io.tributary.Hlc.millis(stamp));
				String key = r.type() + '\u0000' + r.entityId();
				UUID base = r.base();
				if (base == null) {
					base = batchHeads != null && batchHeads.containsKey(key) ? batchHeads.get(key)
							: projector.head(r.type(), r.entityId());
				}
				if (batchHeads == null) {
					batchHeads = new HashMap<>();
				}
				batchHeads.put(key, id);
				Event e = new Event(id, origin, seq, stamp, r.type(), r.entityId(), r.op(), p.payload, base, r.userId(),
						r.schemaVersion(), 0);
				p.index = events.size();
				events.add(e);
				local++;
			}
			else {
				classifyRemote(p, events);
			}
		}
		if (events.isEmpty()) {
			onCommitted(batch, events, events, 0, 0);
			return;
		}
		long t0 = System.nanoTime();
		int localCount = local;
		for (Event e : events) {
			if (!e.origin().equals(origin)) {
				failedRemote.add(e);
			}
		}
		(kept.isEmpty() ? storage.events().append(events) : storage.events().append(events, kept)).subscribe(
				stored -> onCommitted(batch, events, stored, localCount, System.nanoTime() - t0),
				error -> onFailed(batch, events.size(), error));
	}

	private void classifyRemote(Pending p, List<Event> out) {
		List<Event> sorted = new ArrayList<>(p.remote);
		sorted.sort(Comparator.comparing(Event::origin).thenComparingLong(Event::originSeq));
		for (Event e : sorted) {
			long have = workSeq(e.origin());
			if (e.originSeq() <= have) {
				p.duplicates++;
			}
			else if (e.originSeq() == have + 1) {
				accept(e, out);
				p.applied++;
				TreeMap<Long, Event> waitingForOrigin = held.get(e.origin());
				while (waitingForOrigin != null && !waitingForOrigin.isEmpty()
						&& waitingForOrigin.firstKey() <= workSeq(e.origin()) + 1) {
					Event next = waitingForOrigin.pollFirstEntry().getValue();
					heldCount--;
					if (next.originSeq() == workSeq(e.origin()) + 1) {
						accept(next, out);
						p.applied++;
					}
				}
			}
			else {
				TreeMap<Long, Event> q = held.computeIfAbsent(e.origin(), o -> new TreeMap<>());
				if (q.containsKey(e.originSeq())) {
					p.held++;
				}
				else if (heldCount < config.maxHeldEvents()) {
					q.put(e.originSeq(), e);
					heldCount++;
					p.held++;
				}
				else {
					p.dropped++;
				}
			}
		}
	}

	private void accept(Event e, List<Event> out) {
		hlc.update(e.hlc());
		work.put(e.origin(), e.originSeq());
		out.add(e.withPosition(0));
	}

	private void onCommitted(List<Pending> batch, List<Event> sent, List<Event> stored, int local, long nanos) {
		try {
			if (!stored.isEmpty()) {
				committedVector = VersionVector.of(mergeWork());
				lastPosition = stored.get(stored.size() - 1).position();
				commitTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
				batchSize.record(stored.size());
				localCommitted.increment(local);
				remoteCommitted.increment(stored.size() - (double) local);
				List<EntityChange> changes = new ArrayList<>(stored.size());
				projector.applyAll(stored, new Projector.Outcomes() {
					@Override
					public void folded(Event e, Projector.Outcome o) {
						if (o.change() != null) {
							changes.add(o.change());
						}
						if (o.conflict() != null) {
							pendingConflicts.add(o.conflict());
							conflicts.increment();
							emitSignal(new SyncSignal.ConflictDetected(o.conflict()));
						}
					}

					@Override
					public void failed(Event e, RuntimeException error) {
						registry.counter("tributary.projection.failed").increment();
						emitSignal(new SyncSignal.ProjectionFailed(e, error));
					}
				});
				emitLive(committed, stored);
				if (!changes.isEmpty()) {
					emitLive(changed, changes);
				}
				emitSignal(new SyncSignal.Committed(stored, local, nanos));
			}
			boolean aligned = stored.size() == sent.size();
			Map<UUID, Event> byId = null;
			if (!aligned) {
				byId = new HashMap<>();
				for (Event e : stored) {
					byId.put(e.id(), e);
				}
			}
			Event[] results = new Event[batch.size()];
			for (int i = 0; i < results.length; i++) {
				Pending p = batch.get(i);
				if (p.request != null) {
					Pending source = p.sameAs != null ? p.sameAs : p;
					results[i] = p.existing != null ? p.existing
							: aligned ? stored.get(source.index) : byId.get(sent.get(source.index).id());
					if (source != p || p.existing != null) {
						deduplicated.increment();
					}
				}
				else {
					duplicates.increment(p.duplicates);
					emitSignal(new SyncSignal.RemoteApplied(p.applied, p.duplicates, p.held, p.dropped));
				}
			}
			// writers hear back on the completion thread: what they do next (often their next write) runs
			// beside the store's next commit, and never on the storage's own thread
			completions.schedule(() -> {
				for (int i = 0; i < results.length; i++) {
					Pending p = batch.get(i);
					if (p.request != null) {
						Event e = results[i];
						if ((p.existing != null || p.sameAs != null) && !Rls.admits(p.user, e)) {
							p.fail(new RowLevelSecurityException("write with id " + p.request.id()
									+ " refused: that id is another user's change"));
						}
						else {
							p.succeed(e);
						}
					}
					else {
						p.applySink.success(new ApplyResult(p.applied, p.duplicates, p.held, p.dropped, p.refused));
					}
				}
			});
		}
		finally {
			inFlight = false;
			drain();
		}
	}

	private Map<String, Long> mergeWork() {
		Map<String, Long> merged = new HashMap<>(committedVector.entries());
		merged.putAll(work);
		work.clear();
		return merged;
	}

	private void onFailed(List<Pending> batch, int events, Throwable error) {
		work.clear();
		// peer events taken out of the held buffer for this batch wait there again
		for (Event e : failedRemote) {
			TreeMap<Long, Event> q = held.computeIfAbsent(e.origin(), o -> new TreeMap<>());
			if (q.put(e.originSeq(), e) == null) {
				heldCount++;
			}
		}
		failedRemote.clear();
		registry.counter("tributary.writes.rejected", "reason", "store").increment(events);
		emitSignal(new SyncSignal.CommitFailed(events, error));
		completions.schedule(() -> {
			for (Pending p : batch) {
				p.fail(error);
			}
		});
		inFlight = false;
		drain();
	}

	private void startCheckpoint(boolean finalOne) {
		// the projection store appends what changed; once that outgrows twice the projection, one full
		// snapshot replaces it all (compaction), which keeps both checkpoint cost and space proportional
		boolean full = savedSinceSnapshot > 2 * Math.max(projector.size(), 1024);
		List<Projector.FoldSnapshot> snapshots = full ? projector.snapshotAll() : projector.snapshotDirty();
		List<Conflict> newConflicts = new ArrayList<>(pendingConflicts);
		pendingConflicts.clear();
		long position = lastPosition;
		List<MonoSink<Void>> waiting = new ArrayList<>();
		MonoSink<Void> w;
		while ((w = checkpointWaiters.poll()) != null) {
			waiting.add(w);
		}
		if (snapshots.isEmpty() && newConflicts.isEmpty()) {
			finishCheckpoint(null, waiting, finalOne);
			return;
		}
		savedSinceSnapshot = full ? snapshots.size() : savedSinceSnapshot + snapshots.size();
		checkpointing = true;
		// encoding and saving run beside the commits: the snapshots are private copies. Each fold is encoded when
		// the store takes it, so a store that writes in pieces never holds the whole checkpoint's encoding
		List<io.tributary.spi.EntityRecord> records = new java.util.AbstractList<>() {
			@Override
			public io.tributary.spi.EntityRecord get(int index) {
				return snapshots.get(index).encode();
			}

			@Override
			public int size() {
				return snapshots.size();
			}
		};
		Mono.defer(() -> storage.projections().save(position, records, newConflicts, full))
				.subscribeOn(Schedulers.parallel())
				.subscribe(null, error -> {
					// keep what was not saved for the next checkpoint (the log still holds it); a full snapshot
					// that failed is taken again in full, since the store may hold nothing else
					failedFull |= full;
					failedSnapshots.add(snapshots);
					failedConflicts.addAll(newConflicts);
					finishCheckpoint(error, waiting, finalOne);
				}, () -> {
					emitSignal(new SyncSignal.ProjectionCheckpointed(position, snapshots.size()));
					finishCheckpoint(null, waiting, finalOne);
				});
	}

	private void finishCheckpoint(Throwable error, List<MonoSink<Void>> waiting, boolean finalOne) {
		for (MonoSink<Void> s : waiting) {
			if (error == null) {
				s.success();
			}
			else {
				s.error(error);
			}
		}
		if (finalOne) {
			terminated = true;
			checkpointTicker.dispose();
			committed.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
			changed.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
			synchronized (signalLock) {
				signalSink.tryEmitComplete();
			}
			// checkpoint() calls that arrived meanwhile: nothing more will be saved
			MonoSink<Void> late;
			while ((late = checkpointWaiters.poll()) != null) {
				late.success();
			}
			checkpointing = false;
			// after every write's answer: those were scheduled on the completion thread before this
			completions.schedule(() -> {
				if (error == null) {
					closeSink.success();
				}
				else {
					closeSink.error(error);
				}
				completions.disposeGracefully().subscribe();
			});
			// a write that raced the close into the queue gets its answer
			drain();
			return;
		}
		checkpointing = false;
		drain();
	}

	private <T> void emitLive(Sinks.Many<T> sink, T value) {
		Sinks.EmitResult r = sink.tryEmitNext(value);
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
			failedEmissions.increment();
		}
	}

	private void emitSignal(SyncSignal signal) {
		synchronized (signalLock) {
			Sinks.EmitResult r = signalSink.tryEmitNext(signal);
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER && r != Sinks.EmitResult.FAIL_TERMINATED) {
				failedEmissions.increment();
			}
		}
	}

	/** Thrown inside {@link #events(long)} when a subscriber falls behind the live buffer; never escapes. */
	private static final class LiveOverflow extends RuntimeException {
		private static final long serialVersionUID = 1L;

		LiveOverflow() {
			super("live buffer overflow", null, false, false);
		}
	}

	/** Work waiting for the gate to itself (erase, fill); {@code fail} answers it when it cannot run. */
	private record Exclusive(Runnable start, java.util.function.Consumer<Throwable> fail) {
	}

	/** One submission: a local write or a batch of peer events. */
	private static final class Pending {
		static final int WAITING = 0;
		static final int QUEUED = 1;
		static final int DONE = 2;

		final WriteRequest request;
		final byte[] payload;
		/** The user the write is for (row-level security), or null. */
		final String user;
		final MonoSink<Event> sink;
		final List<Event> remote;
		final MonoSink<ApplyResult> applySink;
		final AtomicInteger state = new AtomicInteger(WAITING);
		Disposable timeout;
		int index;
		/** The stored event with the request's id, found by the commit: the write stores nothing. */
		Event existing;
		/** The earlier write of the same batch with the request's id: this one stores nothing. */
		Pending sameAs;
		int applied;
		int duplicates;
		int held;
		int dropped;
		int refused;

		Pending(WriteRequest request, byte[] payload, String user, MonoSink<Event> sink) {
			this.request = request;
			this.payload = payload;
			this.user = user;
			this.sink = sink;
			this.remote = null;
			this.applySink = null;
		}

		Pending(List<Event> remote, MonoSink<ApplyResult> applySink) {
			this.request = null;
			this.payload = null;
			this.user = null;
			this.sink = null;
			this.remote = remote;
			this.applySink = applySink;
		}

		/** This write with the sink that hears back. */
		Pending with(MonoSink<Event> writer) {
			return new Pending(request, payload, user, writer);
		}

		/** These peer events with the sink that hears back. */
		Pending withApply(MonoSink<ApplyResult> applier) {
			Pending p = new Pending(remote, applier);
			p.refused = refused;
			return p;
		}

		void onCancel(Runnable r) {
			if (sink != null) {
				sink.onCancel(r::run);
			}
			else {
				applySink.onCancel(r::run);
			}
		}

		void succeed(Event e) {
			state.set(DONE);
			sink.success(e);
		}

		void fail(Throwable e) {
			state.set(DONE);
			if (sink != null) {
				sink.error(e);
			}
			else {
				applySink.error(e);
			}
		}
	}
}
