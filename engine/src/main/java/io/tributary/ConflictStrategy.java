package io.tributary;

/**
 * How concurrent writes to one entity are merged. Every strategy is a deterministic fold of the
 * entity's events in a canonical order, so replicas holding the same events hold the same state
 * whatever order the events arrived in.
 */
public enum ConflictStrategy {
	/**
	 * Per entity, the events fold in {@code (hlc, origin)} order: a PUT replaces the document, a DELETE
	 * leaves a tombstone, a PATCH merges its top-level fields. The newest write wins.
	 */
	LAST_WRITE_WINS,
	/**
	 * Like {@link #LAST_WRITE_WINS}, but a PATCH merges recursively (JSON merge patch, RFC 7386), so
	 * concurrent patches of different nested fields both survive: per-field last-write-wins.
	 */
	FIELD_MERGE,
	/**
	 * Events fold in order of their origin's rank, then {@code (hlc, origin)}: a write from a higher
	 * ranked origin wins over any write from a lower one (server-wins or client-wins).
	 */
	ORIGIN_PRIORITY,
	/**
	 * A user function folds the entity's events in canonical order; when an older event arrives late,
	 * the entity is folded again from its first event.
	 */
	CUSTOM
}
