package io.tributary.storage.h2;

import java.util.function.Function;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one place that owns H2 connections, threads and transactions.
 * <p>
 * r2dbc-h2 runs SQL synchronously on the subscribing thread, so every piece of H2 work is subscribed on
 * a thread this class owns, each with its own held connection: the writer (event appends, serialized),
 * the checkpointer (projection checkpoints, beside the appends) and the reader (reads never wait for a
 * commit). No H2 work ever runs on a caller's thread, a Netty event loop included. Held connections
 * avoid reopening the database.
 */
final class H2Executor {

	/** A connection with the one thread that uses it. */
	record Lane(Connection connection, Scheduler thread) {
	}

	private final Lane writer;
	private final Lane checkpointer;
	private final Lane reader;
	private final boolean syncOnCommit;

	H2Executor(Lane writer, Lane checkpointer, Lane reader, boolean syncOnCommit) {
		this.writer = writer;
		this.checkpointer = checkpointer;
		this.reader = reader;
		this.syncOnCommit = syncOnCommit;
	}

	static Scheduler thread(String name) {
		return Schedulers.newSingle(name, true);
	}

	/**
	 * Runs work in one transaction on the writer thread: begin, work, commit (and sync when configured),
	 * or rollback on error. The value is emitted only after the commit.
	 *
	 * @param work the work, given the writer connection; must emit exactly one value
	 * @return the work's value, emitted on the writer thread after the commit
	 */
	<T> Mono<T> inTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(writer, work);
	}

	/**
	 * Runs work in one transaction on the checkpoint thread, beside the event appends: projection
	 * checkpoints touch other tables, so MVCC lets both commit without waiting for each other.
	 *
	 * @param work the work, given the checkpoint connection; must emit exactly one value
	 * @return the work's value, emitted after the commit
	 */
	<T> Mono<T> inCheckpointTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(checkpointer, work);
	}

	private <T> Mono<T> inTransaction(Lane lane, Function<Connection, Mono<T>> work) {
		Connection c = lane.connection();
		return Mono.defer(() -> Mono.from(c.beginTransaction())
				.then(Mono.defer(() -> work.apply(c)))
				.flatMap(value -> Mono.from(c.commitTransaction())
						.then(syncOnCommit ? update(c, "CHECKPOINT SYNC") : Mono.empty())
						.thenReturn(value))
				.onErrorResume(error -> Mono.from(c.rollbackTransaction())
						.onErrorResume(rollbackError -> {
							error.addSuppressed(rollbackError);
							return Mono.empty();
						})
						.then(Mono.error(error))))
				.subscribeOn(lane.thread());
	}

	/**
	 * Runs work without a transaction on the writer thread (schema changes).
	 *
	 * @param work the work
	 * @return its value
	 */
	<T> Mono<T> onWriter(Function<Connection, Mono<T>> work) {
		return Mono.defer(() -> work.apply(writer.connection())).subscribeOn(writer.thread());
	}

	/**
	 * Runs a read on the reader thread.
	 *
	 * @param work the read, given the reader connection
	 * @return its rows, emitted on the reader thread
	 */
	<T> Flux<T> read(Function<Connection, Flux<T>> work) {
		return Flux.defer(() -> work.apply(reader.connection())).subscribeOn(reader.thread());
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

	static Statement bind(Statement s, Object... binds) {
		for (int i = 0; i < binds.length; i++) {
			if (binds[i] instanceof Null) {
				s.bindNull(i, ((Null) binds[i]).type);
			}
			else {
				s.bind(i, binds[i]);
			}
		}
		return s;
	}

	Mono<Void> close() {
		return Flux.just(reader, checkpointer, writer)
				.concatMap(lane -> Mono.from(lane.connection().close()).subscribeOn(lane.thread()))
				// stop the threads from outside them: disposing a single-thread scheduler interrupts its worker
				.then(Mono.fromRunnable(() -> {
					reader.thread().dispose();
					checkpointer.thread().dispose();
					writer.thread().dispose();
				}).subscribeOn(Schedulers.boundedElastic()))
				.then();
	}

	/** A typed SQL null for {@link #update}. */
	static final class Null {
		final Class<?> type;

		Null(Class<?> type) {
			this.type = type;
		}
	}
}
