package io.tributary.perf;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

import io.tributary.storage.h2.Durability;

/**
 * The baseline Tributary is compared with: the same events inserted through plain H2 JDBC into a
 * one-row-per-event table, in batches with one commit per batch, with the same per-commit durability as
 * the engine ({@code WRITE_DELAY=0}, and {@code CHECKPOINT SYNC} after each commit for
 * {@link Durability#POWER_LOSS}, as the H2 storage does). Blocking: run it on the main thread only.
 */
final class JdbcBaseline implements AutoCloseable {

	/** Events per batch and per commit. */
	static final int BATCH = 1000;

	private static final String CREATE = "CREATE TABLE baseline_event ("
			+ "id UUID NOT NULL, "
			+ "origin VARCHAR(255) NOT NULL, "
			+ "origin_seq BIGINT NOT NULL, "
			+ "position BIGINT NOT NULL UNIQUE, "
			+ "hlc BIGINT NOT NULL, "
			+ "type VARCHAR(128) NOT NULL, "
			+ "entity_id VARCHAR(512) NOT NULL, "
			+ "op TINYINT NOT NULL, "
			+ "payload VARBINARY(1000000000), "
			+ "PRIMARY KEY (origin, origin_seq))";
	private static final String INSERT = "INSERT INTO baseline_event "
			+ "(id, origin, origin_seq, position, hlc, type, entity_id, op, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

	private final Connection connection;
	private final boolean syncOnCommit;
	private final AtomicLong done = new AtomicLong();

	private JdbcBaseline(Connection connection, boolean syncOnCommit) {
		this.connection = connection;
		this.syncOnCommit = syncOnCommit;
	}

	/**
	 * Opens {@code <dir>/baseline.mv.db} and creates the table.
	 *
	 * @param dir the data directory
	 * @param durability what a commit must survive
	 * @return the open baseline
	 * @throws SQLException when H2 fails
	 */
	static JdbcBaseline open(Path dir, Durability durability) throws SQLException {
		Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("baseline").toAbsolutePath()
				+ ";WRITE_DELAY=0");
		try {
			c.setAutoCommit(false);
			try (Statement s = c.createStatement()) {
				s.execute(CREATE);
			}
			c.commit();
			return new JdbcBaseline(c, durability == Durability.POWER_LOSS);
		}
		catch (SQLException | RuntimeException e) {
			c.close();
			throw e;
		}
	}

	/** Events inserted and committed so far, counted per committed batch. */
	long done() {
		return done.get();
	}

	/**
	 * Inserts the ledger's events at indexes {@code [from, to)} in position order.
	 *
	 * @param ledger the events
	 * @param workload their entity ids and payloads
	 * @param from first index
	 * @param to index after the last
	 * @throws SQLException when H2 fails
	 */
	void insert(EventLedger ledger, Workload workload, int from, int to) throws SQLException {
		String origin = ledger.origin();
		try (PreparedStatement insert = connection.prepareStatement(INSERT);
				Statement sync = connection.createStatement()) {
			int inBatch = 0;
			for (int i = from; i < to; i++) {
				insert.setObject(1, ledger.id(i));
				insert.setString(2, origin);
				insert.setLong(3, ledger.originSeq(i));
				insert.setLong(4, i + 1L);
				insert.setLong(5, ledger.hlc(i));
				insert.setString(6, Workload.TYPE);
				insert.setString(7, workload.entityId(ledger.entity(i)));
				insert.setByte(8, ledger.op(i));
				insert.setBytes(9, workload.payload(ledger.payload(i)));
				insert.addBatch();
				if (++inBatch == BATCH || i == to - 1) {
					insert.executeBatch();
					connection.commit();
					if (syncOnCommit) {
						sync.execute("CHECKPOINT SYNC");
					}
					done.addAndGet(inBatch);
					inBatch = 0;
				}
			}
		}
	}

	/**
	 * Counts the rows stored.
	 *
	 * @return the count
	 * @throws SQLException when H2 fails
	 */
	long count() throws SQLException {
		try (Statement s = connection.createStatement();
				java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM baseline_event")) {
			rs.next();
			return rs.getLong(1);
		}
	}

	@Override
	public void close() throws SQLException {
		connection.close();
	}
}
