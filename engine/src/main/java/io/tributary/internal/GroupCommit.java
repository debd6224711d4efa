package io.tributary.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.HybridClock;
import io.tributary.RowLevelSecurityException;
import io.tributary.SyncSignal;
import io.tributary.Uuid7;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.spi.EventStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One group commit: stamps the batch's local writes (origin sequence, hybrid clock, base), answers writes whose
 * id is already stored, sorts peer events into the next of their origin, duplicates and events held above a
 * gap, hands the batch to the store as one transaction, then publishes what the store confirmed
 * ({@link CommittedEvents}) and answers every submitter on the completion scheduler, in commit order. Runs inside
 * the committer's gate; {@code release} gives the gate back when the commit ended either way.
 */
final class GroupCommit {

	private final EventStore store;
	private final String origin;
	private final HybridClock hlc;
	private final Projector projector;
	private final HeldEvents held;
	private final CommittedEvents committed;
	private final EngineMetrics metrics;
	private final Fanout fanout;
	private final Scheduler completions;
	private final Runnable release;

	/** Sequences taken by the batch in flight, per origin, over the committed vector. */
	private final Map<String, Long> work = new HashMap<>();
	/** The peer events of the batch in flight, to hold again if its commit fails. */
	private final List<Event> takenRemote = new ArrayList<>();

	GroupCommit(EventStore store, String origin, HybridClock hlc, Projector projector, HeldEvents held,
			CommittedEvents committed, EngineMetrics metrics, Fanout fanout, Scheduler completions, Runnable release) {
		this.store = store;
		this.origin = origin;
		this.hlc = hlc;
		this.projector = projector;
		this.held = held;
		this.committed = committed;
		this.metrics = metrics;
		this.fanout = fanout;
		this.completions = completions;
		this.release = release;
	}

	private long workSeq(String o) {
		Long v = work.get(o);
		return v == null ? committed.vector().get(o) : v;
	}

	/**
	 * Commits a batch; a RuntimeException thrown here means the batch failed before the store took it. The
	 * entities the batch's writes and peer events touch are looked up first where the projector's cache lacks them
	 * (a write's base is its entity's head), one store call per type.
	 */
	void commit(List<Submission> batch) {
		takenRemote.clear();
		Set<UUID> chosen = null;
		List<Event> touched = new ArrayList<>();
		List<WriteRequest> writes = new ArrayList<>(batch.size());
		for (Submission p : batch) {
			if (p instanceof Submission.LocalWrite w) {
				WriteRequest r = w.request;
				writes.add(r);
				if (r.id() != null) {
					if (chosen == null) {
						chosen = new HashSet<>();
					}
					chosen.add(r.id());
				}
			}
			else if (p instanceof Submission.PeerBatch pb) {
				touched.addAll(pb.remote);
			}
		}
		Set<UUID> ids = chosen == null ? Set.of() : chosen;
		// the gate stays held while the store is asked, so no other commit can store one of these ids
		// meanwhile: the check and the commit are one step
		Mono<Map<UUID, Event>> found = chosen == null ? Mono.just(Map.of())
				: Flux.fromIterable(ids).concatMap(store::eventById).collectMap(Event::id);
		// the usual write (no id of the writer's, its entity cached) runs through here synchronously
		projector.loadMissing(touched, writes).then(found).subscribe(f -> {
			try {
				stamp(batch, f, ids);
			}
			catch (RuntimeException e) {
				failed(batch, batch.size(), e);
			}
		}, error -> failed(batch, batch.size(), error));
	}

