package io.tributary;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A change of an entity read as the application's class, as {@link ReplicaView#changes(String, Class)} emits it.
 *
 * @param type entity type
 * @param entityId entity id
 * @param op the operation of the event that caused the change
 * @param value the entity's document after the change as the class, {@code null} when the entity is now deleted
 * @param event the event that caused the change (its payload as stored, not upcast)
 * @param <T> the class
 */
public record TypedChange<T>(String type, String entityId, Op op, @Nullable T value, Event event) {

	/**
	 * Checks the fields.
	 */
	public TypedChange {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(entityId, "entityId");
		Objects.requireNonNull(op, "op");
		Objects.requireNonNull(event, "event");
	}

	/**
	 * Whether the entity is deleted after this change.
	 *
	 * @return true when {@link #value()} is {@code null}
	 */
	public boolean deleted() {
		return value == null;
	}
}
