package io.tributary.transport.client;

import java.time.Duration;

import io.tributary.spi.DeadLetter;

/**
 * What a {@link SyncClient} reports on {@link SyncClient#signals()}: a typed, sealed family of records.
 */
public sealed interface ClientSignal {

	/**
	 * An outsync drain ended because the upstream holds every local event (or it stopped on a refused event).
	 *
	 * @param report what the drain did
	 */
	record DrainComplete(DrainReport report) implements ClientSignal {
	}

	/**
	 * A downsync stored what the upstream sent for one entity type.
	 *
	 * @param type the entity type
	 * @param count events with content received for it
	 */
	record PullComplete(String type, int count) implements ClientSignal {
	}

	/**
	 * The engine detected a conflict (forwarded from its {@code ConflictDetected} signal).
	 *
	 * @param conflict the conflict, both sides and the winner
	 */
	record Conflict(io.tributary.Conflict conflict) implements ClientSignal {
	}

	/**
	 * The upstream refused a local event permanently; it is now a dead letter.
	 *
	 * @param letter the dead letter
	 */
	record PoisonPill(DeadLetter letter) implements ClientSignal {
	}

	/**
	 * A transient failure; the operation is tried again after a delay.
	 *
	 * @param operation {@code outsync} or {@code downsync}
	 * @param attempt 1 for the first retry
	 * @param delay the delay before it
	 * @param error the failure, as text
	 */
	record RetryScheduled(String operation, long attempt, Duration delay, String error) implements ClientSignal {
	}

	/**
	 * The upstream refused the token: the drain stopped and the outbox is kept. A new token
	 * ({@link SyncClient#resume(String)}) resumes.
	 *
	 * @param message the upstream's explanation
	 */
	record AuthRequired(String message) implements ClientSignal {
	}

	/**
	 * An operation failed and was not retried (or ran out of retries).
	 *
	 * @param operation {@code outsync} or {@code downsync}
	 * @param error the failure, as text
	 */
	record SyncError(String operation, String error) implements ClientSignal {
	}
}