	/**
	 * Stamps the batch's local writes and appends the batch. A write whose id is in {@code found} (stored
	 * before) or was taken by an earlier write of the batch is not stamped: it is answered with that event.
	 */
	private void stamp(List<Submission> batch, Map<UUID, Event> found, Set<UUID> chosen) {
		work.clear();
		List<Event> events = new ArrayList<>(batch.size());
		Map<String, UUID> batchHeads = null;
		Map<UUID, Submission.LocalWrite> firstOfId = chosen.isEmpty() ? Map.of() : new HashMap<>();
		Set<UUID> kept = chosen.isEmpty() ? Set.of() : new HashSet<>();
		int local = 0;
		for (Submission s : batch) {
			if (s instanceof Submission.LocalWrite p) {
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
				UUID id = r.id() != null ? r.id() : Uuid7.create(Hlc.millis(stamp));
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
						r.schemaVersion(), 0, r.project());
				p.index = events.size();
				events.add(e);
				local++;
			}
			else if (s instanceof Submission.PeerBatch p) {
				classifyRemote(p, events);
			}
		}
		if (events.isEmpty()) {
			committed(batch, events, events, 0, 0);
			return;
		}
		long t0 = System.nanoTime();
		int localCount = local;
		for (Event e : events) {
			if (!e.origin().equals(origin)) {
				takenRemote.add(e);
			}
		}
		// events the held buffer released were not looked up before: usually nothing is left to load
		projector.loadMissing(events).then(kept.isEmpty() ? store.append(events) : store.append(events, kept)).subscribe(
				stored -> committed(batch, events, stored, localCount, System.nanoTime() - t0),
				error -> failed(batch, events.size(), error));
	}

	private void classifyRemote(Submission.PeerBatch p, List<Event> out) {
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
				Event next;
				while ((next = held.next(e.origin(), workSeq(e.origin()))) != null) {
					accept(next, out);
					p.applied++;
				}
			}
			else if (held.hold(e)) {
				p.held++;
			}
			else {
				p.dropped++;
			}
		}
	}

	private void accept(Event e, List<Event> out) {
		hlc.update(e.hlc());
		work.put(e.origin(), e.originSeq());
		out.add(e.withPosition(0));
	}

	private void committed(List<Submission> batch, List<Event> sent, List<Event> stored, int local, long nanos) {
		try {
			if (!stored.isEmpty()) {
				committed.published(stored, mergeWork(), local, nanos);
			}
			Event[] results = results(batch, sent, stored);
			// writers hear back on the completion thread: what they do next (often their next write) runs
			// beside the store's next commit, and never on the storage's own thread
			completions.schedule(() -> answer(batch, results));
		}
		finally {
			release.run();
		}
	}

	private Event[] results(List<Submission> batch, List<Event> sent, List<Event> stored) {
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
			Submission s = batch.get(i);
			if (s instanceof Submission.LocalWrite p) {
				Submission.LocalWrite source = p.sameAs != null ? p.sameAs : p;
				results[i] = p.existing != null ? p.existing
						: aligned ? stored.get(source.index) : byId.get(sent.get(source.index).id());
				if (source != p || p.existing != null) {
					metrics.deduplicated();
				}
			}
			else if (s instanceof Submission.PeerBatch p) {
				metrics.duplicates(p.duplicates);
				fanout.signal(new SyncSignal.RemoteApplied(p.applied, p.duplicates, p.held, p.dropped));
			}
		}
		return results;
	}

	private static void answer(List<Submission> batch, Event[] results) {
		for (int i = 0; i < results.length; i++) {
			Submission s = batch.get(i);
			if (s instanceof Submission.LocalWrite p) {
				Event e = results[i];
				if ((p.existing != null || p.sameAs != null) && !Rls.admits(p.user, e)) {
					p.fail(new RowLevelSecurityException("write with id " + p.request.id()
							+ " refused: that id is another user's change"));
				}
				else {
					p.succeed(e);
				}
			}
			else if (s instanceof Submission.PeerBatch p) {
				p.succeed();
			}
		}
	}

	private VersionVector mergeWork() {
		Map<String, Long> merged = new HashMap<>(committed.vector().entries());
		merged.putAll(work);
		work.clear();
		return VersionVector.of(merged);
	}

	/** The batch failed: its writers get the error, its peer events wait in the held buffer again. */
	void failed(List<Submission> batch, int events, Throwable error) {
		work.clear();
		held.restore(takenRemote);
		takenRemote.clear();
		metrics.rejected("store", events);
		fanout.signal(new SyncSignal.CommitFailed(events, error));
		completions.schedule(() -> {
			for (Submission p : batch) {
				p.fail(error);
			}
		});
		release.run();
	}
}
