package io.tributary;

import java.util.UUID;

/**
 * A conflict: an event arrived whose {@code base} was not the entity's head at that moment, meaning its
 * writer had not seen the head. Conflicts are resolved by the type's strategy and recorded for audit.
 *
 * @param type entity type
 * @param entityId entity id
 * @param incoming the event that arrived
 * @param head the entity's head event when it arrived
 * @param winner id of the head after resolution
 * @param strategy the strategy that resolved it
 */
public record Conflict(String type, String entityId, Event incoming, Event head, UUID winner,
		ConflictStrategy strategy) {
}
