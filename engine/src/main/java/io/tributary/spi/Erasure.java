package io.tributary.spi;

import java.util.Objects;

import io.tributary.Conflict;
import io.tributary.Event;

/**
 * What {@link Storage#erase(String)} removes, decided the same way by every store.
 */
public final class Erasure {

	private Erasure() {
	}

	/**
	 * Whether an event is the user's.
	 *
	 * @param e the event
	 * @param userId the user
	 * @return true when the event's owner is the user
	 */
	public static boolean owns(String userId, Event e) {
		return Objects.equals(userId, e.userId());
	}

	/**
	 * Whether a stored conflict involves one of the user's events.
	 *
	 * @param userId the user
	 * @param c the conflict
	 * @return true when its incoming or head event is the user's
	 */
	public static boolean involves(String userId, Conflict c) {
		return owns(userId, c.incoming()) || owns(userId, c.head());
	}
}
