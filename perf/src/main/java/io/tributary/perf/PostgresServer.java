package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import io.tributary.storage.postgres.PostgresUri;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL server of a run: one the harness starts itself (zonky's embedded PostgreSQL, its data
 * directory under the run's data directory, {@code fsync} and {@code synchronous_commit} on, stopped on
 * {@link #close()}), or one given as a libpq-style URI ({@code postgresql://USER@HOST:PORT/DB}, the password
 * from {@code PGPASSWORD}). Each run gets a fresh database on it ({@link #createDatabase()}), dropped on close
 * unless the data is kept. Blocking: use it from a {@code main} method or a test.
 */
final class PostgresServer implements AutoCloseable {

	/** The environment variable the password of a given server is read from, as libpq does. */
	static final String PASSWORD_VARIABLE = "PGPASSWORD";

	private final EmbeddedPostgres embedded;
	private final Target admin;
	private final boolean keepDatabases;
	private final PrintWriter err;
	private final List<String> created = new ArrayList<>();

	private PostgresServer(EmbeddedPostgres embedded, Target admin, boolean keepDatabases, PrintWriter err) {
		this.embedded = embedded;
		this.admin = admin;
		this.keepDatabases = keepDatabases;
		this.err = err;
	}

	/**
	 * Where a database is and who connects to it. {@link #toString()} hides the password.
	 *
	 * @param host the server's host
	 * @param port its port
	 * @param user the role to connect as
	 * @param password its password, {@code null} for none
	 * @param database the database
	 */
	record Target(String host, int port, String user, String password, String database) {

		/** A libpq-style URI of it, without the password. */
		String uri() {
			return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
		}

		/** The JDBC URL of it; the user and password go in {@link #properties()}. */
		String jdbcUrl() {
			return "jdbc:postgresql://" + host + ":" + port + "/" + database;
		}

		/** The JDBC connection's user and password. */
		Properties properties() {
			Properties p = new Properties();
			p.setProperty("user", user);
			if (password != null) {
				p.setProperty("password", password);
			}
			return p;
		}

		/** Opens a JDBC connection to it. */
		Connection connect() throws SQLException {
			return DriverManager.getConnection(jdbcUrl(), properties());
		}

		/** The same server and role, another database. */
		Target withDatabase(String name) {
			return new Target(host, port, user, password, name);
		}

		@Override
		public String toString() {
			return uri();
		}
	}

	/**
	 * What the result's environment says about the server: which one and how durable its commits are.
	 *
	 * @param server {@code embedded} for the one the harness started, else the given URI without password
	 * @param version {@code server_version}
	 * @param fsync {@code fsync}: whether commits reach the disk
	 * @param synchronousCommit {@code synchronous_commit}: whether a commit waits for its WAL flush
	 * @param walSyncMethod {@code wal_sync_method}
	 * @param sharedBuffers {@code shared_buffers}
	 */
	record Description(String server, String version, String fsync, String synchronousCommit, String walSyncMethod,
			String sharedBuffers) {
	}

	/**
	 * The server of a run: {@code uri}'s when given, else a fresh embedded one with its data directory under
	 * {@code dataDir}.
	 *
	 * @param uri a libpq-style URI, {@code null} to start one
	 * @param dataDir where an embedded server keeps its files
	 * @param keepDatabases keep the databases made for the run on a given server
	 * @param err where what happens is said
	 * @return the running server
	 * @throws IOException when the embedded server cannot start
	 * @throws IllegalArgumentException when the URI is not one
	 */
	static PostgresServer open(String uri, Path dataDir, boolean keepDatabases, PrintWriter err) throws IOException {
		if (uri != null) {
			Target target = parse(uri, System.getenv(PASSWORD_VARIABLE));
			err.println("[postgres] using " + target.uri());
			err.flush();
			return new PostgresServer(null, target, keepDatabases, err);
		}
		long start = System.nanoTime();
		EmbeddedPostgres pg = EmbeddedPostgres.builder()
				.setDataDirectory(dataDir)
				.setCleanDataDirectory(true)
				// zonky turns both off by default; a benchmark of durable writes needs them on
				.setServerConfig("fsync", "on")
				.setServerConfig("synchronous_commit", "on")
				.setServerConfig("full_page_writes", "on")
				.setServerConfig("max_connections", "200")
				.start();
		err.printf("[postgres] embedded server on port %d started in %,d ms (data in %s)%n", pg.getPort(),
				(System.nanoTime() - start) / 1_000_000, dataDir);
		err.flush();
		return new PostgresServer(pg, new Target("localhost", pg.getPort(), "postgres", null, "postgres"), false, err);
	}

	/**
	 * Reads a libpq-style URI ({@link PostgresUri}: the port defaults to 5432, the database to the user's name),
	 * the password from the URI or else from {@code password}.
	 *
	 * @param uri the URI
	 * @param password the password when the URI holds none, {@code null} for none
	 * @return the target
	 * @throws IllegalArgumentException naming what is wrong
	 */
	static Target parse(String uri, String password) {
		PostgresUri u = PostgresUri.parse(uri.strip());
		String secret = u.password() != null ? u.password() : password == null || password.isEmpty() ? null : password;
		return new Target(u.host(), u.port(), u.user(), secret, u.database());
	}

	/** Whether the harness started this server. */
	boolean embedded() {
		return embedded != null;
	}

	/**
	 * Makes a fresh database for the run, dropped on {@link #close()} unless kept.
	 *
	 * @return where it is
	 * @throws SQLException when the server refuses
	 */
	Target createDatabase() throws SQLException {
		String name = "tributary_perf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		try (Connection c = admin.connect(); Statement s = c.createStatement()) {
			s.execute("CREATE DATABASE " + name);
		}
		created.add(name);
		err.println("[postgres] database " + name + (!embedded() && keepDatabases ? " (kept)" : ""));
		err.flush();
		return admin.withDatabase(name);
	}

	/**
	 * Reads the server's version and durability settings.
	 *
	 * @return the description
	 * @throws SQLException when the server cannot be reached
	 */
	Description describe() throws SQLException {
		try (Connection c = admin.connect()) {
			return new Description(embedded() ? "embedded" : admin.uri(), show(c, "server_version"), show(c, "fsync"),
					show(c, "synchronous_commit"), show(c, "wal_sync_method"), show(c, "shared_buffers"));
		}
	}

	private static String show(Connection c, String setting) throws SQLException {
		try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
			rs.next();
			return rs.getString(1);
		}
	}

	/**
	 * Bytes a database takes on disk.
	 *
	 * @param target the database
	 * @return {@code pg_database_size}
	 * @throws SQLException when the server cannot be reached
	 */
	static long databaseSize(Target target) throws SQLException {
		try (Connection c = target.connect(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
			rs.next();
			return rs.getLong(1);
		}
	}

	/** Drops the run's databases on a given server (unless kept) and stops an embedded one. */
	@Override
	public void close() throws IOException {
		try {
			// an embedded server's databases go with its data directory
			if (!embedded() && !keepDatabases) {
				try (Connection c = admin.connect(); Statement s = c.createStatement()) {
					for (String name : created) {
						s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
					}
				}
				catch (SQLException e) {
					throw new IOException("cannot drop the run's databases " + created + ": " + e.getMessage(), e);
				}
			}
		}
		finally {
			created.clear();
			if (embedded != null) {
				embedded.close();
			}
		}
	}
}
