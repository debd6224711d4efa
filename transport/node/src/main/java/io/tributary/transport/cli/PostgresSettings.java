package io.tributary.transport.cli;

import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.tributary.storage.postgres.PostgresUri;

/**
 * The {@code node} command's PostgreSQL settings ({@code --postgres} and its companions), from one source or merged;
 * each {@code null} where that source says nothing. {@link #toString()} never shows the password.
 *
 * @param uri the database, {@code postgresql://USER@HOST:PORT/DB}; {@code null} for the H2 store in the data
 *        directory
 * @param password the database password (config file key {@code postgres-password}, else {@value #PASSWORD_VARIABLE})
 * @param poolSize the most connections the node holds
 * @param notifications whether the nodes wake each other with {@code LISTEN}/{@code NOTIFY}
 * @param poll how often a node looks for other nodes' commits when no notification wakes it
 * @param acquireTimeout how long an operation may wait for a connection before it fails (503 over HTTP)
 */
record PostgresSettings(String uri, String password, Integer poolSize, Boolean notifications, Duration poll,
		Duration acquireTimeout) {

	/** The environment variable the password is read from when the config file has none (as libpq does). */
	static final String PASSWORD_VARIABLE = "PGPASSWORD";

	/** The default pool size. */
	static final int DEFAULT_POOL_SIZE = 10;

	/** The default poll interval. */
	static final Duration DEFAULT_POLL = Duration.ofMillis(500);

	/** The default acquire timeout: while the database does not answer, a write fails within about twice this. */
	static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(10);

	static final PostgresSettings NONE = new PostgresSettings(null, null, null, null, null, null);

	/**
	 * The settings of a config file's {@code postgres*} keys.
	 *
	 * @param values the file's pairs
	 * @return the settings
	 * @throws IllegalArgumentException on a bad value
	 */
	static PostgresSettings of(Map<String, String> values) {
		String pool = value(values, "postgres-pool-size");
		String notifyValue = value(values, "postgres-notify");
		String poll = value(values, "postgres-poll");
		String acquire = value(values, "postgres-acquire-timeout");
		return new PostgresSettings(value(values, "postgres"), values.get("postgres-password"),
				pool == null ? null : poolSize(pool), notifyValue == null ? null : bool("postgres-notify", notifyValue),
				poll == null ? null : duration("postgres-poll", poll),
				acquire == null ? null : duration("postgres-acquire-timeout", acquire));
	}

	/**
	 * These settings, falling back on another source's where these say nothing.
	 *
	 * @param fallback the other source
	 * @return the merged settings
	 */
	PostgresSettings or(PostgresSettings fallback) {
		return new PostgresSettings(uri != null ? uri : fallback.uri, password != null ? password : fallback.password,
				poolSize != null ? poolSize : fallback.poolSize,
				notifications != null ? notifications : fallback.notifications,
				poll != null ? poll : fallback.poll, acquireTimeout != null ? acquireTimeout : fallback.acquireTimeout);
	}

	/**
	 * Checks the merged settings and fills in the defaults: the password from {@value #PASSWORD_VARIABLE}, a pool of
	 * {@value #DEFAULT_POOL_SIZE}, notifications on, a 500 ms poll, a 10 s acquire timeout.
	 *
	 * @param env the environment
	 * @return the complete settings, or {@code null} when no {@code --postgres} is given (the H2 store)
	 * @throws IllegalArgumentException when the URI is not a PostgreSQL URI, holds a password, or a
	 *         companion setting is given without it or is out of range
	 */
	PostgresSettings complete(UnaryOperator<String> env) {
		if (uri == null) {
			if (poolSize != null || notifications != null || poll != null || acquireTimeout != null) {
				throw new IllegalArgumentException("--postgres-pool-size, --postgres-notify, --postgres-poll and "
						+ "--postgres-acquire-timeout need --postgres");
			}
			return null;
		}
		checkUri(uri);
		if (poolSize != null && poolSize < 1) {
			throw new IllegalArgumentException("--postgres-pool-size must be at least 1, was " + poolSize);
		}
		if (poll != null && (poll.isZero() || poll.isNegative())) {
			throw new IllegalArgumentException("--postgres-poll must be positive, was " + DurationConverter.format(poll));
		}
		if (acquireTimeout != null && (acquireTimeout.isZero() || acquireTimeout.isNegative())) {
			throw new IllegalArgumentException("--postgres-acquire-timeout must be positive, was "
					+ DurationConverter.format(acquireTimeout));
		}
		String envPassword = env.apply(PASSWORD_VARIABLE);
		String pw = password != null && !password.isEmpty() ? password
				: envPassword == null || envPassword.isEmpty() ? null : envPassword;
		return new PostgresSettings(uri.strip(), pw, poolSize == null ? DEFAULT_POOL_SIZE : poolSize,
				notifications == null ? Boolean.TRUE : notifications, poll == null ? DEFAULT_POLL : poll,
				acquireTimeout == null ? DEFAULT_ACQUIRE_TIMEOUT : acquireTimeout);
	}

	/**
	 * Checks a {@code --postgres} URI: a libpq URI ({@link PostgresUri#parse(String)}) without a password.
	 *
	 * @param uri the URI
	 * @throws IllegalArgumentException naming what is wrong
	 */
	static void checkUri(String uri) {
		PostgresUri parsed;
		try {
			parsed = PostgresUri.parse(uri.strip());
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("--postgres: " + e.getMessage());
		}
		if (parsed.password() != null) {
			throw new IllegalArgumentException("--postgres must not hold the password (anyone on the machine can read "
					+ "a command line): give it in " + PASSWORD_VARIABLE + " or the config file's postgres-password");
		}
	}

	@Override
	public String toString() {
		return uri == null ? "none" : uri + " (password " + (password == null ? "none" : "****") + ", pool-size="
				+ poolSize + ", notify=" + notifications + ", poll=" + (poll == null ? null : DurationConverter.format(poll))
				+ ", acquire-timeout=" + (acquireTimeout == null ? null : DurationConverter.format(acquireTimeout)) + ")";
	}

	private static String value(Map<String, String> values, String key) {
		String v = values.get(key);
		return v == null || v.isBlank() ? null : v.strip();
	}

	private static Integer poolSize(String v) {
		try {
			return Integer.parseInt(v);
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException("postgres-pool-size must be a whole number of at least 1, was '" + v
					+ "'");
		}
	}

	private static Boolean bool(String key, String v) {
		if (v.equalsIgnoreCase("true")) {
			return Boolean.TRUE;
		}
		if (v.equalsIgnoreCase("false")) {
			return Boolean.FALSE;
		}
		throw new IllegalArgumentException(key + " must be true or false, was '" + v + "'");
	}

	private static Duration duration(String key, String v) {
		try {
			return DurationConverter.parse(v);
		}
		catch (picocli.CommandLine.TypeConversionException e) {
			throw new IllegalArgumentException(key + ": " + e.getMessage());
		}
	}
}
