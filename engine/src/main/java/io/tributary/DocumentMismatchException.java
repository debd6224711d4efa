package io.tributary;

import org.jspecify.annotations.Nullable;

/**
 * A stored document does not fit the class a typed read asked for ({@link ReplicaView#get(String, String, Class)},
 * {@link ReplicaView#query(String, Class)}, {@link ReplicaView#changes(String, Class)}): a field of the wrong
 * kind, a field the class does not have, a {@code null} for a primitive. The message names the entity type, the
 * entity id and the field (as a path such as {@code items[2].due}); the stored data is unchanged.
 */
public class DocumentMismatchException extends TributaryException {

	private static final long serialVersionUID = 1L;

	private final String type;
	private final String entityId;
	private final @Nullable String field;

	/**
	 * An exception for one entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param field the path of the field that does not fit, {@code null} when the document as a whole does not
	 * @param valueType the class asked for
	 * @param cause the mapper's error
	 */
	public DocumentMismatchException(String type, String entityId, @Nullable String field, Class<?> valueType,
			Throwable cause) {
		super("document " + type + "/" + entityId + " does not fit " + valueType.getName()
				+ (field == null ? "" : " at field " + field) + ": " + firstLine(cause), cause);
		this.type = type;
		this.entityId = entityId;
		this.field = field;
	}

	/**
	 * The entity type.
	 *
	 * @return the type
	 */
	public String type() {
		return type;
	}

	/**
	 * The entity id.
	 *
	 * @return the id
	 */
	public String entityId() {
		return entityId;
	}

	/**
	 * The path of the field that does not fit.
	 *
	 * @return the path, such as {@code due} or {@code items[2].title}; {@code null} for the document as a whole
	 */
	public @Nullable String field() {
		return field;
	}

	private static String firstLine(Throwable cause) {
		String m = cause instanceof com.fasterxml.jackson.core.JsonProcessingException
				? ((com.fasterxml.jackson.core.JsonProcessingException) cause).getOriginalMessage()
				: cause.getMessage();
		if (m == null) {
			return cause.getClass().getSimpleName();
		}
		int nl = m.indexOf('\n');
		return nl < 0 ? m : m.substring(0, nl);
	}
}
