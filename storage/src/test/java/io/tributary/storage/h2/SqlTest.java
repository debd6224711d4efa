package io.tributary.storage.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The SQL helpers every H2 store uses, on a real in-memory H2 database. */
class SqlTest {

	private static final Duration T = Duration.ofSeconds(30);

	private Connection c;

	@BeforeEach
	void open() {
		H2ConnectionFactory factory = new H2ConnectionFactory(H2ConnectionConfiguration.builder()
				.inMemory("sql-test-" + System.nanoTime()).property("DB_CLOSE_DELAY", "-1").build());
		c = Mono.from(factory.create()).block(T);
		Sql.update(c, "CREATE TABLE item (id BIGINT PRIMARY KEY, name VARCHAR(64), body VARBINARY(1024))").block(T);
	}

	@AfterEach
	void close() {
		Mono.from(c.close()).block(T);
	}

	@Test
	void parametersBindInOrderAndATypedNullIsSqlNull() {
		assertEquals(1L, Sql.update(c, "INSERT INTO item (id, name, body) VALUES ($1, $2, $3)", 1L,
				new Sql.Null(String.class), "a".getBytes(StandardCharsets.UTF_8)).block(T));
		Sql.query(c, "SELECT id, name, body FROM item WHERE id = $1", row -> new Object[] { row.get(0, Long.class),
				row.get(1, String.class), row.get(2, byte[].class) }, 1L)
				.as(StepVerifier::create)
				.assertNext(row -> {
					assertEquals(1L, row[0]);
					assertNull(row[1]);
					assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), (byte[]) row[2]);
				})
				.verifyComplete();
	}

	@Test
	void arraysBindAsH2ArraysSoThatOneStatementInsertsABatch() {
		Long[] ids = { 1L, 2L, 3L };
		byte[][] bodies = { { 1 }, { 2 }, { 3 } };
		assertEquals(3L, Sql.update(c, "INSERT INTO item (id, body) SELECT * FROM UNNEST(CAST($1 AS BIGINT ARRAY), "
				+ "CAST($2 AS VARBINARY(1024) ARRAY))", ids, bodies).block(T));
		assertEquals(6L, Sql.scalar(c, "SELECT SUM(id) FROM item").block(T));
		assertEquals(2L, Sql.scalar(c, "SELECT COUNT(*) FROM item WHERE id > $1", 1L).block(T));
	}

	@Test
	void forEachRunsOneStatementPerItemInOrderAndSumsTheRowsUpdated() {
		assertEquals(3L, Sql.forEach(List.of(1L, 2L, 3L), id -> Sql.update(c, "INSERT INTO item (id, name) VALUES ($1, "
				+ "(SELECT CAST(COUNT(*) AS VARCHAR) FROM item))", id)).block(T));
		// each statement saw the rows of the ones before it
		Sql.query(c, "SELECT name FROM item ORDER BY id", row -> row.get(0, String.class))
				.as(StepVerifier::create)
				.expectNext("0", "1", "2")
				.verifyComplete();
	}

	@Test
	void aScalarQueryWithoutARowIsAnError() {
		Sql.scalar(c, "SELECT id FROM item WHERE id = $1", 42L)
				.as(StepVerifier::create)
				.expectError(java.util.NoSuchElementException.class)
				.verify(T);
	}
}
