package io.tributary.spi;

import org.jspecify.annotations.Nullable;

/**
 * One entity's projection as the projection store keeps it: an opaque fold the engine encodes and
 * decodes (the events it still needs to fold the entity again when an older one arrives late).
 *
 * @param type entity type
 * @param entityId entity id
 * @param userId owner of the entity's head event, may be {@code null}
 * @param fold the encoded fold
 */
public record EntityRecord(String type, String entityId, @Nullable String userId, byte[] fold) {
}
