package io.tributary.storage.postgres;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL address in the libpq URI form, {@code postgresql://USER@HOST:PORT/DB?name=value&...} (also
 * {@code postgres://}): user, host, port (default 5432), database (default: the user's name) and the query's
 * parameters. A password written in the URI is read but never shown: {@link #toString()} leaves it out, and a node
 * takes its password from elsewhere (the environment or its configuration file). Percent-escapes are decoded; a host
 * in brackets is an IPv6 address. Immutable.
 *
 * <pre>{@code
 * PostgresUri uri = PostgresUri.parse("postgresql://tributary@db.example:5432/events?sslmode=disable");
 * }</pre>
 */
public final class PostgresUri {

	/** PostgreSQL's default port. */
	public static final int DEFAULT_PORT = 5432;

	private final String user;
	private final String host;
	private final int port;
	private final String database;
	private final @Nullable String password;
	private final Map<String, String> parameters;

	private PostgresUri(String user, String host, int port, String database, @Nullable String password,
			Map<String, String> parameters) {
		this.user = user;
		this.host = host;
		this.port = port;
		this.database = database;
		this.password = password;
		this.parameters = Map.copyOf(parameters);
	}

	/**
	 * Reads a URI.
	 *
	 * @param uri the text, such as {@code postgresql://tributary@localhost:5432/tributary}
	 * @return the address
	 * @throws IllegalArgumentException naming what is wrong: another scheme, no user, no host, a bad port
	 */
	public static PostgresUri parse(String uri) {
		Objects.requireNonNull(uri, "uri");
		String rest;
		if (uri.startsWith("postgresql://")) {
			rest = uri.substring("postgresql://".length());
		}
		else if (uri.startsWith("postgres://")) {
			rest = uri.substring("postgres://".length());
		}
		else {
			throw new IllegalArgumentException("not a PostgreSQL URI (postgresql://USER@HOST:PORT/DB): "
					+ withoutPassword(uri));
		}
		Map<String, String> params = new LinkedHashMap<>();
		int q = rest.indexOf('?');
		if (q >= 0) {
			for (String pair : rest.substring(q + 1).split("&")) {
				if (pair.isEmpty()) {
					continue;
				}
				int eq = pair.indexOf('=');
				if (eq <= 0) {
					throw new IllegalArgumentException("PostgreSQL URI parameter without a value: " + decode(pair));
				}
				params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
			}
			rest = rest.substring(0, q);
		}
		String path = "";
		int slash = rest.indexOf('/');
		if (slash >= 0) {
			path = decode(rest.substring(slash + 1));
			rest = rest.substring(0, slash);
		}
		int at = rest.lastIndexOf('@');
		String userInfo = at >= 0 ? rest.substring(0, at) : params.get("user");
		String hostPort = at >= 0 ? rest.substring(at + 1) : rest;
		if (userInfo == null || userInfo.isEmpty()) {
			throw new IllegalArgumentException("PostgreSQL URI names no user (postgresql://USER@HOST:PORT/DB): "
					+ withoutPassword(uri));
		}
		String user = userInfo;
		String password = params.remove("password");
		int colon = at >= 0 ? userInfo.indexOf(':') : -1;
		if (colon >= 0) {
			user = userInfo.substring(0, colon);
			password = decode(userInfo.substring(colon + 1));
		}
		user = decode(user);
		params.remove("user");
		String host;
		String portText = null;
		if (hostPort.startsWith("[")) {
			int close = hostPort.indexOf(']');
			if (close < 0) {
				throw new IllegalArgumentException("PostgreSQL URI has an unclosed IPv6 host: " + withoutPassword(uri));
			}
			host = hostPort.substring(1, close);
			if (hostPort.length() > close + 1) {
				if (hostPort.charAt(close + 1) != ':') {
					throw new IllegalArgumentException("PostgreSQL URI has text after its host: " + withoutPassword(uri));
				}
				portText = hostPort.substring(close + 2);
			}
		}
		else {
			int c = hostPort.indexOf(':');
			host = c >= 0 ? hostPort.substring(0, c) : hostPort;
			portText = c >= 0 ? hostPort.substring(c + 1) : null;
		}
		host = decode(host);
		if (host.isEmpty()) {
			throw new IllegalArgumentException("PostgreSQL URI names no host: " + withoutPassword(uri));
		}
		if (host.contains(",")) {
			throw new IllegalArgumentException("PostgreSQL URI with several hosts is not supported: " + withoutPassword(uri));
		}
		int port = DEFAULT_PORT;
		if (portText != null && !portText.isEmpty()) {
			try {
				port = Integer.parseInt(portText);
			}
			catch (NumberFormatException e) {
				port = -1;
			}
			if (port < 1 || port > 65_535) {
				throw new IllegalArgumentException("PostgreSQL URI port must be 1 to 65535: " + portText);
			}
		}
		String database = path.isEmpty() ? params.getOrDefault("dbname", user) : path;
		params.remove("dbname");
		return new PostgresUri(user, host, port, database, password, params);
	}

	/** The URI with any password in its user part or its parameters replaced, for error messages. */
	private static String withoutPassword(String uri) {
		return uri.replaceAll("(//[^:/@?]*):[^@/?]*@", "$1:***@").replaceAll("([?&]password=)[^&]*", "$1***");
	}

	private static String decode(String s) {
		return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
	}

	/**
	 * The user to log in as.
	 *
	 * @return the user
	 */
	public String user() {
		return user;
	}

	/**
	 * The host name or address.
	 *
	 * @return the host
	 */
	public String host() {
		return host;
	}

	/**
	 * The port.
	 *
	 * @return the port, {@link #DEFAULT_PORT} when the URI names none
	 */
	public int port() {
		return port;
	}

	/**
	 * The database.
	 *
	 * @return the database, the user's name when the URI names none
	 */
	public String database() {
		return database;
	}

	/**
	 * The password written in the URI, if any: a node should take it from the environment or its configuration
	 * file rather than from a URI that shows in process lists.
	 *
	 * @return the password, {@code null} when the URI holds none
	 */
	public @Nullable String password() {
		return password;
	}

	/**
	 * The query's parameters but {@code user}, {@code password} and {@code dbname}, such as {@code sslmode} or
	 * {@code application_name}.
	 *
	 * @return the parameters, in no particular order
	 */
	public Map<String, String> parameters() {
		return parameters;
	}

	/**
	 * The address without the password.
	 *
	 * @return {@code postgresql://USER@HOST:PORT/DB}
	 */
	@Override
	public String toString() {
		return "postgresql://" + user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
	}
}
