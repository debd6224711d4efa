package io.tributary.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.Conflict;
import io.tributary.EngineClosedException;
import io.tributary.EntityChange;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.HybridClock;
import io.tributary.Limits;
import io.tributary.PayloadTooLargeException;
import io.tributary.ProjectionPolicy;
import io.tributary.Redaction;
import io.tributary.RowLevelSecurityException;
import io.tributary.SlowSubscriberException;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.UserView;
import io.tributary.ValidationException;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.DeadLetterStore;
import io.tributary.spi.EngineAdmin;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.Storage;
import reactor.core.Exceptions;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The engine behind {@link SyncEngine}: a facade over package-private classes, each owning one concern (see
 * {@code docs/ARCHITECTURE.md} for the map). Writes are checked ({@link WriteChecks}) and submitted to the
 * bounded {@link Ingress}; the {@link CommitLoop} takes batches from it into a {@link GroupCommit}, which stamps
 * and stores them and hands what the store confirmed to {@link CommittedEvents}, the one path into the projector
 * and the {@link LiveTail}. {@link Checkpoints} saves the projection behind the log; {@link Recovery} replays it
 * on open; {@link LogRewrites} erases and fills.
 * <p>
 * Internal: not part of the API.
 */
public final class DefaultSyncEngine implements SyncEngine, EngineAdmin {

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
	 * @param projectionCache entity folds the projection's cache holds besides those waiting for a checkpoint
	 * @param registry metrics
	 * @param redaction sensitive payload fields
	 * @param currentUser the user for row-level security at open, or {@code null}
	 * @param timer overload timeouts, checkpoint ticks and saves
	 * @param completions where writers hear back, or {@code null} for a single thread of the engine's own
	 * @param delivery where live streams and signals are delivered
	 * @param objectMapper typed payloads' mapper
	 * @param closeTimeout how long the blocking close waits
	 */
	public record Config(Storage storage, String origin, Clock clock, ProjectionPolicy policy, int maxPayloadBytes,
			int ingressCapacity, Duration overloadTimeout, int maxBatch, int liveBuffer, int tapBuffer, int maxHeldEvents,
			Duration checkpointInterval, int projectionCache, MeterRegistry registry, Redaction redaction,
			String currentUser, Scheduler timer, Scheduler completions, Scheduler delivery,
			com.fasterxml.jackson.databind.ObjectMapper objectMapper, Duration closeTimeout) {
	}

	/** Entities per page when a query pages through the store. */
	private static final int QUERY_PAGE = 256;

	private final Config config;
	private final Storage storage;
	private final String origin;
	private final Projector projector;
	private final EngineMetrics metrics;
	private final Fanout fanout;
	private final WriteChecks checks;
	private final Checkpoints checkpoints;
	private final CommittedEvents committed;
	private final LiveTail liveTail;
	private final CommitLoop loop;
	private final LogRewrites rewrites;
	private final Recovery recovery;
	private final PeerIntake intake;
	/** The user row-level security admits, or null for every user. */
	private volatile String currentUser;

