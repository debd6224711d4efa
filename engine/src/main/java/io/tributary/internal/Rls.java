package io.tributary.internal;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.Op;
import io.tributary.RowLevelSecurityException;
import io.tributary.WriteRequest;

/**
 * Row-level security rules, shared by the engine's own gate and its user-scoped views. Internal: not part
 * of the API.
 */
final class Rls {

	private Rls() {
	}

	/**
	 * A write as a user: stamped with the user, or refused.
	 *
	 * @param r the validated request
	 * @param user the user writing, or {@code null} for no check
	 * @param head the entity's current state, or {@code null}
	 * @return the request owned by the user
	 * @throws RowLevelSecurityException when the request names another user or the entity belongs to another
	 *         user or to none
	 */
	static WriteRequest admit(WriteRequest r, String user, EntityState head) {
		if (user == null) {
			return r;
		}
		if (r.userId() != null && !r.userId().equals(user)) {
			throw new RowLevelSecurityException("write to " + r.type() + "/" + r.entityId()
					+ " refused: it is for another user than the one writing");
		}
		if (head != null && !user.equals(head.userId())) {
			throw new RowLevelSecurityException("write to " + r.type() + "/" + r.entityId()
					+ " refused: the entity belongs to another user");
		}
		return r.userId() == null ? r.withUserId(user) : r;
	}

	/**
	 * Whether a peer's event may be stored as it is for a user. Blanks carry nothing and are always admitted.
	 *
	 * @param user the user, or {@code null} to admit every event
	 * @param e the event
	 * @return true when admitted
	 */
	static boolean admits(String user, Event e) {
		return user == null || e.isBlank() || user.equals(e.userId());
	}

	/**
	 * An event as a user may see it: itself, or its blank.
	 *
	 * @param user the user
	 * @param e the event
	 * @return the event or its blank
	 */
	static Event visible(String user, Event e) {
		return user.equals(e.userId()) ? e : e.blank();
	}

	/**
	 * Whether an event of the blank type has exactly a blank's shape.
	 *
	 * @param e an event of {@link Event#BLANK_TYPE}
	 * @return true when it carries nothing
	 */
	static boolean wellFormedBlank(Event e) {
		return e.equals(new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), Event.BLANK_TYPE, e.id().toString(), Op.PATCH,
				null, null, null, 0, e.position()));
	}
}
