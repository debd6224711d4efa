package io.tributary.internal;

import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.PayloadTooLargeException;
import io.tributary.Redaction;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;

/**
 * What an event must be before it is stamped or stored: names and sizes within the limits, payloads well-formed,
 * sensitive fields redacted (and the redacted payload within the limit too). Local writes and peer events are
 * held to the same rules. Stateless after construction; any thread.
 */
final class WriteChecks {

	private final int maxPayloadBytes;
	private final Redaction redaction;
	private final com.fasterxml.jackson.databind.ObjectMapper mapper;

	WriteChecks(int maxPayloadBytes, Redaction redaction, com.fasterxml.jackson.databind.ObjectMapper mapper) {
		this.maxPayloadBytes = maxPayloadBytes;
		this.redaction = redaction;
		this.mapper = mapper;
	}

	/**
	 * Checks a local write and returns the payload to store (encoded and redacted), or null for a DELETE.
	 *
	 * @throws ValidationException naming what is wrong
	 */
	byte[] validate(WriteRequest r) {
		Limits.checkName("type", r.type(), Limits.MAX_TYPE_LENGTH);
		if (Event.BLANK_TYPE.equals(r.type())) {
			throw new ValidationException("entity type " + Event.BLANK_TYPE + " is reserved for blanks");
		}
		Limits.checkName("entityId", r.entityId(), Limits.MAX_ENTITY_ID_LENGTH);
		Limits.checkUserId(r.userId());
		Limits.checkProject(r.project());
		if (r.schemaVersion() < 0) {
			throw new ValidationException("schemaVersion must not be negative");
		}
		if (r.op() == Op.DELETE) {
			if (r.payload() != null) {
				throw new ValidationException("a DELETE carries no payload");
			}
			return null;
		}
		if (r.payload() == null) {
			throw new ValidationException("a " + r.op() + " needs a payload (a JSON object)");
		}
		byte[] bytes = Json.toBytes(r.payload(), mapper);
		requireSize(r.type(), r.entityId(), bytes);
		Limits.checkPayload(bytes);
		// what is stored is checked too: a redacted value may be longer than the original
		return requireSize(r.type(), r.entityId(), redaction.redact(r.type(), bytes));
	}

	/**
	 * A peer's event must be what a local write could have produced; with {@code payloadChecked} the payload's
	 * JSON form is taken as checked (its size is not).
	 *
	 * @throws ValidationException naming the event and what is wrong
	 */
	void validateRemote(Event e, boolean payloadChecked) {
		try {
			Limits.checkName("origin", e.origin(), Limits.MAX_ORIGIN_LENGTH);
			Limits.checkName("type", e.type(), Limits.MAX_TYPE_LENGTH);
			Limits.checkName("entityId", e.entityId(), Limits.MAX_ENTITY_ID_LENGTH);
			Limits.checkUserId(e.userId());
			Limits.checkProject(e.project());
			if (e.op() == Op.DELETE) {
				if (e.payload() != null) {
					throw new ValidationException("a DELETE carries no payload");
				}
			}
			else if (e.payload() != null) {
				// a PUT or PATCH without payload is a stub from a partial replica: stored, never projected
				requireSize(e.type(), e.entityId(), e.payload());
				if (!payloadChecked) {
					Limits.checkPayload(e.payload());
				}
			}
			if (Event.BLANK_TYPE.equals(e.type()) && !Rls.wellFormedBlank(e)) {
				throw new ValidationException("a blank carries no entity, owner or payload");
			}
		}
		catch (PayloadTooLargeException ex) {
			throw ex;
		}
		catch (ValidationException ex) {
			// the prefix is built only on this path: validation runs for every event a peer sends
			throw new ValidationException("peer event " + e.origin() + "#" + e.originSeq() + ": " + ex.getMessage(), ex);
		}
	}

	/** A peer's event with its sensitive fields redacted, as a local write would have been. */
	Event redact(Event e) {
		byte[] redacted = redaction.redact(e.type(), e.payload());
		return redacted == e.payload() ? e
				: new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), e.type(), e.entityId(), e.op(),
						requireSize(e.type(), e.entityId(), redacted), e.base(), e.userId(), e.schemaVersion(), 0,
						e.project());
	}

	private byte[] requireSize(String type, String entityId, byte[] payload) {
		if (payload != null && payload.length > maxPayloadBytes) {
			throw new PayloadTooLargeException(type, entityId, payload.length, maxPayloadBytes);
		}
		return payload;
	}
}
