package io.tributary.storage.postgres;

import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The SQL helpers of the PostgreSQL classes: binding parameters in order, running an update or a query on a
 * connection and mapping its rows. Connections and transactions are {@link PgExecutor}'s alone. (The H2 classes have
 * helpers of the same shape; they bind H2's types and stay beside them.)
 * <p>
 * Parameters are given in order, {@code $1} first. A {@link Null} binds a typed SQL null; arrays ({@code String[]},
 * {@code Long[]}, {@code Integer[]}, {@code byte[][]}, {@code java.util.UUID[]}) bind as PostgreSQL arrays for
 * {@code unnest}, in the binary format ({@link PgBinaryCodec}), as {@code byte[]} does.
 */
final class PgSql {

	private PgSql() {
	}

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

	static Mono<Long> update(Connection c, String sql, Object... binds) {
		return Flux.from(bind(c.createStatement(sql), binds).execute())
				.flatMap(Result::getRowsUpdated)
				.reduce(0L, Long::sum);
	}

	static <T> Flux<T> query(Connection c, String sql, Function<? super Readable, ? extends T> row, Object... binds) {
		return Flux.from(bind(c.createStatement(sql), binds).execute())
				.concatMap(r -> r.map(row));
	}

	static Mono<Long> scalar(Connection c, String sql, Object... binds) {
		return query(c, sql, row -> ((Number) row.get(0)).longValue(), binds).single();
	}

	/**
	 * A typed SQL null, for {@link #bind}.
	 *
	 * @param type the column's Java type
	 */
	record Null(Class<?> type) {
	}
}
