package io.tributary.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.Conflict;
import io.tributary.ConflictStrategy;
import io.tributary.CustomResolver;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Op;
import io.tributary.ProjectionPolicy;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.EventCodec;
import io.tributary.spi.ProjectionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The projection's cache: folds events into entity states under a {@link ProjectionPolicy}, holding a bounded
 * number of entity folds in front of the {@link ProjectionStore}.
 * <p>
 * Each entity keeps the events its state still depends on, sorted in the strategy's order: for PUT and
 * DELETE based strategies the suffix from the newest PUT or DELETE on (older events cannot change the
 * result), for {@link ConflictStrategy#CUSTOM} every event. An event that sorts last is folded
 * incrementally; one that arrives late is inserted and the suffix folded again, which is what makes the
 * result a function of the set of events and not of their arrival order.
 * <p>
 * The cache: a fold changed since the last checkpoint ({@code dirty}) or taken by the checkpoint being saved
 * ({@code saving}) is pinned; the others equal what the store holds and are evicted, oldest use first (a clock
 * sweep: a use sets a bit, the sweep clears it once and evicts what it finds clear), whenever the cache holds more
 * than its capacity. Before a batch is folded, the entities it touches and the cache lacks are looked up in the
 * store ({@link #loadMissing}), one call per type; an entity the store does not hold either is new. While the cache
 * is {@linkplain #complete() complete} (it holds every entity the store holds) nothing is looked up.
 * <p>
 * On a shared store the folds that only other engines' events changed are not saved here but pinned until the store
 * says those engines saved them ({@link #release}), or saved here once they fill half the cache
 * ({@link #adoptAwaitingOverBound()}).
 * <p>
 * Mutation ({@link #apply(Event)}, {@link #loadMissing}, {@link #snapshotDirty()}, {@link #trim()}) comes from
 * the committer only, one thread at a time; reads ({@link #cached}, {@link #head}, {@link #cachedStates}) are safe
 * from any thread. Internal: not part of the API.
 */
public final class Projector {

	private static final Comparator<Event> CANONICAL = Event::compareCanonical;

	private final ProjectionPolicy policy;
	private final ProjectionStore store;
	private final int capacity;
	/** Whether other engines write to the store too: then the cache is never {@linkplain #complete complete}. */
	private final boolean shared;
	private final Map<String, Map<String, EntityFold>> types = new ConcurrentHashMap<>();
	/** Folds changed since the last snapshot, each once (its {@code dirty} flag says it is listed). */
	private final List<EntityFold> dirty = new ArrayList<>();
	/**
	 * Shared store: folds changed by other engines' commits only, pinned until the store says every engine has saved
	 * up to their newest such event ({@link #release}), each once (its {@code awaiting} position says it is listed).
	 */
	private final List<EntityFold> awaiting = new ArrayList<>();
	/** The folds of the running save, pinned until it ends. */
	private List<EntityFold> saving = new ArrayList<>(0);
	/** Set while the projection is folded again from the log; reads wait for it. */
	private volatile Sinks.Empty<Void> rebuilding;
	/** Folds in the cache. Committer only. */
	private int size;
	/**
	 * Whether the cache holds every entity the store holds, so that an entity it lacks is new and needs no lookup:
	 * set while the store is empty or was loaded whole ({@link #complete()}), cleared by the first eviction. Never
	 * set over a store other engines write to. Committer only.
	 */
	private boolean complete;
	/** The clock hand of the eviction sweep, over the types in turn. Committer only. */
	private Iterator<EntityFold> hand;
	private Iterator<Map<String, EntityFold>> handTypes;

	/**
	 * A projector with a policy over a store.
	 *
	 * @param policy the policy
	 * @param store where folds are saved and looked up
	 * @param capacity the folds kept in the cache besides the pinned ones, at least 1
	 * @param shared whether other engines save folds to the store too ({@link io.tributary.spi.EventStore#shared()})
	 */
	public Projector(ProjectionPolicy policy, ProjectionStore store, int capacity, boolean shared) {
		this.policy = Objects.requireNonNull(policy, "policy");
		this.store = Objects.requireNonNull(store, "store");
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
		}
		this.capacity = capacity;
		this.shared = shared;
	}

	/**
	 * What one event did to the projection.
	 *
	 * @param change the entity's new state with its event, or {@code null} when the state did not change
	 * @param conflict the conflict the event raised, or {@code null}
	 */
	public record Outcome(io.tributary.EntityChange change, Conflict conflict) {
	}

	/**
	 * Folds one event in.
	 *
	 * @param e a stored event
	 * @return what changed
	 */
	public Outcome apply(Event e) {
		return apply(e, null, true);
	}

	/** What {@link #applyAll} reports, event by event. */
	public interface Outcomes {

		/**
		 * An event was folded in.
		 *
		 * @param e the event
		 * @param outcome what it did
		 */
		void folded(Event e, Outcome outcome);

		/**
		 * Folding an event failed (a custom fold threw); the projection is as if it had not come.
		 *
		 * @param e the event
		 * @param error why
		 */
		void failed(Event e, RuntimeException error);
	}

	/**
	 * Folds a batch of events in, in order, as {@link #apply(Event)} one by one would.
	 *
	 * @param events stored events
	 * @param outcomes told what each event did
	 */
	public void applyAll(List<Event> events, Outcomes outcomes) {
		applyAll(events, true, outcomes);
	}

	/**
	 * Folds a batch of events in, in order. Events this engine committed ({@code own}) make their folds dirty, saved
	 * by the next checkpoint; events other engines committed to a shared store only make them wait, pinned, until
	 * the engine that committed them has saved them ({@link #release}): each engine saves the folds of its own
	 * commits, so a save is not repeated by every engine that sees the event.
	 *
	 * @param events stored events
	 * @param own whether this engine committed them (or replays them); false for a shared store's feed
	 * @param outcomes told what each event did
	 */
	public void applyAll(List<Event> events, boolean own, Outcomes outcomes) {
		int n = events.size();
		EntityFold[] found = null;
		if (n > 1) {
			// every entity looked up first, in a loop of its own: the lookups do not depend on each other, so the
			// processor overlaps their cache misses, where one lookup per fold step waits for each miss in turn
			found = new EntityFold[n];
			for (int i = 0; i < n; i++) {
				Event e = events.get(i);
				Map<String, EntityFold> m = types.get(e.type());
				found[i] = m == null ? null : m.get(e.entityId());
			}
		}
		for (int i = 0; i < n; i++) {
			Event e = events.get(i);
			Outcome o;
			try {
				o = apply(e, found == null ? null : found[i], own);
			}
			catch (RuntimeException error) {
				outcomes.failed(e, error);
				continue;
			}
			outcomes.folded(e, o);
		}
	}

	private Outcome apply(Event e, EntityFold known, boolean own) {
		if (e.isStub() || e.isBlank()) {
			return new Outcome(null, null); // its content is not held here: it cannot change any state
		}
		EntityFold f = known != null && !known.detached ? known : null;
		if (f == null) {
			// plain lookups first: computeIfAbsent costs more, and the entity is nearly always known
			Map<String, EntityFold> m = types.get(e.type());
			if (m == null) {
				m = types.computeIfAbsent(e.type(), t -> new ConcurrentHashMap<>());
			}
			f = m.get(e.entityId());
			if (f == null) {
				// the committer looked the entity up before this batch (loadMissing): it is new
				f = new EntityFold(e.type(), e.entityId(), policy);
				m.put(e.entityId(), f);
				size++;
			}
		}
		f.used = true;
		Event before = f.head();
		Conflict conflict = null;
		int added;
		try {
			added = f.add(e, policy);
		}
		catch (RuntimeException error) {
			if (f.state == null && types.get(e.type()).remove(e.entityId(), f)) {
				f.detached = true;
				size--;
			}
			throw error;
		}
		if (added == EntityFold.KNOWN) {
			// the fold holds it already (a save that went ahead of the checkpoint, replayed): nothing happened
			return new Outcome(null, null);
		}
		boolean changed = added == EntityFold.CHANGED;
		if (own) {
			markDirty(f);
		}
		else {
			markAwaiting(f, e.position());
		}
		if (before != null && !Objects.equals(e.base(), before.id())) {
			conflict = new Conflict(e.type(), e.entityId(), e, before, f.head().id(), f.strategy);
		}
		return new Outcome(changed ? new io.tributary.EntityChange(e, f.state) : null, conflict);
	}

	/**
	 * Looks up, in one store call per type, the entities of some events that the cache lacks, and puts what the
	 * store holds in the cache as clean folds. Committer only: the lookup runs on the store's thread, and nothing
	 * else may change the cache until it completes (the gate is held); nothing is evicted before the events are
	 * folded ({@link #trim()} comes after).
	 *
	 * @param events events about to be folded
	 * @return completes when the cache holds every entity the store knows
	 */
	public Mono<Void> loadMissing(Collection<Event> events) {
		return loadMissing(events, List.of());
	}

	/**
	 * As {@link #loadMissing(Collection)}, for events and the entities of local writes about to be stamped.
	 *
	 * @param events events about to be folded
	 * @param writes writes about to be stamped (their base is the entity's head)
	 * @return completes when the cache holds every entity the store knows
	 */
	public Mono<Void> loadMissing(Collection<Event> events, Collection<io.tributary.WriteRequest> writes) {
		Map<String, Set<String>> missing = null;
		for (Event e : events) {
			if (!e.isStub()) {
				missing = lacking(missing, e.type(), e.entityId());
			}
		}
		for (io.tributary.WriteRequest w : writes) {
			missing = lacking(missing, w.type(), w.entityId());
		}
		if (missing == null) {
			return Mono.empty();
		}
		return Flux.fromIterable(missing.entrySet())
				.concatMap(m -> store.entities(m.getKey(), m.getValue()))
				.collectList()
				.doOnNext(records -> {
					for (EntityRecord r : records) {
						load(r);
					}
				})
				.then();
	}

	private Map<String, Set<String>> lacking(Map<String, Set<String>> missing, String type, String entityId) {
		if (complete) {
			return missing; // what the cache lacks the store lacks too: a new entity
		}
		Map<String, EntityFold> m = types.get(type);
		if (m != null && m.containsKey(entityId)) {
			return missing;
		}
		Map<String, Set<String>> out = missing == null ? new HashMap<>() : missing;
		out.computeIfAbsent(type, t -> new HashSet<>()).add(entityId);
		return out;
	}

	/**
	 * Marks the cache as holding every entity the store holds (the store is empty, or every saved fold was
	 * {@linkplain #preload loaded}): until the first eviction, entities the cache lacks are new and are not looked
	 * up. Only for a store no other engine writes to. Committer only, before folding starts or after {@link #clear()}.
	 */
	public void complete() {
		complete = !shared;
	}

	/**
	 * Whether the cache holds every entity the store holds ({@link #complete()}, no eviction since). Committer only.
	 *
	 * @return true while lookups are skipped
	 */
	public boolean isComplete() {
		return complete;
	}

	/**
	 * Puts a saved fold in the cache as clean, as a lookup would: the engine loads a store that fits the cache whole
	 * when it opens. Committer only, before folding starts.
	 *
	 * @param record the saved fold
	 * @return the highest hybrid clock stamp among the fold's events, 0 when none folds
	 */
	public long preload(EntityRecord record) {
		EntityFold f = load(record);
		long max = 0;
		if (f != null) {
			for (Event e : f.events) {
				max = Math.max(max, e.hlc());
			}
		}
		return max;
	}

	/**
	 * The folds the cache keeps besides the pinned ones.
	 *
	 * @return the capacity
	 */
	public int capacity() {
		return capacity;
	}

	/** Puts a saved fold in the cache as clean, unless the cache holds the entity already; returns it if put. */
	private EntityFold load(EntityRecord record) {
		Map<String, EntityFold> m = types.computeIfAbsent(record.type(), t -> new ConcurrentHashMap<>());
		if (m.containsKey(record.entityId())) {
			return null;
		}
		EntityFold f = decode(record);
		if (f == null) {
			return null; // nothing of it folds (every event's custom fold threw): as if unknown
		}
		f.stored = true;
		m.put(record.entityId(), f);
		size++;
		return f;
	}

	private EntityFold decode(EntityRecord record) {
		EntityFold f = new EntityFold(record.type(), record.entityId(), policy);
		f.events.addAll(EventCodec.decodeList(record.fold()));
		f.refold(policy);
		return f.state == null ? null : f;
	}

	/**
	 * The highest hybrid clock stamp among a saved fold's events. Any thread.
	 *
	 * @param record the saved fold
	 * @return the stamp, 0 for an empty fold
	 */
	public static long maxHlc(EntityRecord record) {
		long max = 0;
		for (Event e : EventCodec.decodeList(record.fold())) {
			max = Math.max(max, e.hlc());
		}
		return max;
	}

	/**
	 * The state a saved fold holds. Any thread.
	 *
	 * @param record the saved fold
	 * @return its state, or {@code null} when nothing of it folds
	 */
	public EntityState state(EntityRecord record) {
		EntityFold f = decode(record);
		return f == null ? null : f.state;
	}

	/**
	 * A saved fold of two combined: the fold of the union of their events, for stores several engines share
	 * ({@link ProjectionStore#merger}). Commutative and idempotent, as folding a set of events is. Any thread.
	 *
	 * @param saved the fold the store holds
	 * @param incoming the fold being saved
	 * @return the fold to keep, with its document
	 */
	public EntityRecord merge(EntityRecord saved, EntityRecord incoming) {
		EntityFold f = new EntityFold(incoming.type(), incoming.entityId(), policy);
		java.util.TreeSet<Event> union = new java.util.TreeSet<>(Comparator.comparing(Event::id));
		union.addAll(EventCodec.decodeList(saved.fold()));
		union.addAll(EventCodec.decodeList(incoming.fold()));
		List<Event> sorted = new ArrayList<>(union);
		sorted.sort(EntityFold.order(f.strategy, policy));
		for (Event e : sorted) {
			try {
				f.add(e, policy);
			}
			catch (RuntimeException error) {
				// a custom fold that throws leaves the event out, as on every replica
			}
		}
		if (f.state == null) {
			return incoming;
		}
		return f.snapshot().encode();
	}

	/**
	 * One entity's fold as it was when taken: the events are a private copy, so it can be encoded on any
	 * thread while folding goes on.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param userId owner of the head
	 * @param events the events the state depends on
	 * @param document the state's document, {@code null} when deleted
	 */
	public record FoldSnapshot(String type, String entityId, String userId, List<Event> events, byte[] document) {

		/**
		 * Encodes it for the projection store.
		 *
		 * @return the record, with the state's document ({@code null} when deleted)
		 */
		public EntityRecord encode() {
			return new EntityRecord(type, entityId, userId, EventCodec.encodeList(events), document);
		}
	}

	/**
	 * The folds changed since the last call, clearing the dirty set; they stay pinned as {@code saving} until
	 * {@link #saved(boolean)}. Cheap: copies references only. Committer only, no save running.
	 *
	 * @return the snapshots
	 */
	public List<FoldSnapshot> snapshotDirty() {
		List<FoldSnapshot> out = new ArrayList<>(dirty.size());
		List<EntityFold> taken = new ArrayList<>(dirty.size());
		for (EntityFold f : dirty) {
			if (f.dirty) {
				f.dirty = false;
				if (!f.detached) {
					f.saving = true;
					// the save takes every event folded so far, other engines' too: nothing is left to wait for
					f.awaiting = 0;
					taken.add(f);
					out.add(f.snapshot());
				}
			}
		}
		dirty.clear();
		saving = taken;
		return out;
	}

	/**
	 * The save of the last snapshot ended: its folds are unpinned (now equal to what the store holds), or, when it
	 * failed, dirty again for the next checkpoint. Committer only.
	 *
	 * @param ok whether the save succeeded
	 */
	public void saved(boolean ok) {
		for (EntityFold f : saving) {
			f.saving = false;
			if (ok) {
				f.stored = true;
			}
			else {
				markDirty(f);
			}
		}
		saving = new ArrayList<>(0);
	}

	/**
	 * How many folds wait for a checkpoint (changed since the last snapshot). Committer only.
	 *
	 * @return the count
	 */
	public int dirtyCount() {
		return dirty.size();
	}

	/**
	 * Whether so many folds wait for a checkpoint that one should start early: pinned folds cannot be evicted. While
	 * the cache has room for every fold it holds, changed ones cost nothing extra and wait for the interval (fewer,
	 * larger saves rewrite each busy entity's row less often). Committer only.
	 *
	 * @return true when the cache is full and over half its capacity is dirty
	 */
	public boolean pinnedOverBound() {
		return size >= capacity && dirty.size() > Math.max(capacity / 2, 1);
	}

	/**
	 * Whether the folds changed since the last snapshot fill the cache's capacity: while a save runs, the committer
	 * then waits for it before folding more, so the pinned folds (the save's and the changed ones) stay bounded.
	 * Committer only.
	 *
	 * @return true when the changed folds number more than the capacity
	 */
	public boolean pinnedOverLimit() {
		return dirty.size() > capacity;
	}

	/**
	 * Evicts clean folds, least recently used first (clock sweep), until the cache holds at most its capacity
	 * or only pinned folds are left. Committer only.
	 */
	public void trim() {
		if (size <= capacity) {
			return;
		}
		long budget = 2L * size + 2;
		while (size > capacity && budget-- > 0) {
			if (hand == null || !hand.hasNext()) {
				if (handTypes == null || !handTypes.hasNext()) {
					handTypes = new ArrayList<>(types.values()).iterator();
					if (!handTypes.hasNext()) {
						return;
					}
				}
				hand = handTypes.next().values().iterator();
				continue;
			}
			EntityFold f = hand.next();
			if (f.dirty || f.saving || f.detached || f.awaiting != 0) {
				continue;
			}
			if (f.used) {
				f.used = false;
				continue;
			}
			hand.remove();
			f.detached = true;
			size--;
			// the store now holds an entity the cache lacks: misses must be looked up from here on
			complete = false;
		}
	}

	/**
	 * Empties the cache, pinned folds included: the store discarded its saved projection and the log is folded
	 * again from the start. Reads wait ({@link #ready()}) until {@link #rebuilt()}. The store holds no fold now,
	 * so the empty cache is {@linkplain #complete() complete}. Committer only, no save running.
	 */
	public void clear() {
		complete = !shared;
		rebuilding = Sinks.empty();
		for (Map<String, EntityFold> m : types.values()) {
			for (EntityFold f : m.values()) {
				f.detached = true;
			}
		}
		types.clear();
		dirty.clear();
		awaiting.clear();
		saving = new ArrayList<>(0);
		size = 0;
		hand = null;
		handTypes = null;
	}

	/**
	 * The log was folded again after {@link #clear()}: reads go on. Committer only.
	 */
	public void rebuilt() {
		Sinks.Empty<Void> r = rebuilding;
		rebuilding = null;
		if (r != null) {
			r.emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
		}
	}

	/**
	 * Completes at once, or, while the projection is folded again after {@link #clear()}, when that ends: neither
	 * the cache nor the store holds it meanwhile. Any thread.
	 *
	 * @return completes when reads may go on
	 */
	public Mono<Void> ready() {
		Sinks.Empty<Void> r = rebuilding;
		return r == null ? Mono.empty() : r.asMono();
	}

	/**
	 * How many folds the cache holds, pinned ones included. Committer only.
	 *
	 * @return the count
	 */
	public int size() {
		return size;
	}

	/**
	 * How many cached folds the store does not hold yet (entities new since the last checkpoint). Any thread;
	 * a snapshot that may be off by the folds changing meanwhile.
	 *
	 * @return the count
	 */
	public long unsavedNew() {
		long n = 0;
		for (Map<String, EntityFold> m : types.values()) {
			for (EntityFold f : m.values()) {
				if (!f.stored) {
					n++;
				}
			}
		}
		return n;
	}

	/**
	 * The key of an entity in a set of entities of several types.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the key
	 */
	public static String key(String type, String entityId) {
		return type + '\u0000' + entityId;
	}

	/**
	 * The cached state of an entity. Any thread.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the state (a tombstone for a deleted entity), or {@code null} when the cache does not hold it
	 */
	public EntityState cached(String type, String entityId) {
		Map<String, EntityFold> m = types.get(type);
		EntityFold f = m == null ? null : m.get(entityId);
		if (f == null) {
			return null;
		}
		f.used = true;
		return f.state;
	}

	/**
	 * The head event of an entity the cache holds. Committer only, after {@link #loadMissing} of the entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the id of the winning event, or {@code null}
	 */
	public java.util.UUID head(String type, String entityId) {
		EntityState s = cached(type, entityId);
		return s == null ? null : s.version();
	}

	/**
	 * The cached states of a type, tombstones included, by entity id: what a query lays over the store's pages
	 * (a cached state is never older than the saved one). Any thread.
	 *
	 * @param type entity type
	 * @return a snapshot
	 */
	public NavigableMap<String, EntityState> cachedStates(String type) {
		NavigableMap<String, EntityState> out = new TreeMap<>();
		Map<String, EntityFold> m = types.get(type);
		if (m != null) {
			for (EntityFold f : m.values()) {
				EntityState s = f.state;
				if (s != null) {
					out.put(f.entityId, s);
				}
			}
		}
		return out;
	}

	/**
	 * The types the cache holds folds of. Any thread.
	 *
	 * @return a snapshot of the type names
	 */
	public Collection<String> cachedTypes() {
		List<String> out = new ArrayList<>();
		types.forEach((t, m) -> {
			if (!m.isEmpty()) {
				out.add(t);
			}
		});
		return out;
	}

	private void markDirty(EntityFold f) {
		if (!f.dirty) {
			f.dirty = true;
			dirty.add(f);
		}
	}

	private void markAwaiting(EntityFold f, long position) {
		if (f.dirty) {
			return; // the next save takes it with this engine's own changes
		}
		if (f.awaiting == 0) {
			awaiting.add(f);
		}
		f.awaiting = Math.max(f.awaiting, position);
	}

	/**
	 * How many folds wait for other engines' saves. Committer only.
	 *
	 * @return the count
	 */
	public int awaitingCount() {
		return awaiting.size();
	}

	/**
	 * Unpins the folds whose other engines' events the store holds now: every engine has saved the folds of its own
	 * commits up to {@code covered} ({@link ProjectionStore#covered()}), so such a fold may be evicted and looked up
	 * again. Committer only.
	 *
	 * @param covered the position up to which every engine's commits are saved
	 */
	public void release(long covered) {
		awaiting.removeIf(f -> {
			if (f.awaiting != 0 && f.awaiting <= covered) {
				f.awaiting = 0;
			}
			return f.awaiting == 0 || f.detached;
		});
	}

	/**
	 * Saves the waiting folds itself when so many wait that the cache is full and half of it waits (an engine that
	 * committed them is slow to save, or stopped and has not replayed yet): they become dirty, saved by the next
	 * checkpoint, merged with what the store holds. Committer only.
	 *
	 * @return whether any became dirty
	 */
	public boolean adoptAwaitingOverBound() {
		if (size < capacity || awaiting.size() <= Math.max(capacity / 2, 1)) {
			return false;
		}
		for (EntityFold f : awaiting) {
			if (f.awaiting != 0 && !f.detached) {
				f.awaiting = 0;
				markDirty(f);
			}
		}
		awaiting.clear();
		return true;
	}

	private static final class EntityFold {
		final String type;
		final String entityId;
		/** The type's strategy, looked up once: the policy does not change while the projector lives. */
		final ConflictStrategy strategy;
		final List<Event> events = new ArrayList<>(1);
		volatile EntityState state;
		/** Listed in the projector's dirty list; touched on the folding thread only. */
		boolean dirty;
		/** Taken out of the projection: a lookup made before that must not fold into it. Folding thread only. */
		boolean detached;
		/** Taken by the running save: pinned until it ends. Folding thread only. */
		boolean saving;
		/**
		 * Shared store: the position of the newest event of another engine folded in that this engine did not save,
		 * pinned until the store covers it; 0 when none. Folding thread only.
		 */
		long awaiting;
		/** The store holds a fold of the entity (loaded from it, or saved). Folding thread only. */
		volatile boolean stored;
		/** Used since the eviction sweep last passed: spared once. Set by any thread, a hint only. */
		boolean used;

		/** What {@link #add} did: the state changed. */
		static final int CHANGED = 0;
		/** What {@link #add} did: the event is held or cannot change the state; the state did not change. */
		static final int UNCHANGED = 1;
		/** What {@link #add} did: the fold holds the event already. */
		static final int KNOWN = 2;

		EntityFold(String type, String entityId, ProjectionPolicy policy) {
			this.type = type;
			this.entityId = entityId;
			this.strategy = policy.strategy(type);
		}

		Event head() {
			return events.isEmpty() ? null : events.get(events.size() - 1);
		}

		FoldSnapshot snapshot() {
			EntityState s = state;
			return new FoldSnapshot(type, entityId, s.userId(), events.size() == 1 ? List.of(events.get(0))
					: List.copyOf(events), s.deleted() ? null : s.document());
		}

		/** Adds an event; returns {@link #CHANGED}, {@link #UNCHANGED} or {@link #KNOWN}. */
		int add(Event e, ProjectionPolicy policy) {
			Comparator<Event> order = order(strategy, policy);
			boolean custom = strategy == ConflictStrategy.CUSTOM;
			int idx = Collections.binarySearch(events, e, order);
			if (idx >= 0) {
				return KNOWN; // the same event again: the vector normally drops it before here
			}
			idx = -idx - 1;
			if (!custom && idx == 0 && !events.isEmpty() && isReset(events.get(0))) {
				return UNCHANGED; // older than the newest PUT/DELETE: cannot change the fold
			}
			events.add(idx, e);
			if (!custom && isReset(e) && idx > 0) {
				events.subList(0, idx).clear();
				idx = 0;
			}
			if (idx == events.size() - 1 && state != null && (idx > 0 || !custom)) {
				try {
					state = step(state, e, strategy, policy);
				}
				catch (RuntimeException error) {
					// only a CUSTOM fold or an upcaster can throw: the event stays out of the fold, on every replica alike
					events.remove(idx);
					throw error;
				}
			}
			else if (refold(policy).contains(e)) {
				throw new IllegalStateException("the custom fold of " + type + " threw on event " + e.id());
			}
			return CHANGED;
		}

		/** Folds every held event again; events whose CUSTOM fold throws are left out. Returns those. */
		List<Event> refold(ProjectionPolicy policy) {
			events.sort(order(strategy, policy));
			List<Event> failed = new ArrayList<>(0);
			EntityState s = null;
			for (java.util.Iterator<Event> it = events.iterator(); it.hasNext();) {
				Event e = it.next();
				try {
					s = step(s, e, strategy, policy);
				}
				catch (RuntimeException error) {
					it.remove();
					failed.add(e);
				}
			}
			state = s;
			return failed;
		}

		private EntityState step(EntityState prev, Event e, ConflictStrategy strategy, ProjectionPolicy policy) {
			byte[] doc = prev == null || prev.deleted() ? null : prev.document();
			// payloads are read at the type's current schema: the one place where old events are upcast
			io.tributary.Upcasters upcasters = policy.upcasters();
			int version = upcasters.readVersion(e);
			byte[] next;
			if (strategy == ConflictStrategy.CUSTOM) {
				CustomResolver resolver = policy.resolver(type);
				ObjectNode result = resolver.fold(doc == null ? null : Json.parseObject(doc), e, upcasters.tree(e));
				next = result == null ? null : Json.bytes(result);
			}
			else if (e.op() == Op.PUT) {
				next = upcasters.payload(e);
			}
			else if (e.op() == Op.DELETE) {
				next = null;
			}
			else {
				ObjectNode target = doc == null ? Json.MAPPER.createObjectNode() : Json.parseObject(doc);
				ObjectNode patch = upcasters.tree(e);
				if (strategy == ConflictStrategy.FIELD_MERGE) {
					Json.deepMerge(target, patch);
				}
				else {
					Json.shallowMerge(target, patch);
				}
				next = Json.bytes(target);
			}
			if (next != null && doc != null && e.op() != Op.PUT) {
				version = Math.max(version, prev.schemaVersion()); // fields of a newer schema may remain
			}
			// the head is the last event folded so far; when folding incrementally that is the new last event
			return new EntityState(type, entityId, next, next == null, e.id(), e.hlc(), e.origin(), e.userId(), version);
		}

		private static boolean isReset(Event e) {
			return e.op() != Op.PATCH;
		}

		static Comparator<Event> order(ConflictStrategy strategy, ProjectionPolicy policy) {
			if (strategy == ConflictStrategy.ORIGIN_PRIORITY) {
				return Comparator.<Event>comparingInt(ev -> policy.rank(ev.origin())).thenComparing(CANONICAL);
			}
			return CANONICAL;
		}
	}
}
