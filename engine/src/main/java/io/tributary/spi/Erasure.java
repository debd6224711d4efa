package io.tributary.spi;

import java.util.Objects;

import io.tributary.Conflict;
import io.tributary.Event;
import io.tributary.internal.Bytes;

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
	 * A test on an encoded event ({@link EventCodec}) that spares decoding the events that cannot be the user's:
	 * false when the bytes do not contain the user's id at all. True only says "decode it and ask
	 * {@link #owns(String, Event)}": the id may occur in another field or in the payload.
	 *
	 * @param userIdUtf8 the user's id in UTF-8
	 * @param encodedEvent the event as {@link EventCodec#encode} wrote it
	 * @return false when the event is certainly not the user's
	 */
	public static boolean mayOwn(byte[] userIdUtf8, byte[] encodedEvent) {
		return Bytes.indexOf(encodedEvent, userIdUtf8) >= 0;
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
