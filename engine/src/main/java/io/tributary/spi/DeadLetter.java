package io.tributary.spi;

import java.time.Instant;
import java.util.Objects;

import io.tributary.Event;

/**
 * A local event that an upstream refused permanently (validation, row-level security): kept with the
 * reason until it is replayed after a fix or deleted. Nothing refused is dropped silently.
 *
 * @param event the refused event, as stored in the local log
 * @param code the upstream's rejection code (for example {@code FORBIDDEN} or {@code INVALID_EVENT})
 * @param reason the upstream's explanation
 * @param rejectedAt when the rejection was received
 */
public record DeadLetter(Event event, String code, String reason, Instant rejectedAt) {

	/**
	 * Checks the fields.
	 */
	public DeadLetter {
		Objects.requireNonNull(event, "event");
		Objects.requireNonNull(code, "code");
		Objects.requireNonNull(reason, "reason");
		Objects.requireNonNull(rejectedAt, "rejectedAt");
	}
}
