package io.tributary;

import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A write to one entity, before the engine stamps it into an {@link Event}. Immutable; build with
 * {@link #put(String, String, Object)}, {@link #patch(String, String, Object)} or
 * {@link #delete(String, String)} and refine with the {@code with...} methods.
 * <p>
 * The payload may be JSON text ({@code String}), UTF-8 JSON ({@code byte[]}), a Jackson
 * {@code JsonNode}, a {@code Map}, or a record or POJO that the engine's mapper
 * ({@link ReplicaView#objectMapper()}) writes as a JSON object.
 * <p>
 * The factories leave the schema version at {@link #CURRENT_SCHEMA}: the engine stamps the type's current version
 * ({@link SyncEngine.Builder#schemaVersion(String, int)}). A writer of an older schema names its version with
 * {@link #withSchemaVersion(int)}, and the projection upcasts its payload when it folds it.
 *
 * @param type entity type
 * @param entityId entity id
 * @param op operation
 * @param payload JSON object in one of the accepted forms, {@code null} for a delete
 * @param base id of the head event the writer saw; {@code null} lets the engine use the current head
 * @param userId owner for row-level security, may be {@code null}
 * @param schemaVersion version of the payload's schema, at least 1, or {@link #CURRENT_SCHEMA} for the type's
 *        current version on the engine that stamps the write
 * @param id the event id the writer chose, or {@code null} (the default) for one the engine makes. A write whose
 *        id the replica already stored is not stored again: it completes with the stored event, whatever this
 *        request holds (see {@link SyncEngine#write(WriteRequest)})
 * @param project the project the event belongs to; the factories leave it at {@link Event#DEFAULT_PROJECT}
 */
public record WriteRequest(String type, String entityId, Op op, @Nullable Object payload, @Nullable UUID base,
		@Nullable String userId, int schemaVersion, @Nullable UUID id, String project) {

	/**
	 * The schema version that asks the engine to stamp the type's current version: the factories' default.
	 */
	public static final int CURRENT_SCHEMA = 0;

	/** Longest entity type accepted, in characters: {@link Limits#MAX_TYPE_LENGTH}. */
	public static final int MAX_TYPE_LENGTH = Limits.MAX_TYPE_LENGTH;

	/** Longest entity id accepted, in characters: {@link Limits#MAX_ENTITY_ID_LENGTH}. */
	public static final int MAX_ENTITY_ID_LENGTH = Limits.MAX_ENTITY_ID_LENGTH;

	/** Longest user id accepted, in characters: {@link Limits#MAX_USER_ID_LENGTH}. */
	public static final int MAX_USER_ID_LENGTH = Limits.MAX_USER_ID_LENGTH;

	/**
	 * Checks the operation is present.
	 */
	public WriteRequest {
		Objects.requireNonNull(op, "op");
		Objects.requireNonNull(project, "project");
	}

	/**
	 * A request of the {@link Event#DEFAULT_PROJECT default project}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param op operation
	 * @param payload JSON object in one of the accepted forms, {@code null} for a delete
	 * @param base id of the head event the writer saw
	 * @param userId owner for row-level security, may be {@code null}
	 * @param schemaVersion version of the payload's schema, or {@link #CURRENT_SCHEMA}
	 * @param id the event id the writer chose, or {@code null}
	 */
	public WriteRequest(String type, String entityId, Op op, @Nullable Object payload, @Nullable UUID base,
			@Nullable String userId, int schemaVersion, @Nullable UUID id) {
		this(type, entityId, op, payload, base, userId, schemaVersion, id, Event.DEFAULT_PROJECT);
	}

	/**
	 * A request without an id of the writer's choosing.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param op operation
	 * @param payload JSON object in one of the accepted forms, {@code null} for a delete
	 * @param base id of the head event the writer saw, or {@code null}
	 * @param userId owner for row-level security, may be {@code null}
	 * @param schemaVersion version of the payload's schema
	 */
	public WriteRequest(String type, String entityId, Op op, @Nullable Object payload, @Nullable UUID base,
			@Nullable String userId, int schemaVersion) {
		this(type, entityId, op, payload, base, userId, schemaVersion, null, Event.DEFAULT_PROJECT);
	}

	/**
	 * A request to replace an entity's document.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object
	 * @return the request
	 */
	public static WriteRequest put(String type, String entityId, Object payload) {
		return new WriteRequest(type, entityId, Op.PUT, payload, null, null, CURRENT_SCHEMA);
	}

	/**
	 * A request to merge fields into an entity's document.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object of the fields to merge ({@code null} values remove fields)
	 * @return the request
	 */
	public static WriteRequest patch(String type, String entityId, Object payload) {
		return new WriteRequest(type, entityId, Op.PATCH, payload, null, null, CURRENT_SCHEMA);
	}

	/**
	 * A request to delete an entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the request
	 */
	public static WriteRequest delete(String type, String entityId) {
		return new WriteRequest(type, entityId, Op.DELETE, null, null, null, CURRENT_SCHEMA);
	}

	/**
	 * This request with the version the writer saw.
	 *
	 * @param newBase id of the head event seen
	 * @return a new request
	 */
	public WriteRequest withBase(UUID newBase) {
		return new WriteRequest(type, entityId, op, payload, newBase, userId, schemaVersion, id, project);
	}

	/**
	 * This request with an owner.
	 *
	 * @param newUserId the owner
	 * @return a new request
	 */
	public WriteRequest withUserId(String newUserId) {
		return new WriteRequest(type, entityId, op, payload, base, newUserId, schemaVersion, id, project);
	}

	/**
	 * This request with a payload schema version.
	 *
	 * @param newSchemaVersion the version, at least 1, or {@link #CURRENT_SCHEMA}
	 * @return a new request
	 */
	public WriteRequest withSchemaVersion(int newSchemaVersion) {
		return new WriteRequest(type, entityId, op, payload, base, userId, newSchemaVersion, id, project);
	}

	/**
	 * This request with an event id of the writer's choosing: writing it again (a retry after a timeout, a
	 * request sent twice) stores nothing and completes with the event stored the first time.
	 *
	 * @param newId the id, {@code null} to let the engine make one
	 * @return a new request
	 */
	public WriteRequest withId(@Nullable UUID newId) {
		return new WriteRequest(type, entityId, op, payload, base, userId, schemaVersion, newId, project);
	}

	/**
	 * The request without its payload's content, which may hold sensitive values: only its kind and, for text
	 * and bytes, its length.
	 *
	 * @return a description safe to log
	 */
	/**
	 * This request in a project.
	 *
	 * @param newProject the project (see {@link Limits#checkProject(String)})
	 * @return a copy with the project set
	 */
	public WriteRequest withProject(String newProject) {
		return new WriteRequest(type, entityId, op, payload, base, userId, schemaVersion, id, newProject);
	}

	@Override
	public String toString() {
		String p = payload == null ? "none"
				: payload instanceof String ? ((String) payload).length() + " chars"
						: payload instanceof byte[] ? ((byte[]) payload).length + " bytes" : payload.getClass().getSimpleName();
		return "WriteRequest{" + op + " " + type + "/" + entityId + " payload=" + p + (base == null ? "" : " base=" + base)
				+ (userId == null ? "" : " userId=" + userId)
				+ (schemaVersion == CURRENT_SCHEMA ? "" : " schemaVersion=" + schemaVersion)
				+ (id == null ? "" : " id=" + id) + (Event.DEFAULT_PROJECT.equals(project) ? "" : " project=" + project) + "}";
	}
}
