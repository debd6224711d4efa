package io.tributary.spi;

import org.jspecify.annotations.Nullable;

/**
 * One entity's projection as the projection store keeps it: an opaque fold the engine encodes and
 * decodes (the events it still needs to fold the entity again when an older one arrives late), and the state's
 * document beside it, for stores that let people query the projection (PostgreSQL keeps it as {@code jsonb}).
 *
 * @param type entity type
 * @param entityId entity id
 * @param userId owner of the entity's head event, may be {@code null}
 * @param fold the encoded fold
 * @param document the state's JSON document (UTF-8), {@code null} for a deleted entity or when not given
 */
public record EntityRecord(String type, String entityId, @Nullable String userId, byte[] fold,
		byte @Nullable [] document) {

	/**
	 * A record without the state's document.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param userId owner of the entity's head event, may be {@code null}
	 * @param fold the encoded fold
	 */
	public EntityRecord(String type, String entityId, @Nullable String userId, byte[] fold) {
		this(type, entityId, userId, fold, null);
	}
}
