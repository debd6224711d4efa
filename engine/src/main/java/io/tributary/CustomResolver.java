package io.tributary;

import java.util.Objects;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.internal.Json;

import org.jspecify.annotations.Nullable;

/**
 * A user fold for {@link ConflictStrategy#CUSTOM}: the entity's events are passed in canonical
 * {@code (hlc, origin)} order, starting from no document. It must be a pure function of its arguments
 * (no clock, no randomness), which is what makes replicas converge.
 * <p>
 * A fold over the application's own class rather than Jackson's tree is made with
 * {@link #typed(Class, TypedFold)}.
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
		return stableName(getClass());
	}

	/**
	 * A custom fold written against the application's class, through {@link JsonMapping#defaults()}.
	 *
	 * @param valueType the class documents of the type are read as, a record or POJO
	 * @param fold the fold
	 * @param <T> the class
	 * @return a resolver for {@link ProjectionPolicy.Builder#custom(String, CustomResolver)}; its {@link #id()} is the
	 *         fold's class name, or nothing for a lambda
	 */
	static <T> CustomResolver typed(Class<T> valueType, TypedFold<T> fold) {
		return typed(valueType, JsonMapping.defaults(), fold);
	}

	/**
	 * A custom fold written against the application's class. The document so far and the event's proposal are
	 * read as the class, the fold's answer is written back as the document; a document that does not fit the class
	 * makes the fold throw ({@link DocumentMismatchException}), which leaves the event out of the projection on
	 * every replica alike.
	 *
	 * @param valueType the class documents of the type are read as, a record or POJO
	 * @param mapper the mapper to read and write them with (use the engine's, {@link ReplicaView#objectMapper()},
	 *        when it has one of its own)
	 * @param fold the fold
	 * @param <T> the class
	 * @return a resolver for {@link ProjectionPolicy.Builder#custom(String, CustomResolver)}
	 */
	static <T> CustomResolver typed(Class<T> valueType, ObjectMapper mapper, TypedFold<T> fold) {
		Objects.requireNonNull(valueType, "valueType");
		Objects.requireNonNull(mapper, "mapper");
		Objects.requireNonNull(fold, "fold");
		return new CustomResolver() {
			@Override
			public @Nullable ObjectNode fold(@Nullable ObjectNode current, Event event, @Nullable ObjectNode payload) {
				T mine = current == null ? null : Json.read(mapper, event.type(), event.entityId(), current, valueType);
				T theirs = null;
				if (payload != null) {
					ObjectNode proposed = payload;
					if (event.op() == Op.PATCH) {
						// a patch proposes the document with its fields set, which is what fits the class
						proposed = current == null ? payload : current.deepCopy();
						if (current != null) {
							Json.shallowMerge(proposed, payload);
						}
						else {
							proposed.properties().removeIf(f -> f.getValue().isNull());
						}
					}
					theirs = Json.read(mapper, event.type(), event.entityId(), proposed, valueType);
				}
				T result = fold.fold(mine, theirs, event);
				return result == null ? null : Json.tree(mapper, result);
			}

			@Override
			public String id() {
				return fold.id();
			}
		};
	}

	/**
	 * A fold over the application's class, for {@link #typed(Class, TypedFold)}: the entity's events in canonical
	 * order, starting from no document. Pure, as every custom fold.
	 *
	 * @param <T> the class
	 */
	@FunctionalInterface
	interface TypedFold<T> {

		/**
		 * Folds one event in.
		 *
		 * @param current the document so far, {@code null} before the first event or after a delete
		 * @param incoming what the event proposes: a PUT's payload, a PATCH's fields set over the current document
		 *        ({@code null} fields removed), {@code null} for a DELETE
		 * @param event the event
		 * @return the new document, or {@code null} for a tombstone
		 */
		@Nullable T fold(@Nullable T current, @Nullable T incoming, Event event);

		/**
		 * What names this fold in the policy fingerprint; as {@link CustomResolver#id()}.
		 *
		 * @return the id, empty when the fold is not named
		 */
		default String id() {
			return stableName(getClass());
		}
	}

	private static String stableName(Class<?> c) {
		return c.isSynthetic() || c.isAnonymousClass() || c.getName().contains("$$Lambda") ? "" : c.getName();
	}
}
