package io.tributary;

import java.util.Objects;
import java.util.UUID;

/**
 * One live entity read as the application's class, as {@link ReplicaView#query(String, Class)} emits it: the
 * value with the id it is stored under (records rarely carry their own key) and the version a writer passes as
 * {@link WriteRequest#withBase(UUID) base} to have a concurrent change seen as a conflict.
 *
 * @param type entity type
 * @param entityId entity id
 * @param value the document as the class
 * @param version id of the entity's head event
 * @param schemaVersion the schema version of the document, after upcasting ({@link EntityState#schemaVersion()})
 * @param <T> the class
 */
public record TypedEntity<T>(String type, String entityId, T value, UUID version, int schemaVersion) {

	/**
	 * Checks the fields.
	 */
	public TypedEntity {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(entityId, "entityId");
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(version, "version");
	}
}
