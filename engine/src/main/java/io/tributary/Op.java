package io.tributary;

/**
 * The operation an {@link Event} performs on its entity.
 */
public enum Op {
	/** Replaces the entity's whole document. */
	PUT,
	/** Merges the payload's fields into the entity's document (JSON merge patch; {@code null} removes a field). */
	PATCH,
	/** Deletes the entity, leaving a tombstone so that an older write arriving late cannot resurrect it. */
	DELETE;

	private static final Op[] VALUES = values();

	/**
	 * The operation for a stable wire/storage code.
	 *
	 * @param code the code returned by {@link #code()}
	 * @return the operation
	 * @throws IllegalArgumentException for an unknown code
	 */
	public static Op ofCode(int code) {
		if (code < 0 || code >= VALUES.length) {
			throw new IllegalArgumentException("unknown op code " + code);
		}
		return VALUES[code];
	}

	/**
	 * A stable code for the wire and storage formats.
	 *
	 * @return the code
	 */
	public int code() {
		return ordinal();
	}
}
