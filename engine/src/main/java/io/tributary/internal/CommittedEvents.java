package io.tributary.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tributary.EntityChange;
import io.tributary.Event;
import io.tributary.HybridClock;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import reactor.core.publisher.Mono;

/**
 * The one path by which committed events reach the engine's state: the committed vector and position, the
 * projector, the live tail ({@link LiveTail}) and the entity changes. It is fed by this engine's group
 * commits ({@link #published}) and by what the store reports other processes committed
 * ({@link io.tributary.spi.EventStore#committedByOthers()}, through {@link #observed}); nothing else folds events
 * into the projector or feeds the live tail after recovery. Called by the committer only, inside the gate; the
 * vector and position are read from any thread.
 * <p>
 * On a {@linkplain io.tributary.spi.EventStore#shared() shared} store positions are not given in commit order, so
 * the live tail and the position follow the store's feed alone, which reports every commit, this engine's own
 * too, below the store's visibility horizon. This engine's own commits are folded when they commit (read-your-writes
 * on this node) and only served when the feed reports them; everything else the feed reports is folded then, and
 * left for the engine that committed it to save (see {@link Projector#applyAll(List, boolean, Projector.Outcomes)}).
 */
final class CommittedEvents {

	private final Projector projector;
	private final HybridClock hlc;
	private final Fanout fanout;
	private final EngineMetrics metrics;
	private final Checkpoints checkpoints;
	private final LiveTail liveTail;
	private final boolean shared;
	/** Shared store: positions of this engine's commits, folded already, that the feed has not reported yet. */
	private final ArrayDeque<Long> ownUnreported = new ArrayDeque<>();
	private volatile VersionVector vector;
	private volatile long lastPosition;

	CommittedEvents(Projector projector, HybridClock hlc, Fanout fanout, EngineMetrics metrics, Checkpoints checkpoints,
			LiveTail liveTail, VersionVector vector, long lastPosition, boolean shared) {
		this.projector = projector;
		this.hlc = hlc;
		this.fanout = fanout;
		this.metrics = metrics;
		this.checkpoints = checkpoints;
		this.liveTail = liveTail;
		this.vector = vector;
		this.lastPosition = lastPosition;
		this.shared = shared;
	}

	/** The vector of committed events. */
	VersionVector vector() {
		return vector;
	}

	/**
	 * Whether the store is shared: its feed reports this engine's commits too, and they do not move
	 * {@link #lastPosition()}, so a batch the feed reported may be folded after later commits of this engine.
	 */
	boolean shared() {
		return shared;
	}

	/** The position of the newest committed event (on a shared store: the newest the feed reported). */
	long lastPosition() {
		return lastPosition;
	}

	/**
	 * Events this engine committed, in position order, with the vector that now covers them.
	 *
	 * @param stored the stored events (positions set), not empty
	 * @param next the vector after the commit
	 * @param local how many are this replica's own writes
	 * @param nanos how long the store took
	 */
	void published(List<Event> stored, VersionVector next, int local, long nanos) {
		vector = next;
		metrics.committed(stored.size(), local, nanos);
		if (shared) {
			for (Event e : stored) {
				ownUnreported.add(e.position());
			}
			fold(stored, true);
		}
		else {
			lastPosition = stored.get(stored.size() - 1).position();
			fold(stored, true);
			liveTail.publish(stored);
		}
		fanout.signal(new SyncSignal.Committed(stored, local, nanos));
	}

	/**
	 * Events another process committed to the shared store, in position order. Events the vector already covers
	 * are skipped, so a store may report a batch twice.
	 *
	 * @param batch the events, positions set
	 */
	void observed(List<Event> batch) {
		if (shared) {
			observedShared(batch);
			return;
		}
		VersionVector v = vector;
		List<Event> fresh = new ArrayList<>(batch.size());
		Map<String, Long> next = null;
		long position = lastPosition;
		for (Event e : batch) {
			if (v.covers(e.origin(), e.originSeq()) || e.position() <= position) {
				continue;
			}
			if (next == null) {
				next = new HashMap<>(v.entries());
			}
			next.merge(e.origin(), e.originSeq(), Math::max);
			position = e.position();
			hlc.update(e.hlc());
			fresh.add(e);
		}
		if (fresh.isEmpty()) {
			return;
		}
		vector = VersionVector.of(next);
		lastPosition = position;
		metrics.observed(fresh.size());
		// a store only this engine saves folds to: it saves what other processes' events changed too
		fold(fresh, true);
		liveTail.publish(fresh);
		fanout.signal(new SyncSignal.Committed(fresh, 0, 0));
	}

	/** A shared store's feed: every commit, in the order readers see them; this engine's own are folded already. */
	private void observedShared(List<Event> batch) {
		long position = lastPosition;
		List<Event> served = new ArrayList<>(batch.size());
		List<Event> fresh = new ArrayList<>(batch.size());
		Map<String, Long> next = null;
		for (Event e : batch) {
			if (e.position() <= position) {
				continue; // reported before
			}
			position = e.position();
			served.add(e);
			while (!ownUnreported.isEmpty() && ownUnreported.peekFirst() < e.position()) {
				ownUnreported.pollFirst(); // the feed passed it: it cannot come any more
			}
			if (!ownUnreported.isEmpty() && ownUnreported.peekFirst() == e.position()) {
				ownUnreported.pollFirst();
				continue; // this engine's commit: folded when it committed
			}
			if (next == null) {
				next = new HashMap<>(vector.entries());
			}
			next.merge(e.origin(), e.originSeq(), Math::max);
			hlc.update(e.hlc());
			fresh.add(e);
		}
		if (served.isEmpty()) {
			return;
		}
		if (next != null) {
			vector = VersionVector.of(next);
		}
		lastPosition = position;
		if (!fresh.isEmpty()) {
			metrics.observed(fresh.size());
			// the engine that committed them saves their folds: here they only wait in the cache until it has
			fold(fresh, false);
			fanout.signal(new SyncSignal.Committed(fresh, 0, 0));
		}
		liveTail.publish(served);
	}

	private void fold(List<Event> stored, boolean own) {
		List<EntityChange> changes = new ArrayList<>(stored.size());
		projector.applyAll(stored, own, new Projector.Outcomes() {
			@Override
			public void folded(Event e, Projector.Outcome o) {
				if (o.change() != null) {
					changes.add(o.change());
				}
				if (o.conflict() != null) {
					checkpoints.conflict(o.conflict());
					metrics.conflict();
					fanout.signal(new SyncSignal.ConflictDetected(o.conflict()));
				}
			}

			@Override
			public void failed(Event e, RuntimeException error) {
				metrics.projectionFailed();
				fanout.signal(new SyncSignal.ProjectionFailed(e, error));
			}
		});
		if (!changes.isEmpty()) {
			fanout.changed(changes);
		}
		// the batch is folded: what it loaded may be evicted now; too many unsaved folds ask for a checkpoint early
		projector.trim();
		if (projector.adoptAwaitingOverBound() || projector.pinnedOverBound()) {
			checkpoints.request();
		}
	}

	/**
	 * Looks up, in the store, the entities of events about to be {@link #observed} that the projector's cache
	 * lacks. Committer only, with the gate held until it completes and the events are folded.
	 *
	 * @param events the events
	 * @return completes when they may be folded
	 */
	Mono<Void> prepare(List<Event> events) {
		return projector.loadMissing(events);
	}
}
