package io.tributary.storage.h2;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The one place that owns H2 connections, threads and transactions; the SQL run inside them is written with
 * {@link Sql}.
 * <p>
 * r2dbc-h2 runs SQL synchronously on the subscribing thread, so every piece of H2 work is subscribed on
 * a thread this class owns, each with its own held connection: the writer (event appends, serialized),
 * the checkpointer (projection checkpoints, beside the appends) and the reader (reads never wait for a
 * commit). No H2 work ever runs on a caller's thread, a Netty event loop included. Held connections
 * avoid reopening the database.
 */
final class H2Executor {

	/**
	 * A connection with the one thread that uses it. The connection is replaced only by {@link #rewrite()},
	 * while the lane's thread is held.
	 */
	static final class Lane {
		private volatile Connection connection;
		private final H2Thread thread;

		Lane(Connection connection, H2Thread thread) {
			this.connection = connection;
			this.thread = thread;
		}

		Connection connection() {
			return connection;
		}

		H2Thread thread() {
			return thread;
		}
	}

	private static final Logger log = Loggers.getLogger(H2Executor.class);

	/**
	 * Appended bytes after which H2 is asked to store (see {@link #storeInBackground}). H2 on its own stores
	 * every {@code WRITE_DELAY} or once ~19 MiB of changes are pending; under bulk appends that makes chunks
	 * larger than the 4 MiB write buffer H2 keeps for reuse, so every store allocated (and G1 had to collect)
	 * buffers of many megabytes. Stores every 2 MiB of events keep chunks small.
	 */
	static final long STORE_BYTES = 2L << 20;

	private final Lane writer;
	private final Lane checkpointer;
	private final Lane reader;
	private final boolean syncOnCommit;
	private final H2ConnectionFactory factory;
	/** The write-ahead log of a file database; null in memory. */
	private final WriteAheadLog wal;
	/** Where the current transaction's write-ahead record starts, or -1; writer thread only. */
	private long walMark = -1;
	/** Whether the log's old segments were put back in H2: until then, nothing may delete them. */
	private volatile boolean recovered;

	H2Executor(Lane writer, Lane checkpointer, Lane reader, boolean syncOnCommit, H2ConnectionFactory factory,
			WriteAheadLog wal) {
		this.writer = writer;
		this.checkpointer = checkpointer;
		this.reader = reader;
		this.syncOnCommit = syncOnCommit;
		this.factory = factory;
		this.wal = wal;
	}

