package io.tributary.storage.postgres;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tributary.StorageUnavailableException;
import io.tributary.TributaryException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Owns the connections of a {@link PostgresStorage}: every unit of work borrows a pooled connection, runs in a
 * transaction or in autocommit, and gives the connection back on completion, error and cancel. Errors of reaching
 * the database (refused, dropped, timed out, the server shutting down) become a {@link TributaryException} that names
 * the database; errors of the SQL itself pass unchanged.
 * <p>
 * r2dbc-postgresql runs on its Netty event loop: the work given here must not block.
 */
final class PgExecutor {

	private final ConnectionPool pool;
	private final String description;

	PgExecutor(ConnectionPool pool, String description) {
		this.pool = pool;
		this.description = description;
	}

	/** Runs work in one transaction: committed when the work completes, rolled back on error or cancel. */
	<T> Mono<T> inTransaction(Function<Connection, Mono<T>> work) {
		return Mono.usingWhen(pool.create(),
				c -> Mono.usingWhen(Mono.from(c.beginTransaction()).thenReturn(c), work, tx -> tx.commitTransaction(),
						(tx, e) -> tx.rollbackTransaction(), tx -> tx.rollbackTransaction()),
				Connection::close)
				.onErrorMap(this::unavailable, this::describe);
	}

	/** Runs statements in autocommit: each its own transaction. */
	<T> Flux<T> read(Function<Connection, Flux<T>> work) {
		return Flux.usingWhen(pool.create(), work, Connection::close)
				.onErrorMap(this::unavailable, this::describe);
	}

	Mono<Void> close() {
		return pool.disposeLater();
	}

	private boolean unavailable(Throwable e) {
		if (e instanceof TributaryException) {
			return false;
		}
		if (e instanceof R2dbcNonTransientResourceException || e instanceof R2dbcTransientResourceException
				|| e instanceof IOException || e instanceof TimeoutException) {
			return true;
		}
		// connection exceptions (class 08) and the server shutting down or restarting (57P01..57P03)
		String state = e instanceof R2dbcException r ? r.getSqlState() : null;
		return state != null && (state.startsWith("08") || state.startsWith("57P"))
				|| e.getCause() != null && e.getCause() != e && unavailable(e.getCause());
	}

	private Throwable describe(Throwable e) {
		return new StorageUnavailableException("PostgreSQL " + description + " is unavailable: " + e.getMessage(), e);
	}
}
