package io.tributary.transport.cli;

import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.tributary.ConflictStrategy;
import io.tributary.CustomResolver;
import io.tributary.ProjectionPolicy;
import io.tributary.Redaction;

/**
 * How a node's conflict policies and redaction are read from their option and config-file items
 * ({@code --policy TYPE=STRATEGY}, {@code --default-policy}, {@code --redact-field}, {@code --redact-path}): each
 * malformed item is an {@link IllegalArgumentException} naming the option and the item.
 */
final class PolicySettings {

	/** The strategies a {@code policy} item may name; CUSTOM takes a class name. */
	static final String STRATEGIES = "LAST_WRITE_WINS, FIELD_MERGE, ORIGIN_PRIORITY, CUSTOM:CLASS";

	private PolicySettings() {
	}

	static ConflictStrategy defaultStrategy(String v) {
		ConflictStrategy s = strategy(v);
		if (s == null || s == ConflictStrategy.CUSTOM) {
			throw new IllegalArgumentException("default-policy must be one of LAST_WRITE_WINS, FIELD_MERGE, "
					+ "ORIGIN_PRIORITY (CUSTOM is given per type), was '" + v + "'");
		}
		return s;
	}

	private static ConflictStrategy strategy(String v) {
		try {
			return ConflictStrategy.valueOf(v.strip().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}

	/**
	 * The projection policy of {@code TYPE=STRATEGY} items ({@code TYPE=CUSTOM:CLASS} for a fold class).
	 *
	 * @param items the items
	 * @param fallback the strategy of other types
	 * @param ranking the origins, highest first
	 * @return the policy
	 * @throws IllegalArgumentException for a malformed item, a type given twice, ORIGIN_PRIORITY without a
	 *         ranking, or a fold class that cannot be used
	 */
	static ProjectionPolicy projection(List<String> items, ConflictStrategy fallback, List<String> ranking) {
		ProjectionPolicy.Builder b = ProjectionPolicy.builder().defaultStrategy(fallback).originRanking(ranking);
		Map<String, String> seen = new LinkedHashMap<>();
		boolean priority = fallback == ConflictStrategy.ORIGIN_PRIORITY;
		for (String item : items) {
			int eq = item.indexOf('=');
			String type = eq < 0 ? "" : item.substring(0, eq).strip();
			String spec = eq < 0 ? "" : item.substring(eq + 1).strip();
			int colon = spec.indexOf(':');
			String name = colon < 0 ? spec : spec.substring(0, colon);
			ConflictStrategy s = strategy(name);
			if (type.isEmpty() || s == null || (s == ConflictStrategy.CUSTOM) != (colon >= 0)) {
				throw new IllegalArgumentException("policy must be TYPE=STRATEGY with STRATEGY one of " + STRATEGIES
						+ ", was '" + item + "'");
			}
			if (seen.put(type, item) != null) {
				throw new IllegalArgumentException("policy: type '" + type + "' is given twice");
			}
			if (s == ConflictStrategy.CUSTOM) {
				b.custom(type, customFold(type, spec.substring(colon + 1).strip()));
			}
			else {
				b.strategy(type, s);
				priority |= s == ConflictStrategy.ORIGIN_PRIORITY;
			}
		}
		if (priority && ranking.isEmpty()) {
			throw new IllegalArgumentException("ORIGIN_PRIORITY needs --origin-ranking: the origins (node ids), "
					+ "highest first");
		}
		return b.build();
	}

	/**
	 * An instance of a fold class: a {@link CustomResolver} with a public no-argument constructor.
	 *
	 * @throws IllegalArgumentException naming the class when it is missing, of the wrong type, or its
	 *         constructor is missing or fails
	 */
	private static CustomResolver customFold(String type, String className) {
		String where = "policy " + type + "=CUSTOM:" + className + ": ";
		if (className.isEmpty()) {
			throw new IllegalArgumentException(where + "CUSTOM needs a class name");
		}
		Class<?> c;
		try {
			c = Class.forName(className, true, PolicySettings.class.getClassLoader());
		}
		catch (ClassNotFoundException e) {
			throw new IllegalArgumentException(where + "class " + className + " is not on the classpath");
		}
		catch (LinkageError e) {
			throw new IllegalArgumentException(where + "class " + className + " cannot be loaded: " + e);
		}
		if (!CustomResolver.class.isAssignableFrom(c)) {
			throw new IllegalArgumentException(where + "class " + className + " does not implement "
					+ CustomResolver.class.getName());
		}
		try {
			return (CustomResolver) c.getConstructor().newInstance();
		}
		catch (NoSuchMethodException e) {
			throw new IllegalArgumentException(where + "class " + className
					+ " has no public constructor without arguments");
		}
		catch (InvocationTargetException e) {
			throw new IllegalArgumentException(where + "the constructor of " + className + " failed: "
					+ e.getCause(), e.getCause());
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalArgumentException(where + "cannot make an instance of " + className + ": " + e, e);
		}
	}

	/**
	 * The redaction of {@code NAME} or {@code TYPE:NAME} fields and {@code DOTTED.PATH} or
	 * {@code TYPE:DOTTED.PATH} paths.
	 *
	 * @param fields the field items
	 * @param paths the path items
	 * @return the redaction
	 * @throws IllegalArgumentException for an empty name, type or path segment
	 */
	static Redaction redaction(List<String> fields, List<String> paths) {
		Redaction.Builder b = Redaction.builder();
		for (String item : fields) {
			int colon = item.indexOf(':');
			String type = colon < 0 ? null : item.substring(0, colon).strip();
			String name = colon < 0 ? item : item.substring(colon + 1).strip();
			if (name.isEmpty() || (type != null && type.isEmpty())) {
				throw new IllegalArgumentException("redact-field must be NAME or TYPE:NAME, was '" + item + "'");
			}
			if (type == null) {
				b.field(name);
			}
			else {
				b.field(type, name);
			}
		}
		for (String item : paths) {
			int colon = item.indexOf(':');
			String type = colon < 0 ? null : item.substring(0, colon).strip();
			String path = colon < 0 ? item : item.substring(colon + 1).strip();
			if (type != null && type.isEmpty() || path.isEmpty() || path.startsWith(".") || path.endsWith(".")
					|| path.contains("..")) {
				throw new IllegalArgumentException("redact-path must be A.B.C or TYPE:A.B.C, was '" + item + "'");
			}
			if (type == null) {
				b.path(path);
			}
			else {
				b.path(type, path);
			}
		}
		return b.build();
	}
}
