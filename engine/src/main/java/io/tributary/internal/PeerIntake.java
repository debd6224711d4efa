package io.tributary.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.ValidationException;
import reactor.core.publisher.Mono;

/**
 * Peer events on their way in: every event checked as a local write would be (the whole call refused when one
 * is invalid), those row-level security refuses replaced by blanks (counted and signalled), the others
 * redacted, and the lot submitted to the committer as one {@link Submission.PeerBatch}.
 */
final class PeerIntake {

	private final WriteChecks checks;
	private final CommitLoop loop;
	private final EngineMetrics metrics;
	private final Fanout fanout;

	PeerIntake(WriteChecks checks, CommitLoop loop, EngineMetrics metrics, Fanout fanout) {
		this.checks = checks;
		this.loop = loop;
		this.metrics = metrics;
		this.fanout = fanout;
	}

	/**
	 * Applies peer events admitted for a user (others become blanks), or for anyone when the user is null; with
	 * {@code payloadsChecked}, payloads are not parsed again (see {@link io.tributary.spi.EngineAdmin#applyChecked}).
	 */
	Mono<SyncEngine.ApplyResult> apply(List<Event> events, String user, boolean payloadsChecked) {
		return Mono.defer(() -> {
			List<Event> copy = List.copyOf(Objects.requireNonNull(events, "events"));
			if (copy.isEmpty()) {
				return Mono.just(new SyncEngine.ApplyResult(0, 0, 0, 0));
			}
			try {
				for (Event e : copy) {
					checks.validateRemote(e, payloadsChecked);
				}
			}
			catch (ValidationException e) {
				metrics.rejected("validation", copy.size());
				return Mono.error(e);
			}
			List<Event> admitted = new ArrayList<>(copy.size());
			int refused = 0;
			for (Event e : copy) {
				if (!Rls.admits(user, e)) {
					refused++;
					fanout.signal(new SyncSignal.RemoteRefused(e.origin(), e.originSeq(), e.type(), user));
					admitted.add(e.blank());
				}
				else {
					admitted.add(checks.redact(e));
				}
			}
			if (refused > 0) {
				metrics.rejected("security", refused);
			}
			int refusedCount = refused;
			return Mono.<SyncEngine.ApplyResult>create(
					sink -> loop.submit(new Submission.PeerBatch(admitted, refusedCount, sink)));
		});
	}
}
