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
 * a thread this class owns: one writer thread with its held connection (all writes, serialized) and one
 * reader thread with a second connection (reads never wait for a commit). No H2 work ever runs on a
 * caller's thread, a Netty event loop included. Held connections avoid reopening the database.
 */
final class H2Executor {

	private final Connection writer;
	private final Connection reader;
	private final Scheduler writeThread;
	private final Scheduler readThread;
	private final boolean syncOnCommit;

	H2Executor(Connection writer, Connection reader, Scheduler writeThread, Scheduler readThread,
			boolean syncOnCommit) {
		this.writer = writer;
		this.reader = reader;
		this.writeThread = writeThread;
		this.readThread = readThread;
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
		return Mono.defer(() -> Mono.from(writer.beginTransaction())
				.then(Mono.defer(() -> work.apply(writer)))
				.flatMap(value -> Mono.from(writer.commitTransaction())
						.then(syncOnCommit ? update(writer, "CHECKPOINT SYNC") : Mono.empty())
						.thenReturn(value))
				.onErrorResume(error -> Mono.from(writer.rollbackTransaction())
						.onErrorResume(rollbackError -> {
							error.addSuppressed(rollbackError);
							return Mono.empty();
						})
						.then(Mono.error(error))))
				.subscribeOn(writeThread);
	}

	/**
	 * Runs work without a transaction on the writer thread (schema changes).
	 *
	 * @param work the work
	 * @return its value
	 */
	<T> Mono<T> onWriter(Function<Connection, Mono<T>> work) {
		return Mono.defer(() -> work.apply(writer)).subscribeOn(writeThread);
	}

	/**
	 * Runs a read on the reader thread.
	 *
	 * @param work the read, given the reader connection
	 * @return its rows, emitted on the reader thread
	 */
	<T> Flux<T> read(Function<Connection, Flux<T>> work) {
		return Flux.defer(() -> work.apply(reader)).subscribeOn(readThread);
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
		return Mono.from(reader.close()).subscribeOn(readThread)
				.then(Mono.from(writer.close()).subscribeOn(writeThread))
				// stop the threads from outside them: disposing a single-thread scheduler interrupts its worker
				.then(Mono.fromRunnable(() -> {
					readThread.dispose();
					writeThread.dispose();
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
