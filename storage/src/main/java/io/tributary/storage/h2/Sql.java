package io.tributary.storage.h2;

import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The SQL helpers of the H2 classes: binding parameters, running an update or a query on a connection and mapping
 * its rows, and running one statement per item of a batch. They run on the thread that subscribes, which is always
 * one of {@link H2Executor}'s lanes (r2dbc-h2 runs SQL on the subscribing thread); connections and transactions are
 * {@link H2Executor}'s alone.
 * <p>
 * Parameters are given in order, {@code $1} first. A {@link Null} binds a typed SQL null; an array (such as a
 * {@code Long[]} or a {@code byte[][]} for {@code UNNEST}) binds as an H2 array. Pass text that H2 should keep as
 * text as a {@code String} and binary content as {@code byte[]}.
 */
final class Sql {

	private Sql() {
	}

	/**
	 * Binds parameters in order.
	 *
	 * @param s the statement
	 * @param binds the values, {@code $1} first; {@link Null} for a typed null
	 * @return the statement
	 */
	static Statement bind(Statement s, Object... binds) {
		for (int i = 0; i < binds.length; i++) {
			if (binds[i] instanceof Null) {
				s.bindNull(i, ((Null) binds[i]).type());
			}
			else {
				s.bind(i, binds[i]);
			}
		}
		return s;
	}

	/**
	 * Executes an update and sums the rows updated.
	 *
	 * @param c the connection
	 * @param sql the SQL with {@code $1}-style parameters
	 * @param binds parameter values; {@link Null} for a typed null
	 * @return the rows updated
	 */
	static Mono<Long> update(Connection c, String sql, Object... binds) {
		return Flux.from(bind(c.createStatement(sql), binds).execute())
				.flatMap(Result::getRowsUpdated)
				.reduce(0L, Long::sum);
	}

	/**
	 * Runs a query and maps each row.
	 *
	 * @param c the connection
	 * @param sql the SQL with {@code $1}-style parameters
	 * @param row maps one row; called on the connection's thread while the result is read
	 * @param binds parameter values
	 * @return the mapped rows, in the order of the result
	 */
	static <T> Flux<T> query(Connection c, String sql, Function<? super Readable, ? extends T> row, Object... binds) {
		return Flux.from(bind(c.createStatement(sql), binds).execute())
				.flatMap(r -> r.map(row));
	}

	/**
	 * Runs a query of one numeric value.
	 *
	 * @param c the connection
	 * @param sql the SQL
	 * @param binds parameter values
	 * @return the value as a long; errors when the query has no row or more than one
	 */
	static Mono<Long> scalar(Connection c, String sql, Object... binds) {
		return query(c, sql, row -> ((Number) row.get(0)).longValue(), binds).single();
	}

	/**
	 * Runs one statement per item, one after the other (never two at once on a connection), and sums the rows they
	 * updated.
	 *
	 * @param items the items
	 * @param statement the statement of one item, such as an {@link #update}
	 * @return the rows updated
	 */
	static <T> Mono<Long> forEach(Iterable<T> items, Function<? super T, Mono<Long>> statement) {
		return Flux.fromIterable(items)
				.concatMap(statement)
				.reduce(0L, Long::sum);
	}

	/**
	 * A typed SQL null, for {@link #bind}.
	 *
	 * @param type the column's Java type
	 */
	record Null(Class<?> type) {
	}
}
