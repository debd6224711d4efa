package io.tributary;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The projected state of one entity: the fold of its events under the type's conflict strategy.
 * <p>
 * A deleted entity is a tombstone: {@link #deleted()} is true and {@link #document()} is {@code null}.
 * The state holds nothing local to a replica, so replicas that hold the same events hold equal states.
 *
 * @param type entity type
 * @param entityId entity id
 * @param document UTF-8 JSON object, {@code null} when deleted; shared, must not be modified
 * @param deleted whether the entity is a tombstone
 * @param version id of the winning (head) event: the {@code base} a writer passes for conflict detection
 * @param hlc stamp of the head event
 * @param origin origin of the head event
 * @param userId owner of the head event
 * @param schemaVersion the schema version of the document: the type's current version on this replica, or the
 *        version of a newer event folded in as it is (see {@code docs/SCHEMA.md})
 */
public record EntityState(String type, String entityId, byte @Nullable [] document, boolean deleted, UUID version,
		long hlc, String origin, @Nullable String userId, int schemaVersion) {

	/**
	 * Checks the required fields.
	 */
	public EntityState {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(entityId, "entityId");
		Objects.requireNonNull(version, "version");
	}

	/**
	 * A state of schema version 1.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param document UTF-8 JSON object, {@code null} when deleted
	 * @param deleted whether the entity is a tombstone
	 * @param version id of the head event
	 * @param hlc stamp of the head event
	 * @param origin origin of the head event
	 * @param userId owner of the head event
	 */
	public EntityState(String type, String entityId, byte @Nullable [] document, boolean deleted, UUID version,
			long hlc, String origin, @Nullable String userId) {
		this(type, entityId, document, deleted, version, hlc, origin, userId, 1);
	}

	/**
	 * The document as JSON text.
	 *
	 * @return the JSON, {@code null} for a tombstone
	 */
	public @Nullable String json() {
		return document == null ? null : new String(document, StandardCharsets.UTF_8);
	}

	@Override
	public boolean equals(Object o) {
		if (this == o) {
			return true;
		}
		if (!(o instanceof EntityState)) {
			return false;
		}
		EntityState s = (EntityState) o;
		return deleted == s.deleted && hlc == s.hlc && schemaVersion == s.schemaVersion && type.equals(s.type)
				&& entityId.equals(s.entityId) && Arrays.equals(document, s.document) && version.equals(s.version)
				&& Objects.equals(origin, s.origin) && Objects.equals(userId, s.userId);
	}

	@Override
	public int hashCode() {
		return Objects.hash(type, entityId, version);
	}

	@Override
	public String toString() {
		return "EntityState{" + type + "/" + entityId + (deleted ? " deleted" : " " + json()) + " version=" + version + "}";
	}
}
