package io.tributary;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tributary.internal.Json;

import org.jspecify.annotations.Nullable;

/**
 * Schema evolution of payloads: per entity type, the current schema version and the steps that bring a payload
 * of version N to N+1. Events keep the version they were written with and are never rewritten in the log; the
 * projection upcasts each payload older than the type's current version, step by step, when it folds it, so every
 * read (typed or not, local or through the HTTP API) and every fold of a peer's event sees the current schema.
 * A payload of a version newer than this replica knows is folded as it is: the newer replica's upcasters are the
 * ones that know it. See {@code docs/SCHEMA.md}.
 * <p>
 * Immutable and thread-safe; build with {@link #builder()}, or register steps on
 * {@link SyncEngine.Builder#upcaster(String, int, UnaryOperator)}. Versions start at 1; a payload stamped 0 (by
 * a writer that predates versions) reads as version 1.
 */
public final class Upcasters {

	private static final Upcasters NONE = new Upcasters(Map.of(), Map.of());

	private final Map<String, Integer> current;
	/** Per type, the step from each version to the next: index {@code v - 1} brings v to v + 1. */
	private final Map<String, List<UnaryOperator<ObjectNode>>> steps;

	private Upcasters(Map<String, Integer> current, Map<String, List<UnaryOperator<ObjectNode>>> steps) {
		this.current = current;
		this.steps = steps;
	}

	/**
	 * No upcasters: every type is at version 1.
	 *
	 * @return the empty set
	 */
	public static Upcasters none() {
		return NONE;
	}

	/**
	 * A builder.
	 *
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * The current schema version of a type: what local writes are stamped with and what reads see.
	 *
	 * @param type entity type
	 * @return the version, 1 for a type without a declared version
	 */
	public int current(String type) {
		Integer v = current.get(type);
		return v == null ? 1 : v;
	}

	/**
	 * The types with a declared version, and their versions.
	 *
	 * @return the versions by type, sorted
	 */
	public Map<String, Integer> versions() {
		return Collections.unmodifiableMap(new TreeMap<>(current));
	}

	/**
	 * The schema version an event's payload has once read here: its own when it is newer than the type's current
	 * version, else the current one.
	 *
	 * @param event the event
	 * @return the version
	 */
	public int readVersion(Event event) {
		return Math.max(event.schemaVersion(), current(event.type()));
	}

	/**
	 * Whether an event's payload is older than its type's current version (and so is upcast when read).
	 *
	 * @param event the event
	 * @return true when a step applies to it
	 */
	public boolean upcasts(Event event) {
		return event.payload() != null && Math.max(event.schemaVersion(), 1) < current(event.type());
	}

	/**
	 * Brings a document of a type from a version to the type's current version, step by step.
	 *
	 * @param type entity type
	 * @param fromVersion the document's version (below 1 reads as 1)
	 * @param document the document; a step may modify it
	 * @return the document at the current version (the same node or one a step returned); the same node when it is
	 *         current or newer
	 * @throws IllegalStateException when a step returns {@code null}
	 */
	public ObjectNode upcast(String type, int fromVersion, ObjectNode document) {
		List<UnaryOperator<ObjectNode>> chain = steps.get(type);
		if (chain == null) {
			return document;
		}
		ObjectNode doc = document;
		for (int v = Math.max(fromVersion, 1); v < chain.size() + 1; v++) {
			doc = chain.get(v - 1).apply(doc);
			if (doc == null) {
				throw new IllegalStateException("the upcaster of " + type + " from version " + v + " returned null");
			}
		}
		return doc;
	}

	/**
	 * An event's payload as read here: upcast to the type's current version when older, else as stored.
	 *
	 * @param event the event
	 * @return UTF-8 JSON; the stored array itself when no step applies; {@code null} for a delete or a stub
	 */
	public byte @Nullable [] payload(Event event) {
		byte[] stored = event.payload();
		if (stored == null || !upcasts(event)) {
			return stored;
		}
		return Json.bytes(upcast(event.type(), event.schemaVersion(), Json.parseObject(stored)));
	}