	/**
	 * A thread for H2 work that is never interrupted. H2's file is a {@code FileChannel}, which Java closes
	 * when a thread using it is interrupted, and that closes the whole database. Reactor's own schedulers
	 * interrupt a running task when it is cancelled from another thread ({@code Future.cancel(true)}): a
	 * cancelled read could take the store down. A plain {@link Executor} wrapped with
	 * {@link Schedulers#fromExecutor} only skips cancelled tasks, and is shut down without interrupts.
	 *
	 * @param name the thread's name
	 * @return the thread
	 */
	static H2Thread thread(String name) {
		ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
			Thread t = new Thread(r, name);
			t.setDaemon(true);
			return t;
		});
		// a plain Executor, not the ExecutorService: given one, fromExecutor builds an interrupting scheduler
		@SuppressWarnings("UnnecessaryMethodReference")
		Executor plain = executor::execute;
		return new H2Thread(Schedulers.fromExecutor(plain), executor);
	}

	/** A single thread for H2 work: the scheduler to subscribe on and the executor behind it. */
	record H2Thread(Scheduler scheduler, ExecutorService executor) {

		/** Lets queued work finish, then ends the thread; never interrupts it. */
		void dispose() {
			executor.shutdown();
		}
	}

	/** The write-ahead log of a file database, or null in memory. */
	WriteAheadLog writeAheadLog() {
		return wal;
	}

	/** Marks the log's segments from before the open as put back in H2 (see {@link H2EventStore#recover}). */
	void recovered() {
		recovered = true;
	}

	/**
	 * Runs work in one transaction on the writer thread: begin, work, commit, store (see {@link #store}), or
	 * rollback on error. The value is emitted only after H2 has stored the commit in its file. For the rare
	 * writes other than appends; appends use {@link #inLoggedTransaction}.
	 *
	 * @param work the work, given the writer connection; must emit exactly one value
	 * @return the work's value, emitted on the writer thread after the commit
	 */
	<T> Mono<T> inTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(writer, work, true);
	}

	/**
	 * Runs an append in one transaction on the writer thread. The work inserts the events and calls
	 * {@link #log} with them: their record reaches the write-ahead log (the operating system, and the device
	 * under {@link Durability#POWER_LOSS}) before the commit, and is taken back when the transaction fails.
	 * H2 stores the commit on its own schedule.
	 *
	 * @param work the work, given the writer connection; must emit exactly one value
	 * @return the work's value, emitted on the writer thread after the commit
	 */
	<T> Mono<T> inLoggedTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(writer, work, false)
				// both run on the writer thread, after the commit or after the rollback
				.onErrorMap(error -> {
					try {
						takeBackLog();
					}
					catch (RuntimeException truncateError) {
						error.addSuppressed(truncateError);
					}
					return error;
				})
				.doOnNext(value -> {
					walMark = -1;
					// between transactions: a closed segment holds committed events only
					if (wal != null) {
						boolean rotated = wal.rotateIfFull();
						storeWhenDue(wal.takeWritten(), rotated);
					}
				});
	}

	/**
	 * Writes the events of the current logged transaction to the write-ahead log. Writer thread, inside
	 * {@link #inLoggedTransaction}, after the events were inserted.
	 *
	 * @param positions the events' positions
	 * @param bodies the events in the storage format
	 * @return completes once written
	 */
	Mono<Void> log(Long[] positions, byte[][] bodies) {
		return wal == null ? Mono.empty() : Mono.fromRunnable(() -> {
			long mark = wal.write(positions, bodies);
			if (walMark < 0) {
				walMark = mark;
			}
		});
	}

	/**
	 * Runs work in one transaction on the checkpoint thread, beside the event appends: projection
	 * checkpoints touch other tables, so MVCC lets both commit without waiting for each other. The commit
	 * is stored on H2's schedule: a projection checkpoint lost in a crash is rebuilt from the log.
	 *
	 * @param work the work, given the checkpoint connection; must emit exactly one value
	 * @return the work's value, emitted after the commit
	 */
	<T> Mono<T> inCheckpointTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(checkpointer, work, false);
	}

	/**
	 * As {@link #inCheckpointTransaction}, for writes that must survive a crash once acknowledged (dead
	 * letters): the value is emitted after H2 has stored the commit.
	 *
	 * @param work the work, given the checkpoint connection; must emit exactly one value
	 * @return the work's value, emitted after the commit is stored
	 */
	<T> Mono<T> inStoredCheckpointTransaction(Function<Connection, Mono<T>> work) {
		return inTransaction(checkpointer, work, true);
	}

	private <T> Mono<T> inTransaction(Lane lane, Function<Connection, Mono<T>> work, boolean stored) {
		Connection c = lane.connection();
		return Mono.defer(() -> Mono.from(c.beginTransaction())
				.then(Mono.defer(() -> work.apply(c)))
				.flatMap(value -> Mono.from(c.commitTransaction())
						.then(stored ? store(c) : Mono.empty())
						.thenReturn(value))
				.onErrorResume(error -> Mono.from(c.rollbackTransaction())
						.onErrorResume(rollbackError -> {
							error.addSuppressed(rollbackError);
							return Mono.empty();
						})
						.then(Mono.error(error))))
				.subscribeOn(lane.thread().scheduler());
	}

	/** After a failed transaction on the writer thread: its write-ahead record must not be replayed. */
	private void takeBackLog() {
		if (wal != null && walMark >= 0) {
			long mark = walMark;
			walMark = -1;
			wal.truncate(mark);
		}
	}

	/**
	 * Has H2 write everything committed so far to its file ({@code CHECKPOINT}), and sync the file under
	 * {@link Durability#POWER_LOSS} ({@code CHECKPOINT SYNC}). Nothing to do in memory.
	 */
	private Mono<Void> store(Connection c) {
		return wal == null ? Mono.empty() : Sql.update(c, syncOnCommit ? "CHECKPOINT SYNC" : "CHECKPOINT").then();
	}

	/** Bytes committed, appends and checkpoints alike, since a store was last asked for. */
	private final AtomicLong unstored = new AtomicLong();

	/**
	 * Counts what a projection checkpoint wrote, toward the next store (see {@link #storeWhenDue}): one store
	 * then never writes out a whole checkpoint (a buffer of many megabytes that H2 does not reuse). Checkpoint
	 * thread, after a transaction.
	 *
	 * @param bytes bytes of the rows written
	 */
	void checkpointWrote(long bytes) {
		if (wal != null) {
			storeWhenDue(bytes, false);
		}
	}

	/**
	 * Asks H2 to store once {@link #STORE_BYTES} were committed since the last time it was asked, or now when
	 * {@code due}; at most one store runs at a time.
	 */
	private void storeWhenDue(long bytes, boolean due) {
		if ((unstored.addAndGet(bytes) >= STORE_BYTES || due) && storing.compareAndSet(false, true)) {
			unstored.set(0);
			storeInBackground();
		}
	}

	/** Whether a store asked for by {@link #storeInBackground} has not finished yet. */
	private final AtomicBoolean storing = new AtomicBoolean();

	/** The running background store, ended by {@link #close()} if it has not finished. */
	private final Disposable.Swap backgroundStore = Disposables.swap();

	/**
	 * Has H2 store what was committed so far ({@code CHECKPOINT} on the checkpoint thread, beside the appends),
	 * then deletes the write-ahead segments that were closed when it began: they were closed after their last
	 * commit, so H2 now holds what they hold. One at a time; a failure leaves the segments (a later store or
	 * the next open deletes them) and is logged, and H2 still stores on its own.
	 */
	private void storeInBackground() {
		// the flag is held from storeWhenDue on and let go however the store ends (done, failed, or cancelled by
		// close); the store's own subscription is this executor's, so close can end it
		backgroundStore.update(Mono.usingWhen(Mono.just(storing),
				flag -> Mono.defer(() -> {
					List<Path> done = wal.closed();
					return store(checkpointer.connection()).then(Mono.fromRunnable(() -> wal.delete(done)));
				}),
				flag -> Mono.fromRunnable(() -> flag.set(false)),
				(flag, error) -> Mono.fromRunnable(() -> flag.set(false)),
				flag -> Mono.fromRunnable(() -> flag.set(false)))
				.onErrorResume(e -> {
					// H2 still stores on its own, and a later store or the next open deletes the segments
					log.warn("H2 could not store its pending changes yet", e);
					return Mono.empty();
				})
				.subscribeOn(checkpointer.thread().scheduler())
				.subscribe());
	}

	/**
	 * Runs work without a transaction on the writer thread (schema changes).
	 *
	 * @param work the work
	 * @return its value
	 */
	<T> Mono<T> onWriter(Function<Connection, Mono<T>> work) {
		return Mono.defer(() -> work.apply(writer.connection())).subscribeOn(writer.thread().scheduler());
	}

	/**
	 * Runs a read on the reader thread.
	 *
	 * @param work the read, given the reader connection
	 * @return its rows, emitted on the reader thread
	 */
	<T> Flux<T> read(Function<Connection, Flux<T>> work) {
		return Flux.defer(() -> work.apply(reader.connection())).subscribeOn(reader.thread().scheduler());
	}

	/**
	 * Rewrites the database file so that nothing deleted or overwritten remains in it. H2's MVStore never
	 * overwrites a page in place: old versions stay in the file until their space happens to be reused, so
	 * deleted bytes can be read back from it for an unbounded time. {@code SHUTDOWN COMPACT} writes the live data
	 * to a new file and replaces the old one. It closes the database, so the other two lanes are held (their
	 * threads wait, and work queued behind them waits) while the writer shuts down and opens new connections for
	 * all three. An in-memory database has no file and is left as it is.
	 *
	 * @return completes once the rewritten database is open again
	 */
	Mono<Void> rewrite() {
		if (wal == null) {
			return Mono.empty();
		}
		return Mono.usingWhen(
				Mono.fromCallable(() -> LaneHold.of(List.of(checkpointer, reader))),
				// the write-ahead log holds event bodies too: its segments go once the rewritten file holds them
				hold -> Mono.fromRunnable(wal::rotate)
						.then(Sql.update(writer.connection(), "SHUTDOWN COMPACT"))
						.then(reconnect(writer))
						.then(reconnect(checkpointer))
						.then(reconnect(reader))
						.then(Mono.<Void>fromRunnable(() -> wal.delete(wal.closed()))),
				hold -> Mono.fromRunnable(hold::release),
				(hold, error) -> Mono.fromRunnable(hold::release),
				hold -> Mono.fromRunnable(hold::release))
				.subscribeOn(writer.thread().scheduler());
	}

	/** The lane's old connection is dead after the shutdown: closing it may fail, which changes nothing. */
	private Mono<Void> reconnect(Lane lane) {
		Connection old = lane.connection();
		return Mono.from(old.close()).onErrorResume(e -> Mono.empty())
				.then(Mono.from(factory.create()))
				.doOnNext(c -> lane.connection = c)
				.then();
	}

	/** Other lanes' threads parked until released, so nothing runs on their connections meanwhile. */
	private static final class LaneHold {
		private final CountDownLatch release = new CountDownLatch(1);

		static LaneHold of(List<Lane> lanes) throws InterruptedException {
			LaneHold hold = new LaneHold();
			CountDownLatch parked = new CountDownLatch(lanes.size());
			for (Lane lane : lanes) {
				lane.thread().executor().execute(() -> {
					parked.countDown();
					hold.awaitRelease();
				});
			}
			if (!parked.await(60, TimeUnit.SECONDS)) {
				hold.release();
				throw new IllegalStateException("H2 lanes did not become idle within 60 s");
			}
			return hold;
		}

		private void awaitRelease() {
			try {
				release.await();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}

		void release() {
			release.countDown();
		}
	}

	/**
	 * Closes the connections, which closes the database and stores everything in its file; then the
	 * write-ahead log is no longer needed.
	 */
	Mono<Void> close() {
		return Mono.fromRunnable(backgroundStore::dispose)
				.thenMany(Flux.just(reader, checkpointer, writer))
				.concatMap(lane -> Mono.from(lane.connection().close()).subscribeOn(lane.thread().scheduler()))
				.then(Mono.fromRunnable(() -> {
					if (wal != null && recovered) {
						wal.closeAndDelete();
					}
					else if (wal != null) {
						wal.close();
					}
				}).subscribeOn(writer.thread().scheduler()))
				.then(Mono.fromRunnable(() -> {
					reader.thread().dispose();
					checkpointer.thread().dispose();
					writer.thread().dispose();
				}).subscribeOn(Schedulers.boundedElastic()))
				.then();
	}
}
