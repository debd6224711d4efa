package io.tributary.storage.postgres;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tributary.StorageUnavailableException;
import io.tributary.TributaryException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Owns the connections of a {@link PostgresStorage}: every unit of work borrows a pooled connection, runs in a
 * transaction or in autocommit, and gives the connection back on completion, error and cancel. Errors of reaching
 * the database (refused, dropped, timed out, the server shutting down) become a {@link StorageUnavailableException}
 * that names the database; errors of the SQL itself pass unchanged.
 * <p>
 * Borrowing a connection is bounded as a whole by the acquire timeout: waiting for a free one, replacing idle ones a
 * restart of the server broke, and opening a new one together never take longer, so while the database is down
 * every operation fails within that time (plus the statement that was running when it went down, which fails when
 * its socket closes).
 * <p>
 * r2dbc-postgresql runs the work given here on its Netty event loop, which must not block. What the work emits is
 * handed on from the storage's own threads ({@code handOff}): the callers' continuations (the engine's commit work,
 * the folding of other nodes' commits, the HTTP answers) never run on the driver's event loop, which then only
 * encodes and decodes the wire.
 */
final class PgExecutor {

	private final ConnectionFactory pool;
	private final Mono<Void> dispose;
	private final String description;
	private final Duration acquireTimeout;
	private final Scheduler handOff;

	/**
	 * @param pool where connections come from
	 * @param dispose disposes the pool
	 * @param description the database, for errors
	 * @param acquireTimeout the bound of borrowing one connection, retries included
	 * @param handOff where results are handed on from; disposed by {@link #close()}
	 */
	PgExecutor(ConnectionFactory pool, Mono<Void> dispose, String description, Duration acquireTimeout,
			Scheduler handOff) {
		this.pool = pool;
		this.dispose = dispose;
		this.description = description;
		this.acquireTimeout = acquireTimeout;
		this.handOff = handOff;
	}

	/**
	 * Runs work in one transaction: committed when the work completes, rolled back on error or cancel. The value is
	 * emitted on the storage's hand-off threads once the commit is acknowledged.
	 */
	<T> Mono<T> inTransaction(Function<Connection, Mono<T>> work) {
		return Mono.usingWhen(acquire(),
				c -> Mono.usingWhen(Mono.from(c.beginTransaction()).thenReturn(c), work, tx -> tx.commitTransaction(),
						(tx, e) -> tx.rollbackTransaction(), tx -> tx.rollbackTransaction()),
				Connection::close)
				.onErrorMap(this::unavailable, this::describe)
				.publishOn(handOff);
	}

	/** Runs statements in autocommit: each its own transaction. Rows are emitted on the hand-off threads. */
	<T> Flux<T> read(Function<Connection, Flux<T>> work) {
		return Flux.usingWhen(acquire(), work, Connection::close)
				.onErrorMap(this::unavailable, this::describe)
				.publishOn(handOff);
	}

	/** A pooled connection, or a {@link TimeoutException} after the acquire timeout. */
	private Mono<Connection> acquire() {
		return Mono.<Connection>from(pool.create()).timeout(acquireTimeout, handOff)
				.onErrorMap(TimeoutException.class, e -> new TimeoutException("no connection within the acquire timeout of "
						+ acquireTimeout.toMillis() + " ms"));
	}

	/** Disposes the pool, then the hand-off threads. */
	Mono<Void> close() {
		return dispose.doFinally(s -> handOff.dispose());
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
