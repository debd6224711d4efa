package io.tributary.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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

/**
 * The in-memory projection: folds events into entity states under a {@link ProjectionPolicy}.
 * <p>
 * Each entity keeps the events its state still depends on, sorted in the strategy's order: for PUT and
 * DELETE based strategies the suffix from the newest PUT or DELETE on (older events cannot change the
 * result), for {@link ConflictStrategy#CUSTOM} every event. An event that sorts last is folded
 * incrementally; one that arrives late is inserted and the suffix folded again, which is what makes the
 * result a function of the set of events and not of their arrival order.
 * <p>
 * Mutation ({@link #apply(Event)}, {@link #load(EntityRecord)}, {@link #snapshotDirty()}) must come from one
 * thread at a time; reads ({@link #get}, {@link #query}, {@link #head}) are safe from any thread.
 * Internal: not part of the API.
 */
public final class Projector {

	private static final Comparator<Event> CANONICAL = Event::compareCanonical;

	private final ProjectionPolicy policy;
	private final Map<String, Map<String, EntityFold>> types = new ConcurrentHashMap<>();
	/** Folds changed since the last snapshot, each once (its {@code dirty} flag says it is listed). */
	private final List<EntityFold> dirty = new ArrayList<>();

	/**
	 * A projector with a policy.
	 *
	 * @param policy the policy
	 */
	public Projector(ProjectionPolicy policy) {
		this.policy = Objects.requireNonNull(policy, "policy");
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
		return apply(e, null);
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
				o = apply(e, found == null ? null : found[i]);
			}
			catch (RuntimeException error) {
				outcomes.failed(e, error);
				continue;
			}
			outcomes.folded(e, o);
		}
	}

	private Outcome apply(Event e, EntityFold known) {
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
				f = m.computeIfAbsent(e.entityId(), id -> new EntityFold(e.type(), id, policy));
			}
		}
		Event before = f.head();
		Conflict conflict = null;
		boolean changed;
		try {
			changed = f.add(e, policy);
		}
		catch (RuntimeException error) {
			if (f.state == null) {
				f.detached = types.get(e.type()).remove(e.entityId(), f);
			}
			throw error;
		}
		markDirty(f);
		if (before != null && !Objects.equals(e.base(), before.id())) {
			conflict = new Conflict(e.type(), e.entityId(), e, before, f.head().id(), f.strategy);
		}
		return new Outcome(changed ? new io.tributary.EntityChange(e, f.state) : null, conflict);
	}

	/**
	 * Loads a saved fold, replacing what is held for the entity.
	 *
	 * @param record the saved fold
	 */
	public void load(EntityRecord record) {
		EntityFold f = new EntityFold(record.type(), record.entityId(), policy);
		f.events.addAll(EventCodec.decodeList(record.fold()));
		f.refold(policy);
		if (f.state == null) {
			return; // nothing of it folds (every event's custom fold threw): as if unknown
		}
		types.computeIfAbsent(record.type(), t -> new ConcurrentHashMap<>()).put(record.entityId(), f);
	}

	/**
	 * One entity's fold as it was when taken: the events are a private copy, so it can be encoded on any
	 * thread while folding goes on.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param userId owner of the head
	 * @param events the events the state depends on
	 */
	public record FoldSnapshot(String type, String entityId, String userId, List<Event> events) {

		/**
		 * Encodes it for the projection store.
		 *
		 * @return the record
		 */
		public EntityRecord encode() {
			return new EntityRecord(type, entityId, userId, EventCodec.encodeList(events));
		}
	}

	/**
	 * The folds changed since the last call, clearing the dirty set. Cheap: copies references only.
	 *
	 * @return the snapshots
	 */
	public List<FoldSnapshot> snapshotDirty() {
		List<FoldSnapshot> out = new ArrayList<>(dirty.size());
		for (EntityFold f : dirty) {
			if (f.dirty) {
				f.dirty = false;
				out.add(f.snapshot());
			}
		}
		clearDirty();
		return out;
	}

	/**
	 * Every fold (a full snapshot), clearing the dirty set.
	 *
	 * @return the snapshots
	 */
	public List<FoldSnapshot> snapshotAll() {
		List<FoldSnapshot> out = new ArrayList<>();
		for (Map<String, EntityFold> m : types.values()) {
			for (EntityFold f : m.values()) {
				out.add(f.snapshot());
			}
		}
		clearDirty();
		return out;
	}

	/**
	 * Marks folds dirty again after their snapshots failed to save.
	 *
	 * @param snapshots the snapshots that were not saved
	 */
	public void markDirty(List<FoldSnapshot> snapshots) {
		for (FoldSnapshot r : snapshots) {
			Map<String, EntityFold> m = types.get(r.type());
			EntityFold f = m == null ? null : m.get(r.entityId());
			if (f != null) {
				markDirty(f);
			}
		}
	}

	/**
	 * Removes every entity whose fold holds an event of a user. The caller folds those entities again from what
	 * remains of the log ({@link #apply(Event)} of their events), since a fold keeps only the events its state
	 * still depends on.
	 *
	 * @param userId the user
	 * @return the removed entities, as {@link #key(String, String)}
	 */
	public Set<String> erase(String userId) {
		Set<String> removed = new java.util.HashSet<>();
		for (Map<String, EntityFold> m : types.values()) {
			for (java.util.Iterator<EntityFold> it = m.values().iterator(); it.hasNext();) {
				EntityFold f = it.next();
				for (Event e : f.events) {
					if (userId.equals(e.userId())) {
						it.remove();
						f.detached = true;
						f.dirty = false;
						removed.add(key(f.type, f.entityId));
						break;
					}
				}
			}
		}
		types.values().removeIf(Map::isEmpty);
		return removed;
	}

	/**
	 * The key of an entity in {@link #erase(String)}'s result.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the key
	 */
	public static String key(String type, String entityId) {
		return type + '\u0000' + entityId;
	}

	/**
	 * How many entities the projection holds, tombstones included.
	 *
	 * @return the count
	 */
	public long size() {
		long n = 0;
		for (Map<String, EntityFold> m : types.values()) {
			n += m.size();
		}
		return n;
	}

	/**
	 * The state of an entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the state (a tombstone for a deleted entity), or {@code null} when no event is known
	 */
	public EntityState get(String type, String entityId) {
		Map<String, EntityFold> m = types.get(type);
		EntityFold f = m == null ? null : m.get(entityId);
		return f == null ? null : f.state;
	}

	/**
	 * The head event of an entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the id of the winning event, or {@code null}
	 */
	public java.util.UUID head(String type, String entityId) {
		EntityState s = get(type, entityId);
		return s == null ? null : s.version();
	}

	/**
	 * The states of a type, tombstones included, sorted by entity id.
	 *
	 * @param type entity type
	 * @return a snapshot
	 */
	public List<EntityState> query(String type) {
		Map<String, EntityFold> m = types.get(type);
		if (m == null) {
			return new ArrayList<>(0);
		}
		List<EntityState> out = new ArrayList<>(m.size());
		for (EntityFold f : m.values()) {
			out.add(f.state);
		}
		out.sort(Comparator.comparing(EntityState::entityId));
		return out;
	}

	/**
	 * The known entity types.
	 *
	 * @return a snapshot of the type names
	 */
	public Collection<String> types() {
		return new ArrayList<>(types.keySet());
	}

	private void markDirty(EntityFold f) {
		if (!f.dirty) {
			f.dirty = true;
			dirty.add(f);
		}
	}

	private void clearDirty() {
		for (EntityFold f : dirty) {
			f.dirty = false;
		}
		dirty.clear();
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

		EntityFold(String type, String entityId, ProjectionPolicy policy) {
			this.type = type;
			this.entityId = entityId;
			this.strategy = policy.strategy(type);
		}

		Event head() {
			return events.isEmpty() ? null : events.get(events.size() - 1);
		}

		FoldSnapshot snapshot() {
			return new FoldSnapshot(type, entityId, state.userId(), events.size() == 1 ? List.of(events.get(0))
					: List.copyOf(events));
		}

		/** Adds an event; returns whether the state changed. */
		boolean add(Event e, ProjectionPolicy policy) {
			Comparator<Event> order = order(strategy, policy);
			boolean custom = strategy == ConflictStrategy.CUSTOM;
			int idx = Collections.binarySearch(events, e, order);
			if (idx >= 0) {
				return false; // the same event again: the vector normally drops it before here
			}
			idx = -idx - 1;
			if (!custom && idx == 0 && !events.isEmpty() && isReset(events.get(0))) {
				return false; // older than the newest PUT/DELETE: cannot change the fold
			}
			events.add(idx, e);
			if (!custom && isReset(e) && idx > 0) {
				events.subList(0, idx).clear();
				idx = 0;
			}
			if (idx == events.size() - 1 && state != null && (idx > 0 || !custom)) {
				try {
					state = step(state.deleted() ? null : state.document(), e, strategy, policy);
				}
				catch (RuntimeException error) {
					// only a CUSTOM fold can throw: the event stays out of the fold, on every replica alike
					events.remove(idx);
					throw error;
				}
			}
			else if (refold(policy).contains(e)) {
				throw new IllegalStateException("the custom fold of " + type + " threw on event " + e.id());
			}
			return true;
		}

		/** Folds every held event again; events whose CUSTOM fold throws are left out. Returns those. */
		List<Event> refold(ProjectionPolicy policy) {
			events.sort(order(strategy, policy));
			List<Event> failed = new ArrayList<>(0);
			byte[] doc = null;
			EntityState s = null;
			for (java.util.Iterator<Event> it = events.iterator(); it.hasNext();) {
				Event e = it.next();
				try {
					s = step(doc, e, strategy, policy);
					doc = s.document();
				}
				catch (RuntimeException error) {
					it.remove();
					failed.add(e);
				}
			}
			state = s;
			return failed;
		}

		private EntityState step(byte[] doc, Event e, ConflictStrategy strategy, ProjectionPolicy policy) {
			byte[] next;
			if (strategy == ConflictStrategy.CUSTOM) {
				CustomResolver resolver = policy.resolver(type);
				ObjectNode result = resolver.fold(doc == null ? null : Json.parseObject(doc), e,
						e.payload() == null ? null : Json.parseObject(e.payload()));
				next = result == null ? null : Json.bytes(result);
			}
			else if (e.op() == Op.PUT) {
				next = e.payload();
			}
			else if (e.op() == Op.DELETE) {
				next = null;
			}
			else {
				ObjectNode target = doc == null ? Json.MAPPER.createObjectNode() : Json.parseObject(doc);
				ObjectNode patch = Json.parseObject(e.payload());
				if (strategy == ConflictStrategy.FIELD_MERGE) {
					Json.deepMerge(target, patch);
				}
				else {
					Json.shallowMerge(target, patch);
				}
				next = Json.bytes(target);
			}
			// the head is the last event folded so far; when folding incrementally that is the new last event
			return new EntityState(type, entityId, next, next == null, e.id(), e.hlc(), e.origin(), e.userId());
		}

		private static boolean isReset(Event e) {
			return e.op() != Op.PATCH;
		}

		private static Comparator<Event> order(ConflictStrategy strategy, ProjectionPolicy policy) {
			if (strategy == ConflictStrategy.ORIGIN_PRIORITY) {
				return Comparator.<Event>comparingInt(ev -> policy.rank(ev.origin())).thenComparing(CANONICAL);
			}
			return CANONICAL;
		}
	}
}
