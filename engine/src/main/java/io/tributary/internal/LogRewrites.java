package io.tributary.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import io.tributary.EntityChange;
import io.tributary.Event;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.spi.Erasure;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;

/**
 * Erase and fill: the two operations that change stored events in place (blanks out a user's events; puts content
 * back in the place of blanks and stubs). Each runs with the committer's gate to itself. The store discards its
 * saved projection when it rewrites the log, and the engine holds only a cache of folds, so the whole log is then
 * folded again into an empty cache ({@link Replay}: streaming, saving the folds as it goes); what remains unsaved
 * is saved by the next checkpoint, asked for at once.
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
	private final Replay replay;

	LogRewrites(Storage storage, CommitLoop loop, Projector projector, HeldEvents held, Checkpoints checkpoints,
			EngineMetrics metrics, Fanout fanout, WriteChecks checks, CommittedEvents committed, Replay replay) {
		this.replay = replay;
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
		// the store blanks the user's events and discards its saved projection; then the whole log is folded
		// again into an empty cache (the engine holds only some folds, so it cannot tell which entities held one of
		// the user's events without reading the log anyway), and the next checkpoint saves what is left unsaved
		return loop.exclusive(() -> {
			held.erase(userId);
			checkpoints.erase(userId);
			// the entities that held one of the user's events, for the signal: blanks keep no entity
			Set<String> affected = new HashSet<>();
			return LiveTail.pages(storage.events(), 0)
					.doOnNext(page -> {
						for (Event e : page) {
							if (Erasure.owns(userId, e)) {
								affected.add(Projector.key(e.type(), e.entityId()));
							}
						}
					})
					.then(storage.erase(userId))
					.defaultIfEmpty(0L)
					.flatMap(n -> {
						projector.clear();
						return replay.fold(0, e -> false, e -> {
						}, false).doFinally(signal -> projector.rebuilt()).then(Mono.fromCallable(() -> {
							checkpoints.request();
							fanout.signal(new SyncSignal.UserErased(n, affected.size()));
							return n;
						}));
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
		return candidates.isEmpty() ? Mono.just(0) : loop.exclusive(() -> storage.fill(candidates).flatMap(filled -> {
			if (filled.isEmpty()) {
				return Mono.just(0);
			}
			// the store discarded its saved projection: the log is folded again without the filled events, which
			// are then folded one by one, so that each reports the change and the conflict it makes
			Set<Long> positions = new HashSet<>();
			for (Event e : filled) {
				positions.add(e.position());
			}
			projector.clear();
			return replay.fold(0, e -> positions.contains(e.position()), e -> {
			}, false)
					// built after the replay: what the cache lacks is known only then
					.then(Mono.defer(() -> projector.loadMissing(filled)))
					.doFinally(signal -> projector.rebuilt())
					.then(Mono.fromCallable(() -> {
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
						projector.trim();
						checkpoints.request();
						return filled.size();
					}));
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
