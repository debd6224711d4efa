package io.tributary;

/**
 * A change of an entity's projected state, as emitted by {@link SyncEngine#changes(String)}.
 *
 * @param event the event that caused the change
 * @param state the entity's state after the event
 */
public record EntityChange(Event event, EntityState state) {
}
