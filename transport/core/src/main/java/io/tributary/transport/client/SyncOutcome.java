package io.tributary.transport.client;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link SyncClient#sync()}: an outsync, then a downsync.
 *
 * @param outsync the drain's report, {@code null} when it failed
 * @param downsync the pull's report, {@code null} when it failed or did not run
 * @param errors the failures, as text, in order; empty when both succeeded
 */
public record SyncOutcome(@Nullable DrainReport outsync, @Nullable PullReport downsync, List<String> errors) {

	/**
	 * Copies the errors.
	 */
	public SyncOutcome {
		errors = List.copyOf(errors);
	}

	/**
	 * Whether both steps succeeded.
	 *
	 * @return true when there is no error
	 */
	public boolean ok() {
		return errors.isEmpty();
	}
}
