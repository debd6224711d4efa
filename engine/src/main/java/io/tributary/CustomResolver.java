package io.tributary;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jspecify.annotations.Nullable;

/**
 * A user fold for {@link ConflictStrategy#CUSTOM}: the entity's events are passed in canonical
 * {@code (hlc, origin)} order, starting from no document. It must be a pure function of its arguments
 * (no clock, no randomness), which is what makes replicas converge.
 */
@FunctionalInterface
public interface CustomResolver {

	/**
	 * Folds one event into the document.
	 *
	 * @param current the document so far, {@code null} before the first event or after a delete; a
	 *        private copy the function may modify and return
	 * @param event the next event in canonical order
	 * @param payload the event's payload parsed, {@code null} for a delete
	 * @return the new document, or {@code null} for a tombstone
	 */
	@Nullable ObjectNode fold(@Nullable ObjectNode current, Event event, @Nullable ObjectNode payload);

	/**
	 * What names this fold in the policy fingerprint replicas compare when they connect
	 * ({@link ProjectionPolicy#fingerprint(java.util.Set)}): replicas folding a type with folds of different ids
	 * refuse to sync. By default the class name, or nothing for a lambda (whose class name changes from run to
	 * run); return a stable name with a version, say {@code "invoice-total/2"}, to have a change of the fold
	 * noticed.
	 *
	 * @return the id, empty when the fold is not named
	 */
	default String id() {
		Class<?> c = getClass();
		return c.isSynthetic() || c.isAnonymousClass() || c.getName().contains("$$Lambda") ? "" : c.getName();
	}
}
