package io.tributary.spi;

import io.tributary.Event;

/**
 * What {@link Storage#fill(java.util.List)} replaces, decided the same way by every store.
 */
public final class Fills {

	private Fills() {
	}

	/**
	 * Whether a held event may be replaced by a full one at its address: the held event is a blank
	 * ({@link Event#blank()}), or a stub of a partial replica ({@link Event#stub()}: a PUT or PATCH of a type it
	 * did not ask for, without payload) of the same event, and the full one carries content.
	 *
	 * @param held the event stored at the address
	 * @param full the event offered in its place
	 * @return true when the held event is to be replaced
	 */
	public static boolean fillable(Event held, Event full) {
		return held.isStub() && !full.isStub() && (held.isBlank() || held.id().equals(full.id()));
	}
}
