package io.tributary.transport.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.CustomResolver;
import io.tributary.Event;

/** Fold classes as an operator would put them on the node's classpath, good and bad. */
final class TestFolds {

	private TestFolds() {
	}

	/** Keeps the first document written: later writes are ignored. */
	public static final class KeepFirst implements CustomResolver {
		/** The constructor the node calls. */
		public KeepFirst() {
		}

		@Override
		public ObjectNode fold(ObjectNode current, Event event, ObjectNode payload) {
			return current != null ? current : payload;
		}
	}

	/** Not a fold at all. */
	public static final class NotAFold {
		/** A public constructor, to show that the type is what is refused. */
		public NotAFold() {
		}
	}

	/** A fold whose constructor fails. */
	public static final class Failing implements CustomResolver {
		/**
		 * Always fails.
		 *
		 * @throws IllegalStateException always
		 */
		public Failing() {
			throw new IllegalStateException("fold misconfigured");
		}

		@Override
		public ObjectNode fold(ObjectNode current, Event event, ObjectNode payload) {
			return payload;
		}
	}

	/** A fold without a constructor the node can call. */
	public static final class NeedsArgument implements CustomResolver {
		private final String field;

		/**
		 * Needs an argument.
		 *
		 * @param field a field
		 */
		public NeedsArgument(String field) {
			this.field = field;
		}

		@Override
		public ObjectNode fold(ObjectNode current, Event event, ObjectNode payload) {
			return payload == null ? null : payload.put(field, true);
		}
	}
}