	private DefaultSyncEngine(Config config, String origin, VersionVector vector, long lastPosition) {
		this.config = config;
		this.storage = config.storage();
		this.origin = origin;
		this.currentUser = config.currentUser();
		HybridClock hlc = new HybridClock(config.clock());
		boolean ownsCompletions = config.completions() == null;
		Scheduler completions = ownsCompletions ? Schedulers.newSingle("tributary-completions", true)
				: config.completions();
		this.projector = new Projector(config.policy(), storage.projections(), config.projectionCache(),
				storage.events().shared());
		this.metrics = new EngineMetrics(config.registry());
		this.fanout = new Fanout(metrics);
		this.checks = new WriteChecks(config.maxPayloadBytes(), config.redaction(), config.objectMapper());
		this.checkpoints = new Checkpoints(projector, storage.projections(), config.timer(), fanout);
		this.liveTail = new LiveTail(storage.events(), config.liveBuffer(), config.delivery(), metrics);
		this.committed = new CommittedEvents(projector, hlc, fanout, metrics, checkpoints, liveTail, vector,
				lastPosition, storage.events().shared());
		Ingress ingress = new Ingress(config.ingressCapacity(), config.overloadTimeout(), config.timer(), fanout,
				metrics);
		HeldEvents held = new HeldEvents(config.maxHeldEvents());
		this.loop = new CommitLoop(ingress, checkpoints, projector, committed, liveTail, fanout, completions, ownsCompletions,
				config.maxBatch(), metrics);
		Replay replay = new Replay(storage.events(), projector, checkpoints, metrics);
		loop.commitWith(new GroupCommit(storage.events(), origin, hlc, projector, held, committed, metrics, fanout,
				completions, loop::release));
		this.rewrites = new LogRewrites(storage, loop, projector, held, checkpoints, metrics, fanout, checks,
				committed, replay);
		this.intake = new PeerIntake(checks, loop, metrics, fanout);
		this.recovery = new Recovery(storage, replay, hlc, projector);
		if (storage.events().shared()) {
			// saves of several engines combine: a fold is a function of its set of events
			storage.projections().merger(projector::merge);
		}
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
							return engine.recovery.recover(t.getT3(), t.getT1(), origin)
									// on a shared store each engine saves the folds of its own commits, and the others
									// keep theirs until the lowest checkpoint passes them: this engine's checkpoint row
									// exists, and covers what it replayed, before its first commit
									.then(storage.events().shared() ? engine.checkpoints.flush(engine.committed.lastPosition())
											: Mono.empty())
									.thenReturn(engine);
						}))
				.map(engine -> {
					engine.loop.start(config.checkpointInterval(), config.timer(),
							storage.events().committedByOthers(), error -> engine.metrics.storeFeedFailed());
					return engine;
				});
	}

	// ------------------------------------------------------------------ writes

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
			if (user == null) {
				return write(request, user, null);
			}
			// row-level security checks the entity's owner: its state may have to be looked up in the store
			return head(request).flatMap(head -> write(request, user, head.orElse(null)));
		});
	}

	private Mono<Event> write(WriteRequest request, String user, EntityState head) {
		Submission.Prepared p;
		try {
			p = prepare(request, user, head);
		}
		catch (ValidationException e) {
			fanout.rejected(request, e, e instanceof RowLevelSecurityException ? "security" : "validation");
			return Mono.error(e);
		}
		return Mono.<Event>create(sink -> loop.submit(new Submission.LocalWrite(p, sink)));
	}

	/** The state of a write's entity, for row-level security; empty when it has none or the request is unusable. */
	private Mono<java.util.Optional<EntityState>> head(WriteRequest request) {
		if (request == null || request.type() == null || request.entityId() == null) {
			return Mono.just(java.util.Optional.empty()); // prepare reports what is wrong with it
		}
		return state(request.type(), request.entityId()).map(java.util.Optional::of)
				.defaultIfEmpty(java.util.Optional.empty());
	}

	@Override
	public Flux<Event> writeAll(List<WriteRequest> requests) {
		return Flux.defer(() -> writeAll(requests, currentUser));
	}

	/** Several writes as a user, or as anyone when the user is null. */
	Flux<Event> writeAll(List<WriteRequest> requests, String user) {
		return Flux.defer(() -> {
			List<WriteRequest> copy = List.copyOf(requests);
			if (user == null) {
				return writeAll(copy, user, null);
			}
			return Flux.fromIterable(copy).concatMap(this::head).collectList()
					.flatMapMany(heads -> writeAll(copy, user, heads));
		});
	}

	private Flux<Event> writeAll(List<WriteRequest> copy, String user, List<java.util.Optional<EntityState>> heads) {
		{
			List<Submission.Prepared> prepared = new ArrayList<>(copy.size());
			for (int i = 0; i < copy.size(); i++) {
				try {
					prepared.add(prepare(copy.get(i), user, heads == null ? null : heads.get(i).orElse(null)));
				}
				catch (ValidationException e) {
					fanout.rejected(copy.get(i), e, e instanceof RowLevelSecurityException ? "security" : "validation");
					return Flux.error(e instanceof PayloadTooLargeException ? e
							: e instanceof RowLevelSecurityException
									? new RowLevelSecurityException("write " + i + ": " + e.getMessage())
									: new ValidationException("write " + i + ": " + e.getMessage(), e));
				}
			}
			// every write is submitted now, in order, so they usually share one group commit; each answer is kept in
			// its future until concat asks for it (a cancel does not withdraw a submitted write)
			List<Mono<Event>> writes = new ArrayList<>(prepared.size());
			for (Submission.Prepared p : prepared) {
				writes.add(Mono.fromFuture(
						Mono.<Event>create(sink -> loop.submit(new Submission.LocalWrite(p, sink))).toFuture(), true));
			}
			return Flux.concat(writes);
		}
	}

	/** Validates, applies row-level security and redacts: a write ready to submit. */
	private Submission.Prepared prepare(WriteRequest request, String user, EntityState head) {
		byte[] payload = checks.validate(request);
		WriteRequest stamped = request.schemaVersion() == WriteRequest.CURRENT_SCHEMA
				? request.withSchemaVersion(config.policy().upcasters().current(request.type()))
				: request;
		return new Submission.Prepared(Rls.admit(stamped, user, head), payload, user);
	}

	@Override
	public com.fasterxml.jackson.databind.ObjectMapper objectMapper() {
		return config.objectMapper();
	}

	@Override
	public int maxPayloadBytes() {
		return config.maxPayloadBytes();
	}

	@Override
	public Mono<ApplyResult> apply(List<Event> events) {
		return Mono.defer(() -> apply(events, currentUser, false));
	}

	@Override
	public Mono<ApplyResult> applyChecked(List<Event> events) {
		return Mono.defer(() -> apply(events, currentUser, true));
	}

	/** Peer events for a user (others' become blanks), or for anyone when the user is null. */
	Mono<ApplyResult> apply(List<Event> events, String user, boolean payloadsChecked) {
		return intake.apply(events, user, payloadsChecked);
	}

	@Override
	public Mono<Integer> fill(List<Event> events) {
		return Mono.defer(() -> rewrites.fill(events, currentUser));
	}

	@Override
	public Mono<Long> erase(String userId) {
		return rewrites.erase(userId);
	}

	@Override
	public Mono<Void> deadLetter(DeadLetter letter) {
		return storage.deadLetters().put(letter).then(Mono.fromRunnable(() -> {
			metrics.deadLettered();
			fanout.signal(new SyncSignal.DeadLettered(letter));
		}));
	}

	@Override
	public DeadLetterStore deadLetters() {
		return storage.deadLetters();
	}

	@Override
	public Mono<Void> checkpoint() {
		return loop.checkpoint();
	}

	@Override
	public Mono<Void> closeAsync() {
		return loop.close().then(Mono.defer(storage::close));
	}

	@Override
	public void close() {
		Duration timeout = config.closeTimeout();
		// block() refuses to run on a Reactor thread, which is what a blocking close must not do
		closeAsync().onErrorResume(EngineClosedException.class, closed -> Mono.empty()).timeout(timeout, Mono.error(() -> new io.tributary.TributaryException(
				"the engine did not close within " + timeout))).block();
	}

	// ------------------------------------------------------------------ reads

	/** Reads fail with EngineClosedException once the engine (and its storage) are closed. */
	private <T> Flux<T> whileOpen(Flux<T> read) {
		return Flux.defer(() -> loop.closed() ? Flux.error(new EngineClosedException()) : read);
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().read(afterPosition, limit)));
	}

	@Override
	public Mono<EntityState> get(String type, String entityId) {
		return whileOpen(state(type, entityId).flux()).next();
	}

	/**
	 * An entity's state: the cache's, else the store's (not put in the cache: only the committer fills it). A fold
	 * leaves the cache only once saved, so the store holds every state the cache does not.
	 */
	private Mono<EntityState> state(String type, String entityId) {
		return projector.ready().then(Mono.defer(() -> {
			EntityState cached = projector.cached(type, entityId);
			if (cached != null) {
				return Mono.just(cached);
			}
			return storage.projections().entities(type, List.of(entityId)).next().mapNotNull(projector::state);
		}));
	}

	@Override
	public Flux<EntityState> query(String type) {
		return whileOpen(projector.ready().thenMany(Flux.defer(() -> {
			// the cached states lie over the store's pages: a cached state is never older than the saved one, and
			// every fold not saved yet is cached
			NavigableMap<String, EntityState> overlay = projector.cachedStates(type);
			return page(type, "", overlay)
					.expand(p -> p.last() ? Mono.empty() : page(type, p.cursor(), overlay), 1)
					.concatMapIterable(QueryPage::states);
		}))).filter(s -> !s.deleted());
	}

	/** One page of a query: states in entity id order, the store's cursor after them, and whether it is the end. */
	private record QueryPage(List<EntityState> states, String cursor, boolean last) {
	}

	/** The store's page after a cursor with the overlay's states in the same range merged in. */
	private Mono<QueryPage> page(String type, String after, NavigableMap<String, EntityState> overlay) {
		return storage.projections().entities(type, after, QUERY_PAGE).collectList().map(records -> {
			boolean last = records.size() < QUERY_PAGE;
			String cursor = records.isEmpty() ? after : records.get(records.size() - 1).entityId();
			NavigableMap<String, EntityState> range = last ? overlay.tailMap(after, false)
					: overlay.subMap(after, false, cursor, true);
			List<EntityState> out = new ArrayList<>(records.size() + range.size());
			java.util.Iterator<EntityState> over = range.values().iterator();
			EntityState next = over.hasNext() ? over.next() : null;
			for (EntityRecord r : records) {
				while (next != null && next.entityId().compareTo(r.entityId()) < 0) {
					out.add(next);
					next = over.hasNext() ? over.next() : null;
				}
				if (next != null && next.entityId().equals(r.entityId())) {
					out.add(next);
					next = over.hasNext() ? over.next() : null;
				}
				else {
					EntityState s = projector.state(r);
					if (s != null) {
						out.add(s);
					}
				}
			}
			while (next != null) {
				out.add(next);
				next = over.hasNext() ? over.next() : null;
			}
			return new QueryPage(out, cursor, last);
		});
	}

	@Override
	public Flux<EntityChange> changes(String type) {
		int buffer = config.liveBuffer();
		return fanout.changed()
				.flatMapIterable(l -> l)
				.filter(c -> type == null || type.equals(c.event().type()))
				.onBackpressureBuffer(buffer, BufferOverflowStrategy.ERROR)
				// a subscriber slow inside onNext must not hold the committing thread
				.publishOn(config.delivery(), 1)
				.onErrorMap(Exceptions::isOverflow, e -> new SlowSubscriberException(buffer));
	}

	@Override
	public Flux<Event> events(long afterPosition) {
		// one batch at a time: a slow subscriber must not pull batches ahead of its demand
		return eventBatches(afterPosition).concatMapIterable(l -> l, 1);
	}

	@Override
	public Flux<List<Event>> eventBatches(long afterPosition) {
		return whileOpen(liveTail.batches(afterPosition));
	}

	@Override
	public Flux<Event> lacking(VersionVector have, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().readLacking(have, limit)))
				.doOnNext(e -> metrics.served(false, 1));
	}

	@Override
	public Flux<Event> lacking(VersionVector have, long afterPosition, int limit) {
		return whileOpen(Flux.defer(() -> storage.events().readLacking(have, afterPosition, limit)))
				.doOnNext(e -> metrics.served(false, 1));
	}

	@Override
	public Mono<Event> event(String eventOrigin, long originSeq) {
		return whileOpen(Flux.empty()).then(Mono.defer(() -> {
			VersionVector v = committed.vector();
			if (eventOrigin == null || originSeq < 1 || originSeq > v.get(eventOrigin)) {
				return Mono.empty();
			}
			return storage.events().readLacking(v.with(eventOrigin, originSeq - 1), 1).next()
					.filter(e -> e.origin().equals(eventOrigin) && e.originSeq() == originSeq);
		}));
	}

	@Override
	public Flux<String> types() {
		return projector.ready().thenMany(storage.projections().types()).collect(TreeSet<String>::new, TreeSet::add)
				.flatMapIterable(saved -> {
					saved.addAll(projector.cachedTypes());
					return saved;
				});
	}

	@Override
	public VersionVector vector() {
		return committed.vector();
	}

	@Override
	public long lastPosition() {
		return committed.lastPosition();
	}

	@Override
	public ProjectionPolicy projection() {
		return config.policy();
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
		return DropOldestTap.of(fanout.signals(), config.tapBuffer(), metrics::tapDropped, config.delivery());
	}

	// ------------------------------------------------------------------ users

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
}
