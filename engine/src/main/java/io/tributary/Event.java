package io.tributary;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * An immutable event: one write to one entity, as stored in every replica's log.
 * <p>
 * {@code (origin, originSeq)} addresses the event across replicas; {@code id} is its global identity;
 * {@code hlc} with {@code origin} as tie-break orders it for conflict resolution; {@code position} is
 * assigned by each store at append (0 until then) and is a local cursor only.
 * <p>
 * The payload is UTF-8 JSON text of an object ({@code null} for a delete). The array is shared, not
 * copied: callers must not modify it.
 *
 * @param id UUIDv7 identity
 * @param origin id of the replica that wrote the event
 * @param originSeq 1, 2, 3 … without gaps per origin
 * @param hlc hybrid-logical-clock stamp, see {@link Hlc}
 * @param type entity type
 * @param entityId entity id within its type
 * @param op the operation
 * @param payload UTF-8 JSON object, or {@code null} for {@link Op#DELETE}
 * @param base id of the entity's head event the writer saw, {@code null} when it saw none
 * @param userId owner, for row-level security; may be {@code null}
 * @param schemaVersion version of the payload's schema
 * @param position the store's position, 0 when not yet stored
 * @param project the project the event belongs to, {@link #DEFAULT_PROJECT} when the writer named none
 */
public record Event(UUID id, String origin, long originSeq, long hlc, String type, String entityId, Op op,
		byte @Nullable [] payload, @Nullable UUID base, @Nullable String userId, int schemaVersion, long position,
		String project) {

	/**
	 * The project of events whose writer named none: the whole API that does not speak of projects reads and
	 * writes it. See docs/PROJECTS.md.
	 */
	public static final String DEFAULT_PROJECT = "default";

	/**
	 * The entity type of a blank: reserved, local writes of it are refused. It is the type of the peer
	 * protocol's rejection stubs, which are blanks. See {@link #blank()}.
	 */
	public static final String BLANK_TYPE = "_rejected";

	/**
	 * Checks the fields every event must have.
	 */
	public Event {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(origin, "origin");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(entityId, "entityId");
		Objects.requireNonNull(op, "op");
		Objects.requireNonNull(project, "project");
		if (originSeq < 1) {
			throw new IllegalArgumentException("originSeq must be at least 1: " + originSeq);
		}
	}

	/**
	 * An event of the {@link #DEFAULT_PROJECT default project}.
	 *
	 * @param id UUIDv7 identity
	 * @param origin id of the replica that wrote the event
	 * @param originSeq 1, 2, 3 … without gaps per origin
	 * @param hlc hybrid-logical-clock stamp
	 * @param type entity type
	 * @param entityId entity id within its type
	 * @param op the operation
	 * @param payload UTF-8 JSON object, or {@code null} for {@link Op#DELETE}
	 * @param base id of the entity's head event the writer saw
	 * @param userId owner; may be {@code null}
	 * @param schemaVersion version of the payload's schema
	 * @param position the store's position, 0 when not yet stored
	 */
	public Event(UUID id, String origin, long originSeq, long hlc, String type, String entityId, Op op,
			byte @Nullable [] payload, @Nullable UUID base, @Nullable String userId, int schemaVersion, long position) {
		this(id, origin, originSeq, hlc, type, entityId, op, payload, base, userId, schemaVersion, position,
				DEFAULT_PROJECT);
	}

	/**
	 * This event in another project.
	 *
	 * @param newProject the project
	 * @return a copy with the project set
	 */
	public Event withProject(String newProject) {
		return new Event(id, origin, originSeq, hlc, type, entityId, op, payload, base, userId, schemaVersion, position,
				newProject);
	}

	/**
	 * Whether the event belongs to the {@link #DEFAULT_PROJECT default project}.
	 *
	 * @return true for the default project
	 */
	public boolean inDefaultProject() {
		return DEFAULT_PROJECT.equals(project);
	}

	/**
	 * This event at a store position.
	 *
	 * @param newPosition the position
	 * @return a copy with the position set
	 */
	public Event withPosition(long newPosition) {
		return new Event(id, origin, originSeq, hlc, type, entityId, op, payload, base, userId, schemaVersion,
				newPosition, project);
	}

	/**
	 * Whether this is a stub: a PUT or PATCH whose payload was withheld because the replica that holds it
	 * did not ask for its entity type (a partial replica, see {@code docs/PROTOCOL.md}). A stub keeps the
	 * origin's sequence gapless and has no effect on projected state.
	 *
	 * @return true for a PUT or PATCH without payload
	 */
	public boolean isStub() {
		return payload == null && op != Op.DELETE;
	}

	/**
	 * This event as a stub: the same envelope without its payload. A DELETE carries no payload, so it is
	 * returned as is.
	 *
	 * @return the stub
	 */
	public Event stub() {
		return op == Op.DELETE || payload == null ? this
				: new Event(id, origin, originSeq, hlc, type, entityId, op, null, base, userId, schemaVersion, position,
						project);
	}

	/**
	 * This event as a blank: the same address ({@code origin}, {@code originSeq}), id, stamp and position,
	 * and nothing else — no content, no owner, no base. A replica holds a blank where it may not hold an
	 * event: one of a user it erased ({@code SyncEngine.erase}), one row-level security refused, one a
	 * user-scoped view withholds. Blanks keep the origin's sequence gapless, so vectors stay exact. A blank is
	 * a stub ({@link #isStub()}: a {@code PATCH} without payload) of type {@link #BLANK_TYPE} whose entity id is
	 * the event id, exactly the peer protocol's rejection stub: the projector ignores it, and replicas store it
	 * and pass it on as it is, since no replica holds content for it. See {@code docs/ARCHITECTURE.md}.
	 *
	 * @return the blank
	 */
	public Event blank() {
		return isBlank() ? this
				: new Event(id, origin, originSeq, hlc, BLANK_TYPE, id.toString(), Op.PATCH, null, null, null, 0, position);
	}

	/**
	 * Whether this is a blank, see {@link #blank()}.
	 *
	 * @return true for a stub of {@link #BLANK_TYPE}
	 */
	public boolean isBlank() {
		return payload == null && op != Op.DELETE && BLANK_TYPE.equals(type);
	}

	/**
	 * The payload as JSON text.
	 *
	 * @return the JSON, or {@code null} for a delete
	 */
	public @Nullable String payloadJson() {
		return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
	}

	/**
	 * Whether this event orders before another in the canonical {@code (hlc, origin)} order, the order
	 * in which every replica folds an entity's events.
	 *
	 * @param other the other event
	 * @return a negative number, zero or a positive number
	 */
	public int compareCanonical(Event other) {
		int c = Long.compare(hlc, other.hlc);
		if (c != 0) {
			return c;
		}
		c = origin.compareTo(other.origin);
		return c != 0 ? c : Long.compare(originSeq, other.originSeq);
	}

	@Override
	public boolean equals(Object o) {
		if (this == o) {
			return true;
		}
		if (!(o instanceof Event)) {
			return false;
		}
		Event e = (Event) o;
		return originSeq == e.originSeq && hlc == e.hlc && schemaVersion == e.schemaVersion && position == e.position
				&& id.equals(e.id) && origin.equals(e.origin) && type.equals(e.type) && entityId.equals(e.entityId)
				&& op == e.op && Arrays.equals(payload, e.payload) && Objects.equals(base, e.base)
				&& Objects.equals(userId, e.userId) && project.equals(e.project);
	}

	@Override
	public int hashCode() {
		return id.hashCode();
	}

	@Override
	public String toString() {
		return "Event{" + origin + "#" + originSeq + " " + op + " " + type + "/" + entityId + " hlc=" + Hlc.toString(hlc)
				+ " pos=" + position
				+ (inDefaultProject() ? "" : " project=" + project) + " id=" + id + (payload == null ? "" : " payload=" + payload.length + "B") + "}";
	}
}
