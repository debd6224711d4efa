package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import reactor.core.Disposable;

/**
 * The {@code local-write} scenario: many concurrent writers put events into one engine on a fresh store until
 * each is durable, then the same events go through a raw baseline on the same storage engine for comparison.
 * On H2 ({@code --store h2}) the store is a fresh H2 file and the baseline plain H2 JDBC batches; on
 * PostgreSQL ({@code --store postgres}) the store is a fresh database of the run's server ({@link PostgresServer})
 * and the baseline {@link PostgresBaseline}'s unnest inserts into a plain table of that database, in batches of
 * the engine's mean group commit.
 * <p>
 * In order: (1) Tributary: open engine, warmup writes, a projection checkpoint (timed apart), measured writes
 * (timed from the first submit to the last acknowledgement, per-write latency recorded), close (timed apart);
 * (2) reopen the store and check every acknowledged event is there, unchanged; (3) the baseline: warmup
 * batches, then the measured batches, timed. Blocking: run from a {@code main} method or a test, never on a
 * Reactor thread.
 */
final class LocalWriteScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "local-write";

	/**
	 * The scenario's settings.
	 *
	 * @param events measured events per side
	 * @param writers concurrent writers, each with one write outstanding
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param durability durability of both sides
	 * @param warmup unmeasured events written first by each side
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the
	 *        system's temporary directory
	 * @param keepData keep the data directory afterwards
	 * @param submitOnParallel submit each write from Reactor's parallel scheduler rather than from the
	 *        thread that completed the writer's previous write
	 * @param store the store the engine runs on
	 * @param postgres the PostgreSQL server's URI for {@link StoreKind#POSTGRES}; {@code null} to start one
	 * @param poolSize connections in the PostgreSQL store's pool
	 */
	record Options(long events, int writers, int payloadBytes, int entities, Durability durability, long warmup,
			long seed, Path dataParent, boolean keepData, boolean submitOnParallel, StoreKind store, String postgres,
			int poolSize) {

		Options {
			Objects.requireNonNull(durability, "durability");
			Objects.requireNonNull(store, "store");
			if (poolSize < 1) {
				throw new IllegalArgumentException("pool size must be at least 1: " + poolSize);
			}
			if (events < 1 || writers < 1 || payloadBytes < 1 || entities < 1 || warmup < 0) {
				throw new IllegalArgumentException("events, writers, payload bytes and entities must be at least 1, "
						+ "warmup at least 0");
			}
			if (events + warmup > Integer.MAX_VALUE - 8) {
				throw new IllegalArgumentException("events plus warmup must be below " + (Integer.MAX_VALUE - 8));
			}
		}
	}

	private final Options options;
	private final PrintWriter err;
	private final Writers writers;

	LocalWriteScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
		this.writers = new Writers(options.writers(), options.submitOnParallel(), err);
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed, or PostgreSQL cannot start
	 * @throws SQLException when the baseline fails
	 */
	LocalWriteResult run() throws IOException, SQLException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err)) {
			if (options.store() == StoreKind.H2) {
				return run(workload, data.path(), null);
			}
			try (PostgresServer server = PostgresServer.open(options.postgres(), data.resolve("postgres"),
					options.keepData(), err)) {
				return run(workload, data.path(), server);
			}
		}
	}

	/** Where the engine's store is: its H2 directory, or its PostgreSQL database. */
	private record Place(Path engineDir, PostgresServer.Target database) {

		Node open(Durability durability, int poolSize) {
			return database == null ? Node.open(engineDir, durability, null)
					: Node.open(PostgresStores.open(database, poolSize, "node"), null);
		}
	}

	private LocalWriteResult run(Workload workload, Path dir, PostgresServer server) throws SQLException {
		int total = (int) (options.warmup() + options.events());
		double loadStart = JvmStats.loadAverage();
		Path engineDir = dir.resolve("engine");
		Place place = new Place(engineDir, server == null ? null : server.createDatabase());

		// (1) Tributary
		JvmStats.HeapSampler heap = new JvmStats.HeapSampler();
		Node node = place.open(options.durability(), options.poolSize());
		SyncEngine engine = node.engine();
		EventLedger ledger = new EventLedger(engine.origin(), total);
		Measured measured;
		try {
			measured = tributaryPhases(node, workload, ledger);
		}
		catch (RuntimeException e) {
			heap.stop();
			try {
				node.close();
			}
			catch (RuntimeException closeError) {
				e.addSuppressed(closeError);
			}
			throw e;
		}

		long closeStart = System.nanoTime();
		node.close();
		long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
		long heapMax = heap.stop();
		long acknowledged = ledger.acknowledged();
		err.printf("[%s] tributary closed in %,d ms; %,d events acknowledged%n", NAME, closeMillis, acknowledged);

		// (2) what survived
		Check check = check(place, workload, ledger);
		long storeBytes = place.database() == null ? DataDirectory.sizeOf(engineDir)
				: PostgresServer.databaseSize(place.database());
		err.printf("[%s] reopened in %,d ms: %,d of %,d acknowledged events verified, %,d lost%n", NAME,
				check.reopenMillis, check.verified, acknowledged, check.lost);
		if (acknowledged != total) {
			throw new IllegalStateException("only " + acknowledged + " of " + total + " writes were acknowledged");
		}

		// (3) baseline, on the same events; the collector starts from Tributary's garbage, not in the timing
		System.gc();
		Baseline baseline = place.database() == null ? h2Baseline(dir, ledger, workload, total)
				: postgresBaseline(place.database(), ledger, workload, total, measured.commits().batchMean());

		double seconds = measured.nanos() / 1e9;
		double baselineSeconds = baseline.nanos() / 1e9;
		double rate = options.events() / seconds;
		double baselineRate = options.events() / baselineSeconds;
		return new LocalWriteResult(NAME,
				new LocalWriteResult.Run(options.events(), options.writers(), options.payloadBytes(),
						round(workload.meanPayloadBytes()), options.entities(), options.durability().name(),
						options.warmup(), options.seed(), options.store().name().toLowerCase(Locale.ROOT)),
				new LocalWriteResult.Rates(round(rate), round(baselineRate), round(rate / baselineRate), round(seconds),
						round(baselineSeconds), Latency.ofMicros(measured.latency())),
				new LocalWriteResult.Survival(acknowledged, check.lost, check.verified,
						ledger.distinctEntities(workload.entities()), check.entities, closeMillis, check.reopenMillis),
				new LocalWriteResult.CommitFigures(measured.commits().count(), round(measured.commits().batchMean()),
						round(measured.commits().millisMean()), measured.checkpoints(),
						measured.warmupCheckpointMillis(), baseline.batch()),
				new LocalWriteResult.Costs(Figures.megabytes(storeBytes), Figures.megabytes(baseline.bytes()),
						heapMax >> 20, measured.usage().gcMillis(), measured.usage().gcCount(), baseline.gcMillis(),
						measured.usage().cpuSeconds(), Figures.seconds(baseline.cpuNanos())),
				measured.measures(), Environment.now(loadStart, options, server == null ? null : server.describe()));
	}

	/** Figures of Tributary's measured phase. */
	private record Measured(long nanos, Histogram latency, JvmStats.Usage usage, Node.Commits commits,
			long checkpoints, long warmupCheckpointMillis, Measures measures) {
	}

	/** Tributary's warmup, then its measured writes with their latency, commit and JVM figures. */
	private Measured tributaryPhases(Node node, Workload workload, EventLedger ledger) {
		SyncEngine engine = node.engine();
		writers.write(engine, workload, ledger, 0, options.warmup(), null, "tributary warmup");
		// the engine checkpoints its projection when no write waits: do it now, so that the measured phase
		// does not start behind a checkpoint of everything the warmup touched
		long checkpointStart = System.nanoTime();
		engine.checkpoint().block(Node.TIMEOUT);
		long warmupCheckpointMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checkpointStart);
		err.printf("[%s] projection checkpoint after the warmup: %,d ms%n", NAME, warmupCheckpointMillis);

		Node.Commits commits0 = node.commits();
		Histogram latency = new ConcurrentHistogram(3);
		LongAdder checkpoints = new LongAdder();
		Disposable checkpointCounter = engine.signals()
				.filter(SyncSignal.ProjectionCheckpointed.class::isInstance)
				.subscribe(s -> checkpoints.increment());
		LongAdder done = new LongAdder();
		Recorder recorder = Recorder.start("tributary", options.events(), done::sum, err, List.of(node));
		long nanos;
		Measures measures;
		try {
			nanos = writers.write(engine, workload, ledger, options.warmup(), options.events(), latency, done);
		}
		finally {
			measures = recorder.stop(latency, options.events() - done.sum());
			checkpointCounter.dispose();
		}
		Node.Commits commits = node.commits().since(commits0);
		return new Measured(nanos, latency, recorder.usage(), commits, checkpoints.sum(), warmupCheckpointMillis,
				measures);
	}

	/**
	 * The baseline's measured phase.
	 *
	 * @param nanos first measured insert to the last commit
	 * @param gcMillis collections meanwhile
	 * @param cpuNanos the process's CPU time meanwhile
	 * @param batch events per commit
	 * @param bytes what its table takes on disk
	 */
	private record Baseline(long nanos, long gcMillis, long cpuNanos, int batch, long bytes) {
	}

	/** A baseline's inserts of the ledger's events at indexes {@code [from, to)}. */
	private interface Inserts {
		void insert(int from, int to) throws SQLException;
	}

	private Baseline h2Baseline(Path dir, EventLedger ledger, Workload workload, int total) throws SQLException {
		try (JdbcBaseline baseline = JdbcBaseline.open(dir, options.durability())) {
			Baseline b = baselinePhases((from, to) -> baseline.insert(ledger, workload, from, to), baseline::done,
					JdbcBaseline.BATCH);
			long rows = baseline.count();
			if (rows != total) {
				throw new IllegalStateException("baseline holds " + rows + " rows, expected " + total);
			}
			return new Baseline(b.nanos(), b.gcMillis(), b.cpuNanos(), b.batch(), DataDirectory.sizeOf(dir, "baseline"));
		}
	}

	private Baseline postgresBaseline(PostgresServer.Target database, EventLedger ledger, Workload workload,
			int total, double commitBatchMean) throws SQLException {
		// the engine's own batches: what one of its group commits inserted on average
		int batch = (int) Math.max(1, Math.round(commitBatchMean));
		try (PostgresBaseline baseline = PostgresBaseline.open(database, 1)) {
			Baseline b = baselinePhases((from, to) -> baseline.insert(List.of(ledger), List.of(workload), from, to, batch),
					baseline::done, batch);
			long rows = baseline.count();
			if (rows != total) {
				throw new IllegalStateException("baseline holds " + rows + " rows, expected " + total);
			}
			return new Baseline(b.nanos(), b.gcMillis(), b.cpuNanos(), batch, baseline.bytes());
		}
	}

	/** The baseline's warmup, then its measured inserts, timed. */
	private Baseline baselinePhases(Inserts inserts, LongSupplier done, int batch)
			throws SQLException {
		int warmup = (int) options.warmup();
		int total = (int) (options.warmup() + options.events());
		baselinePhase(inserts, done, 0, warmup, "baseline warmup");
		JvmStats.Window window = JvmStats.window();
		long nanos = baselinePhase(inserts, done, warmup, total, "baseline");
		JvmStats.Usage usage = window.stop();
		return new Baseline(nanos, usage.gcMillis(), usage.cpuNanos(), batch, 0);
	}

	private long baselinePhase(Inserts inserts, LongSupplier done, int from, int to,
			String phase) throws SQLException {
		if (to <= from) {
			return 0;
		}
		long before = done.getAsLong();
		Progress progress = Progress.start(phase, to - from, () -> done.getAsLong() - before, err);
		try {
			long start = System.nanoTime();
			inserts.insert(from, to);
			return System.nanoTime() - start;
		}
		finally {
			progress.stop();
		}
	}

	/** What the reopened store holds, compared with what was acknowledged. */
	private record Check(long reopenMillis, long verified, long lost, long entities) {
	}

	private Check check(Place place, Workload workload, EventLedger ledger) {
		long start = System.nanoTime();
		try (Node node = place.open(options.durability(), options.poolSize())) {
			long reopenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			SyncEngine engine = node.engine();
			VersionVector vector = engine.vector();
			long held = Math.min(vector.get(ledger.origin()), engine.lastPosition());
			LongAdder verified = new LongAdder();
			node.forEachEvent(e -> {
				if (ledger.matches(e, workload)) {
					verified.increment();
				}
			});
			Long entities = engine.query(Workload.TYPE).count().block();
			long acknowledged = ledger.acknowledged();
			long lost = Math.max(0, Math.max(acknowledged - held, acknowledged - verified.sum()));
			return new Check(reopenMillis, verified.sum(), lost, entities == null ? 0 : entities);
		}
	}

	private static double round(double value) {
		return Figures.round(value);
	}
}
