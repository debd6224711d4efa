package io.tributary;

import java.util.List;

/**
 * What the engine reports on {@link SyncEngine#signals()}: a typed, sealed family of records.
 */
public sealed interface SyncSignal {

	/**
	 * A group commit made events durable.
	 *
	 * @param events the committed events, in position order
	 * @param local how many of them were written locally (the rest came from peers)
	 * @param commitNanos how long the store took to commit them
	 */
	record Committed(List<Event> events, int local, long commitNanos) implements SyncSignal {
	}

	/**
	 * A conflict was detected and resolved.
	 *
	 * @param conflict the conflict
	 */
	record ConflictDetected(Conflict conflict) implements SyncSignal {
	}

	/**
	 * Events from a peer were offered to {@link SyncEngine#apply(List)}.
	 *
	 * @param applied how many were new and stored
	 * @param duplicates how many were already held
	 * @param held how many wait for an earlier event of their origin
	 * @param dropped how many did not fit the held buffer and must be sent again
	 */
	record RemoteApplied(int applied, int duplicates, int held, int dropped) implements SyncSignal {
	}

	/**
	 * An event was kept as a dead letter: a peer or an upstream refused it permanently, or it could not be
	 * sent at all (see {@link io.tributary.spi.EngineAdmin#deadLetter(io.tributary.spi.DeadLetter)}).
	 *
	 * @param letter the dead letter, with the code and the reason
	 */
	record DeadLettered(io.tributary.spi.DeadLetter letter) implements SyncSignal {
	}

	/**
	 * A write was refused.
	 *
	 * @param type entity type of the write
	 * @param entityId entity id of the write
	 * @param error why
	 */
	record WriteRejected(String type, String entityId, TributaryException error) implements SyncSignal {
	}

	/**
	 * The store failed to commit a batch; its writers got the error and nothing of it was acknowledged.
	 *
	 * @param events how many events the batch held
	 * @param error the error
	 */
	record CommitFailed(int events, Throwable error) implements SyncSignal {
	}

	/**
	 * An event is durable but could not be folded into the projection (a {@code CUSTOM} resolver threw);
	 * the entity keeps its previous state until it is folded again.
	 *
	 * @param event the event
	 * @param error what the fold threw
	 */
	record ProjectionFailed(Event event, Throwable error) implements SyncSignal {
	}

	/**
	 * The projection was checkpointed to the projection store.
	 *
	 * @param position the position the checkpoint covers
	 * @param entities how many entities were written
	 */
	record ProjectionCheckpointed(long position, int entities) implements SyncSignal {
	}

	/**
	 * A peer's event was refused by row-level security: its owner is not the user this replica (or the
	 * user-scoped view it came through) accepts. A blank took its place (see {@link Event#blank()}), so the
	 * origin's sequence stays gapless; nothing of the event was stored.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @param type the event's entity type
	 * @param acceptedUser the user whose events are accepted
	 */
	record RemoteRefused(String origin, long originSeq, String type, String acceptedUser) implements SyncSignal {
	}

	/**
	 * A user's data was erased ({@link SyncEngine#erase(String)}).
	 *
	 * @param events how many of the user's events were replaced by blanks
	 * @param entities how many entities left the projection
	 */
	record UserErased(long events, int entities) implements SyncSignal {
	}
}