	/**
	 * An event's payload as read here, parsed: a new mutable tree, upcast to the type's current version when older.
	 *
	 * @param event the event
	 * @return the tree, {@code null} for a delete or a stub
	 */
	public @Nullable ObjectNode tree(Event event) {
		byte[] stored = event.payload();
		if (stored == null) {
			return null;
		}
		ObjectNode tree = Json.parseObject(stored);
		return upcasts(event) ? upcast(event.type(), event.schemaVersion(), tree) : tree;
	}

	@Override
	public String toString() {
		return "Upcasters" + versions();
	}

	/**
	 * Collects versions and steps; {@link #build()} checks that every type's chain is complete.
	 */
	public static final class Builder {
		private final Map<String, Integer> current = new HashMap<>();
		private final Map<String, Map<Integer, UnaryOperator<ObjectNode>>> steps = new HashMap<>();

		private Builder() {
		}

		/**
		 * Declares the current schema version of a type. Without it, a type with steps is at the version after its
		 * last step, and a type without steps at 1.
		 *
		 * @param type entity type
		 * @param version the version, at least 1
		 * @return this builder
		 * @throws IllegalArgumentException when the version is below 1
		 */
		public Builder schemaVersion(String type, int version) {
			Objects.requireNonNull(type, "type");
			if (version < 1) {
				throw new IllegalArgumentException("schema version of " + type + " must be at least 1, was " + version);
			}
			current.put(type, version);
			return this;
		}

		/**
		 * Registers the step that brings a type's payload from one version to the next. A step is applied to PUT
		 * payloads (whole documents) and to PATCH payloads (only the fields the patch sets): it must leave alone
		 * what it does not find. It must be a pure function of the document (no clock, no randomness), as every
		 * replica applies its own steps to the same events.
		 *
		 * @param type entity type
		 * @param fromVersion the version it reads, at least 1; it writes {@code fromVersion + 1}
		 * @param step the step; may modify and return its argument
		 * @return this builder
		 * @throws IllegalArgumentException when the version is below 1 or a step from it is registered already
		 */
		public Builder upcaster(String type, int fromVersion, UnaryOperator<ObjectNode> step) {
			Objects.requireNonNull(type, "type");
			Objects.requireNonNull(step, "step");
			if (fromVersion < 1) {
				throw new IllegalArgumentException("upcaster of " + type + " must read a version of at least 1, was "
						+ fromVersion);
			}
			Map<Integer, UnaryOperator<ObjectNode>> chain = steps.computeIfAbsent(type, t -> new HashMap<>());
			if (chain.putIfAbsent(fromVersion, step) != null) {
				throw new IllegalArgumentException("type " + type + " has two upcasters from version " + fromVersion);
			}
			return this;
		}

		/**
		 * Checks each type's chain and builds.
		 *
		 * @return the upcasters
		 * @throws IllegalArgumentException when a type's chain has a gap (a step from 1 to its current version is
		 *         missing) or a step from its current version or above
		 */
		public Upcasters build() {
			Map<String, Integer> versions = new HashMap<>(current);
			steps.forEach((type, chain) -> versions.putIfAbsent(type,
					chain.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1));
			Map<String, List<UnaryOperator<ObjectNode>>> out = new HashMap<>();
			versions.forEach((type, version) -> {
				Map<Integer, UnaryOperator<ObjectNode>> chain = steps.getOrDefault(type, Map.of());
				List<UnaryOperator<ObjectNode>> list = new ArrayList<>(version - 1);
				for (int v = 1; v < version; v++) {
					UnaryOperator<ObjectNode> step = chain.get(v);
					if (step == null) {
						throw new IllegalArgumentException("type " + type + " is at schema version " + version
								+ " but has no upcaster from version " + v + " to " + (v + 1));
					}
					list.add(step);
				}
				for (int from : chain.keySet()) {
					if (from >= version) {
						throw new IllegalArgumentException("type " + type + " is at schema version " + version
								+ " but has an upcaster from version " + from);
					}
				}
				if (!list.isEmpty()) {
					out.put(type, List.copyOf(list));
				}
			});
			if (versions.isEmpty()) {
				return NONE;
			}
			return new Upcasters(Map.copyOf(versions), Map.copyOf(out));
		}
	}
}
