package io.tributary.perf;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import io.tributary.Event;
import io.tributary.spi.EventCodec;

/**
 * The baseline Tributary on PostgreSQL is compared with: the same events, encoded to the same bytes
 * ({@link EventCodec}, from the events as the engine stored them), inserted straight into a plain table of the
 * same database shaped as the store's event table (position as primary key, origin and sequence unique, the
 * user id, the encoded body), one batch per transaction as one {@code INSERT ... SELECT FROM unnest(...)} of
 * arrays, positions made by the server the way the store makes them ({@code (pg_current_xact_id() << 20) +
 * ordinal}). What the store does besides (its vector row, the projection, the commit feed) is what the ratio
 * measures. Durable as the store is: each commit waits for its WAL flush under the server's
 * {@code synchronous_commit}. One connection per lane, the lanes in parallel (one lane per node of the scenario).
 * Blocking: run it from the scenario's thread only.
 */
final class PostgresBaseline implements AutoCloseable {

	private static final String CREATE = "CREATE TABLE baseline_event ("
			+ "position BIGINT NOT NULL PRIMARY KEY, "
			+ "origin TEXT NOT NULL, "
			+ "origin_seq BIGINT NOT NULL, "
			+ "user_id TEXT, "
			+ "body BYTEA NOT NULL, "
			+ "UNIQUE (origin, origin_seq))";
	private static final String INSERT = "INSERT INTO baseline_event (position, origin, origin_seq, user_id, body) "
			+ "SELECT (pg_current_xact_id()::text::bigint << 20) + e.ord, e.origin, e.origin_seq, e.user_id, e.body "
			+ "FROM unnest(?::text[], ?::bigint[], ?::text[], ?::bytea[]) WITH ORDINALITY "
			+ "AS e(origin, origin_seq, user_id, body, ord)";

	private final PostgresServer.Target target;
	private final List<Connection> connections;
	private final AtomicLong done = new AtomicLong();

	private PostgresBaseline(PostgresServer.Target target, List<Connection> connections) {
		this.target = target;
		this.connections = connections;
	}

	/**
	 * Connects {@code lanes} times to the database and creates the table.
	 *
	 * @param target the database (the one the engines use)
	 * @param lanes connections inserting in parallel
	 * @return the open baseline
	 * @throws SQLException when the server refuses
	 */
	static PostgresBaseline open(PostgresServer.Target target, int lanes) throws SQLException {
		if (lanes < 1) {
			throw new IllegalArgumentException("lanes must be at least 1: " + lanes);
		}
		List<Connection> connections = new ArrayList<>();
		try {
			for (int i = 0; i < lanes; i++) {
				Connection c = target.connect();
				connections.add(c);
				c.setAutoCommit(false);
			}
			try (Statement s = connections.get(0).createStatement()) {
				s.execute(CREATE);
			}
			connections.get(0).commit();
			return new PostgresBaseline(target, connections);
		}
		catch (SQLException | RuntimeException e) {
			for (Connection c : connections) {
				try {
					c.close();
				}
				catch (SQLException closeError) {
					e.addSuppressed(closeError);
				}
			}
			throw e;
		}
	}

	/** Events inserted and committed so far, counted per committed batch. */
	long done() {
		return done.get();
	}

	/**
	 * Inserts, lane {@code k} on its own connection, ledger {@code k}'s events at indexes {@code [from, to)} in
	 * order, {@code batch} to a transaction; the lanes run at once.
	 *
	 * @param ledgers one per lane
	 * @param workloads each ledger's entity ids and payloads
	 * @param from first index
	 * @param to index after the last, per ledger (each ledger holds at least this many)
	 * @param batch events per transaction
	 * @return nanoseconds from the first insert to the last lane's last commit
	 * @throws SQLException when an insert fails
	 */
	long insert(List<EventLedger> ledgers, List<Workload> workloads, int from, int to, int batch)
			throws SQLException {
		if (ledgers.size() != connections.size() || workloads.size() != connections.size()) {
			throw new IllegalArgumentException(ledgers.size() + " ledgers for " + connections.size() + " lanes");
		}
		if (batch < 1) {
			throw new IllegalArgumentException("batch must be at least 1: " + batch);
		}
		if (to <= from) {
			return 0;
		}
		ExecutorService lanes = Executors.newFixedThreadPool(connections.size(), r -> {
			Thread t = new Thread(r, "tributary-perf-baseline");
			t.setDaemon(true);
			return t;
		});
		try {
			long start = System.nanoTime();
			List<Future<Void>> running = new ArrayList<>();
			for (int k = 0; k < connections.size(); k++) {
				Connection c = connections.get(k);
				EventLedger ledger = ledgers.get(k);
				Workload workload = workloads.get(k);
				running.add(lanes.submit(() -> {
					insert(c, ledger, workload, from, to, batch);
					return null;
				}));
			}
			for (Future<Void> lane : running) {
				lane.get();
			}
			return System.nanoTime() - start;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SQLException("interrupted while the baseline ran", e);
		}
		catch (ExecutionException e) {
			if (e.getCause() instanceof SQLException sql) {
				throw sql;
			}
			throw new IllegalStateException("a baseline lane failed", e.getCause());
		}
		finally {
			lanes.shutdownNow();
		}
	}

	private void insert(Connection c, EventLedger ledger, Workload workload, int from, int to, int batch)
			throws SQLException {
		String origin = ledger.origin();
		try (PreparedStatement insert = c.prepareStatement(INSERT)) {
			for (int first = from; first < to; first += batch) {
				int n = Math.min(batch, to - first);
				String[] origins = new String[n];
				Long[] seqs = new Long[n];
				String[] users = new String[n];
				byte[][] bodies = new byte[n][];
				for (int j = 0; j < n; j++) {
					Event e = ledger.event(first + j, workload);
					origins[j] = origin;
					seqs[j] = e.originSeq();
					users[j] = e.userId();
					bodies[j] = EventCodec.encode(e);
				}
				List<Array> arrays = List.of(c.createArrayOf("text", origins), c.createArrayOf("bigint", seqs),
						c.createArrayOf("text", users), c.createArrayOf("bytea", bodies));
				for (int p = 0; p < arrays.size(); p++) {
					insert.setArray(p + 1, arrays.get(p));
				}
				insert.executeUpdate();
				c.commit();
				for (Array a : arrays) {
					a.free();
				}
				done.addAndGet(n);
			}
		}
	}

	/**
	 * Counts the rows stored.
	 *
	 * @return the count
	 * @throws SQLException when the server fails
	 */
	long count() throws SQLException {
		try (Connection c = target.connect(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM baseline_event")) {
			rs.next();
			return rs.getLong(1);
		}
	}

	/**
	 * Bytes the table and its indexes take.
	 *
	 * @return {@code pg_total_relation_size}
	 * @throws SQLException when the server fails
	 */
	long bytes() throws SQLException {
		try (Connection c = target.connect(); Statement s = c.createStatement();
				ResultSet rs = s.executeQuery("SELECT pg_total_relation_size('baseline_event')")) {
			rs.next();
			return rs.getLong(1);
		}
	}

	@Override
	public void close() throws SQLException {
		SQLException failure = null;
		for (Connection c : connections) {
			try {
				c.close();
			}
			catch (SQLException e) {
				if (failure == null) {
					failure = e;
				}
				else {
					failure.addSuppressed(e);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}
}
