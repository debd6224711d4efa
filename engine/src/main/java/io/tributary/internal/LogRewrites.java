package io.tributary.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import io.tributary.EntityChange;
import io.tributary.Event;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;

/**
 * Erase and fill: the two operations that change stored events in place (blanks out a user's events; puts content
 * back in the place of blanks and stubs). Each runs with the committer's gate to itself, folds the entities it
 * touched again and has the next checkpoint save the whole projection (the store discarded its saved one).
 */
final class LogRewrites {

	private final Storage storage;
	private final CommitLoop loop;
	private final Projector projector;
	private final HeldEvents held;
	private final Checkpoints checkpoints;
	private final EngineMetrics metrics;
	private final Fanout fanout;
	private final WriteChecks checks;
	private final CommittedEvents committed;

	LogRewrites(Storage storage, CommitLoop loop, Projector projector, HeldEvents held, Checkpoints checkpoints,
			EngineMetrics metrics, Fanout fanout, WriteChecks checks, CommittedEvents committed) {
		this.storage = storage;
		this.loop = loop;
		this.projector = projector;
		this.held = held;
		this.checkpoints = checkpoints;
		this.metrics = metrics;
		this.fanout = fanout;
		this.checks = checks;
		this.committed = committed;
	}

	/** See {@link io.tributary.SyncEngine#erase(String)}. */
	Mono<Long> erase(String userId) {
		Objects.requireNonNull(userId, "userId");
		// the user's folds leave the projector, the store blanks the user's events, then the entities are folded
		// again from what remains of the log and checkpointed (the store's checkpoint went back to 0)
		return loop.exclusive(() -> {
			Set<String> affected = projector.erase(userId);
			held.erase(userId);
			checkpoints.erase(userId);
			return storage.erase(userId)
					.defaultIfEmpty(0L)
					.flatMap(n -> affected.isEmpty() ? Mono.just(n)
							: LiveTail.pages(storage.events(), 0).concatMapIterable(l -> l)
									.filter(e -> affected.contains(Projector.key(e.type(), e.entityId())))
									.doOnNext(this::refold)
									.then(Mono.just(n)))
					.doOnNext(n -> {
						checkpoints.snapshotDiscarded();
						fanout.signal(new SyncSignal.UserErased(n, affected.size()));
					});
		});
	}

	/**
	 * Fills blanks and stubs with the given events, checked, admitted for {@code user} and redacted as
	 * {@code apply} would; see {@link io.tributary.SyncEngine#fill(List)}. Called on subscription.
	 *
	 * @throws io.tributary.ValidationException when an event is invalid (nothing is filled)
	 */
	Mono<Integer> fill(List<Event> events, String user) {
		VersionVector v = committed.vector();
		List<Event> candidates = new ArrayList<>();
		for (Event e : List.copyOf(Objects.requireNonNull(events, "events"))) {
			checks.validateRemote(e, false);
			if (!e.isStub() && Rls.admits(user, e) && v.covers(e.origin(), e.originSeq())) {
				candidates.add(checks.redact(e));
			}
		}
		return candidates.isEmpty() ? Mono.just(0) : loop.exclusive(() -> storage.fill(candidates).map(filled -> {
			List<EntityChange> changes = new ArrayList<>(filled.size());
			for (Event e : filled) {
				Projector.Outcome o = refold(e);
				if (o != null && o.change() != null) {
					changes.add(o.change());
				}
				if (o != null && o.conflict() != null) {
					checkpoints.conflict(o.conflict());
					metrics.conflict();
					fanout.signal(new SyncSignal.ConflictDetected(o.conflict()));
				}
			}
			if (!changes.isEmpty()) {
				fanout.changed(changes);
			}
			if (!filled.isEmpty()) {
				checkpoints.snapshotDiscarded();
			}
			return filled.size();
		}));
	}

	/** Folds an event in outside a commit; a CUSTOM fold that throws is counted, as on replay. */
	private Projector.Outcome refold(Event e) {
		try {
			return projector.apply(e);
		}
		catch (RuntimeException error) {
			metrics.projectionFailed();
			return null;
		}
	}
}
