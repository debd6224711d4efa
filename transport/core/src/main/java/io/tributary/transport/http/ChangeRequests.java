package io.tributary.transport.http;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.Limits;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;

/**
 * Turns the body of {@code POST /api/changes} — one change object or an array of them — into write
 * requests, checking every change before any is written.
 * <p>
 * A change is {@code {"entityType", "operation", "entityId", "data", "userId"?, "id"?, "schemaVersion"?}};
 * {@code create} and
 * {@code update} are both a PUT (the log records which it was by whether the entity had a head),
 * {@code patch} a PATCH, {@code delete} a DELETE without data. An {@code id} is the event id the client chose,
 * a UUID in its canonical text form: a change whose id is stored already is not stored again. A
 * {@code schemaVersion} (an integer, at least 1) is the schema the data was written in: without it the node stamps
 * the type's current version; an older one is upcast when read (see {@code docs/SCHEMA.md}).
 */
final class ChangeRequests {

	/** The most changes in one request. */
	static final int MAX_CHANGES = 1000;

	// Names are checked against the engine's own limits (Limits) here, so that a batch is refused whole
	// rather than cut after the changes before the bad one were written. The engine checks again.

	/** A UUID in its canonical text form: 8-4-4-4-12 hexadecimal digits. */
	private static final Pattern UUID_TEXT = Pattern.compile(
			"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	private ChangeRequests() {
	}

	/**
	 * The write requests of a body, in order.
	 *
	 * @throws ApiException 400 for a malformed change, 413 for too many
	 */
	static List<WriteRequest> parse(JsonNode body) {
		if (body == null || body.isMissingNode()) {
			throw ApiException.badRequest("invalid_change", "the body is empty; send a change object or an array of them");
		}
		if (body.isObject()) {
			return List.of(parseOne(body, "change"));
		}
		if (!body.isArray()) {
			throw ApiException.badRequest("invalid_change",
					"the body must be a change object or an array of them, was " + kind(body));
		}
		if (body.isEmpty()) {
			throw ApiException.badRequest("invalid_change", "the array holds no changes");
		}
		if (body.size() > MAX_CHANGES) {
			throw new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_many_changes",
					"the array holds " + body.size() + " changes; send at most " + MAX_CHANGES + " per request");
		}
		List<WriteRequest> out = new ArrayList<>(body.size());
		for (int i = 0; i < body.size(); i++) {
			out.add(parseOne(body.get(i), "changes[" + i + "]"));
		}
		return out;
	}

	private static WriteRequest parseOne(JsonNode change, String where) {
		if (!change.isObject()) {
			throw invalid(where, "must be an object, was " + kind(change));
		}
		String type = name(change, where, "entityType", Limits.MAX_TYPE_LENGTH);
		String entityId = name(change, where, "entityId", Limits.MAX_ENTITY_ID_LENGTH);
		JsonNode operation = change.get("operation");
		if (operation == null || !operation.isTextual()) {
			throw invalid(where, "needs \"operation\": one of create, update, patch, delete");
		}
		JsonNode data = change.get("data");
		boolean hasData = data != null && !data.isNull();
		WriteRequest request;
		switch (operation.textValue()) {
		case "create":
		case "update":
			request = WriteRequest.put(type, entityId, requireObject(data, where, operation.textValue()));
			break;
		case "patch":
			request = WriteRequest.patch(type, entityId, requireObject(data, where, "patch"));
			break;
		case "delete":
			if (hasData) {
				throw invalid(where, "is a delete, which carries no \"data\"");
			}
			request = WriteRequest.delete(type, entityId);
			break;
		default:
			throw invalid(where, "has unknown operation \"" + Exchange.abbreviate(operation.textValue())
					+ "\"; use create, update, patch or delete");
		}
		JsonNode userId = change.get("userId");
		if (userId != null && !userId.isNull()) {
			if (!userId.isTextual()) {
				throw invalid(where, "has a \"userId\" that is not a string");
			}
			try {
				Limits.checkUserId(userId.textValue());
			}
			catch (ValidationException e) {
				throw invalid(where, "has an invalid \"userId\": " + e.getMessage());
			}
			request = request.withUserId(userId.textValue());
		}
		JsonNode id = change.get("id");
		if (id != null && !id.isNull()) {
			if (!id.isTextual() || !UUID_TEXT.matcher(id.textValue()).matches()) {
				throw invalid(where, "has an \"id\" that is not a UUID in canonical form (8-4-4-4-12 hexadecimal "
						+ "digits, such as 0b9e3c5a-6f1d-4c7e-9a2b-3d4e5f607182), was "
						+ (id.isTextual() ? "'" + Exchange.abbreviate(id.textValue()) + "'" : kind(id)));
			}
			request = request.withId(UUID.fromString(id.textValue()));
		}
		JsonNode schemaVersion = change.get("schemaVersion");
		if (schemaVersion != null && !schemaVersion.isNull()) {
			if (!schemaVersion.canConvertToInt() || !schemaVersion.isIntegralNumber() || schemaVersion.intValue() < 1) {
				throw invalid(where, "has a \"schemaVersion\" that is not an integer of at least 1, was "
						+ (schemaVersion.isValueNode() ? Exchange.abbreviate(schemaVersion.asText()) : kind(schemaVersion)));
			}
			request = request.withSchemaVersion(schemaVersion.intValue());
		}
		return request;
	}

	private static String name(JsonNode change, String where, String field, int max) {
		JsonNode value = change.get(field);
		if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
			throw invalid(where, "needs \"" + field + "\": a non-empty string");
		}
		try {
			Limits.checkName("entityType".equals(field) ? "type" : field, value.textValue(), max);
		}
		catch (ValidationException e) {
			throw invalid(where, "has an invalid \"" + field + "\": " + e.getMessage());
		}
		return value.textValue();
	}

	private static JsonNode requireObject(JsonNode data, String where, String operation) {
		if (data == null || !data.isObject()) {
			throw invalid(where, "is a" + (operation.equals("update") ? "n " : " ") + operation
					+ ", which needs \"data\": a JSON object" + (data == null ? "" : ", was " + kind(data)));
		}
		return data;
	}

	private static ApiException invalid(String where, String what) {
		return ApiException.badRequest("invalid_change", where + " " + what);
	}

	private static String kind(JsonNode node) {
		return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
	}
}
