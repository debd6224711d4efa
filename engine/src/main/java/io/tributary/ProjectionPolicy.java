package io.tributary;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How the projector folds each entity type: a strategy per type (with a default), the ranking of
 * origins for {@link ConflictStrategy#ORIGIN_PRIORITY} and the functions for
 * {@link ConflictStrategy#CUSTOM}. Immutable; every replica of a data set must use the same policy.
 */
public final class ProjectionPolicy {

	private static final ProjectionPolicy DEFAULT = builder().build();

	private final ConflictStrategy defaultStrategy;
	private final Map<String, ConflictStrategy> strategies;
	private final Map<String, Integer> ranks;
	private final Map<String, CustomResolver> resolvers;
	private final Upcasters upcasters;

	private ProjectionPolicy(ProjectionPolicy p, Upcasters upcasters) {
		this.defaultStrategy = p.defaultStrategy;
		this.strategies = p.strategies;
		this.ranks = p.ranks;
		this.resolvers = p.resolvers;
		this.upcasters = upcasters;
	}

	private ProjectionPolicy(Builder b) {
		this.defaultStrategy = b.defaultStrategy;
		this.strategies = Collections.unmodifiableMap(new HashMap<>(b.strategies));
		Map<String, Integer> r = new HashMap<>();
		for (int i = 0; i < b.ranking.size(); i++) {
			r.put(b.ranking.get(i), b.ranking.size() - i);
		}
		this.ranks = Collections.unmodifiableMap(r);
		this.resolvers = Collections.unmodifiableMap(new HashMap<>(b.resolvers));
		this.upcasters = Upcasters.none();
	}

	/**
	 * This policy with the schema upcasters the projection applies to payloads before folding them (the engine
	 * builder's {@link SyncEngine.Builder#upcaster upcasters} end up here). They are not part of the
	 * {@link #fingerprint(java.util.Set) fingerprint}: replicas on different schema versions sync.
	 *
	 * @param value the upcasters
	 * @return a new policy
	 */
	public ProjectionPolicy withUpcasters(Upcasters value) {
		return new ProjectionPolicy(this, Objects.requireNonNull(value, "upcasters"));
	}

	/**
	 * The schema upcasters payloads go through before they are folded.
	 *
	 * @return the upcasters, {@link Upcasters#none()} by default
	 */
	public Upcasters upcasters() {
		return upcasters;
	}

	/**
	 * The default policy: {@link ConflictStrategy#LAST_WRITE_WINS} for every type.
	 *
	 * @return the policy
	 */
	public static ProjectionPolicy defaults() {
		return DEFAULT;
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
	 * The strategy of a type.
	 *
	 * @param type entity type
	 * @return the strategy
	 */
	public ConflictStrategy strategy(String type) {
		return strategies.getOrDefault(type, defaultStrategy);
	}

	/**
	 * The rank of an origin: higher wins under {@link ConflictStrategy#ORIGIN_PRIORITY}.
	 *
	 * @param origin the origin
	 * @return its rank, 0 for an origin not in the ranking
	 */
	public int rank(String origin) {
		return ranks.getOrDefault(origin, 0);
	}

	/**
	 * The custom fold of a type.
	 *
	 * @param type entity type
	 * @return the resolver, or {@code null}
	 */
	public @Nullable CustomResolver resolver(String type) {
		return resolvers.get(type);
	}

	/**
	 * The policy as canonical text, over the types a replica exchanges: for each type its strategy (a
	 * {@code CUSTOM} fold with its {@link CustomResolver#id()}), types with the default strategy left out, and
	 * the ranking of origins when a strategy that uses it applies. Two replicas fold those types alike exactly
	 * when their descriptions are equal.
	 *
	 * @param types the types exchanged, {@code null} for all: then the default strategy and every type named
	 * @return the description, for example {@code default=LAST_WRITE_WINS; todo=FIELD_MERGE}
	 */
	public String describe(java.util.@Nullable Set<String> types) {
		StringBuilder b = new StringBuilder();
		java.util.SortedSet<String> named = new java.util.TreeSet<>(types == null ? strategies.keySet() : types);
		boolean ranked = false;
		if (types == null) {
			b.append("default=").append(defaultStrategy);
			ranked = defaultStrategy == ConflictStrategy.ORIGIN_PRIORITY;
		}
		for (String type : named) {
			ConflictStrategy s = strategy(type);
			if (types == null && s == defaultStrategy) {
				continue;
			}
			b.append(b.length() == 0 ? "" : "; ").append(type).append('=').append(s);
			if (s == ConflictStrategy.CUSTOM) {
				String id = java.util.Objects.requireNonNull(resolvers.get(type), type).id();
				b.append(id.isEmpty() ? "" : ":" + id);
			}
			ranked |= s == ConflictStrategy.ORIGIN_PRIORITY;
		}
		if (ranked) {
			java.util.List<String> ranking = new java.util.ArrayList<>(ranks.keySet());
			ranking.sort((x, y) -> Integer.compare(rank(y), rank(x)));
			b.append(b.length() == 0 ? "" : "; ").append("ranking=").append(String.join(",", ranking));
		}
		return b.toString();
	}

	/**
	 * A short hash of {@link #describe(java.util.Set)}: replicas compare it when they connect and refuse to sync
	 * when it differs, since replicas whose policies differ cannot converge.
	 *
	 * @param types the types exchanged, {@code null} for all
	 * @return 16 hexadecimal digits
	 */
	public String fingerprint(java.util.@Nullable Set<String> types) {
		try {
			byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
					.digest(describe(types).getBytes(java.nio.charset.StandardCharsets.UTF_8));
			return java.util.HexFormat.of().formatHex(hash, 0, 8);
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every Java platform", e);
		}
	}

	/**
	 * Builds a {@link ProjectionPolicy}.
	 */
	public static final class Builder {
		private ConflictStrategy defaultStrategy = ConflictStrategy.LAST_WRITE_WINS;
		private final Map<String, ConflictStrategy> strategies = new HashMap<>();
		private List<String> ranking = List.of();
		private final Map<String, CustomResolver> resolvers = new HashMap<>();

		private Builder() {
		}

		/**
		 * The strategy of types without their own.
		 *
		 * @param strategy the strategy; not {@link ConflictStrategy#CUSTOM}, which needs a function per type
		 * @return this builder
		 */
		public Builder defaultStrategy(ConflictStrategy strategy) {
			this.defaultStrategy = Objects.requireNonNull(strategy, "strategy");
			return this;
		}

		/**
		 * The strategy of one type.
		 *
		 * @param type entity type
		 * @param strategy the strategy
		 * @return this builder
		 */
		public Builder strategy(String type, ConflictStrategy strategy) {
			strategies.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(strategy, "strategy"));
			return this;
		}

		/**
		 * A custom fold for one type; sets the type's strategy to {@link ConflictStrategy#CUSTOM}.
		 *
		 * @param type entity type
		 * @param resolver the fold
		 * @return this builder
		 */
		public Builder custom(String type, CustomResolver resolver) {
			resolvers.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(resolver, "resolver"));
			strategies.put(type, ConflictStrategy.CUSTOM);
			return this;
		}

		/**
		 * The ranking of origins for {@link ConflictStrategy#ORIGIN_PRIORITY}, highest first (for
		 * server-wins, the server's origin first).
		 *
		 * @param origins the origins
		 * @return this builder
		 */
		public Builder originRanking(List<String> origins) {
			this.ranking = List.copyOf(origins);
			return this;
		}

		/**
		 * Builds the policy.
		 *
		 * @return the policy
		 * @throws IllegalArgumentException when a type is CUSTOM without a resolver
		 */
		public ProjectionPolicy build() {
			if (defaultStrategy == ConflictStrategy.CUSTOM) {
				throw new IllegalArgumentException("CUSTOM needs a resolver per type: use custom(type, resolver)");
			}
			strategies.forEach((type, s) -> {
				if (s == ConflictStrategy.CUSTOM && !resolvers.containsKey(type)) {
					throw new IllegalArgumentException("type " + type + " is CUSTOM but has no resolver");
				}
			});
			return new ProjectionPolicy(this);
		}
	}
}
