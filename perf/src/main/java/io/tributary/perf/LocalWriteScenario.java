package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import reactor.core.Disposable;

/**
 * The {@code local-write} scenario: many concurrent writers put events into one engine on a fresh H2 file
 * store until each is durable, then the same events go through plain H2 JDBC batches for comparison.
 * <p>
 * In order: (1) Tributary: open engine, warmup writes, a projection checkpoint (timed apart), measured writes (timed from the first submit to
 * the last acknowledgement, per-write latency recorded), close (timed apart); (2) reopen the store and
 * check every acknowledged event is there, unchanged; (3) the JDBC baseline: warmup batches, then the
 * measured batches, timed. Blocking: run from a {@code main} method or a test, never on a Reactor thread.
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
	 */
	record Options(long events, int writers, int payloadBytes, int entities, Durability durability, long warmup,
			long seed, Path dataParent, boolean keepData, boolean submitOnParallel) {

		Options {
			Objects.requireNonNull(durability, "durability");
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
	 * @throws IOException when the data directory cannot be made or removed
	 * @throws SQLException when the baseline fails
	 */
	LocalWriteResult run() throws IOException, SQLException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err)) {
			return run(workload, data.path());
		}
	}

	private LocalWriteResult run(Workload workload, Path dir) throws SQLException {
		int total = (int) (options.warmup() + options.events());
		double loadStart = JvmStats.loadAverage();
		Path engineDir = dir.resolve("engine");

		// (1) Tributary
		JvmStats.HeapSampler heap = new JvmStats.HeapSampler();
		Node node = Node.open(engineDir, options.durability(), null);
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
		Check check = check(engineDir, workload, ledger);
		err.printf("[%s] reopened in %,d ms: %,d of %,d acknowledged events verified, %,d lost%n", NAME,
				check.reopenMillis, check.verified, acknowledged, check.lost);
		if (acknowledged != total) {
			throw new IllegalStateException("only " + acknowledged + " of " + total + " writes were acknowledged");
		}

		// (3) baseline, on the same events; the collector starts from Tributary's garbage, not in the timing
		System.gc();
		long baselineNanos;
		long baselineGcMillis;
		long baselineCpu;
		try (JdbcBaseline baseline = JdbcBaseline.open(dir, options.durability())) {
			baselinePhase(baseline, ledger, workload, 0, (int) options.warmup(), "baseline warmup");
			JvmStats.Window window = JvmStats.window();
			baselineNanos = baselinePhase(baseline, ledger, workload, (int) options.warmup(), total, "baseline");
			JvmStats.Usage usage = window.stop();
			baselineCpu = usage.cpuNanos();
			baselineGcMillis = usage.gcMillis();
			long rows = baseline.count();
			if (rows != total) {
				throw new IllegalStateException("baseline holds " + rows + " rows, expected " + total);
			}
		}

		double seconds = measured.nanos() / 1e9;
		double baselineSeconds = baselineNanos / 1e9;
		double rate = options.events() / seconds;
		double baselineRate = options.events() / baselineSeconds;
		return new LocalWriteResult(NAME,
				new LocalWriteResult.Run(options.events(), options.writers(), options.payloadBytes(),
						round(workload.meanPayloadBytes()), options.entities(), options.durability().name(),
						options.warmup(), options.seed()),
				new LocalWriteResult.Rates(round(rate), round(baselineRate), round(rate / baselineRate), round(seconds),
						round(baselineSeconds), Latency.ofMicros(measured.latency())),
				new LocalWriteResult.Survival(acknowledged, check.lost, check.verified,
						ledger.distinctEntities(workload.entities()), check.entities, closeMillis, check.reopenMillis),
				new LocalWriteResult.CommitFigures(measured.commits().count(), round(measured.commits().batchMean()),
						round(measured.commits().millisMean()), measured.checkpoints(),
						measured.warmupCheckpointMillis()),
				new LocalWriteResult.Costs(Figures.megabytes(DataDirectory.sizeOf(engineDir)),
						Figures.megabytes(DataDirectory.sizeOf(dir, "baseline")), heapMax >> 20,
						measured.usage().gcMillis(), measured.usage().gcCount(), baselineGcMillis,
						measured.usage().cpuSeconds(), Figures.seconds(baselineCpu)),
				measured.measures(), Environment.now(loadStart, options));
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

	private long baselinePhase(JdbcBaseline baseline, EventLedger ledger, Workload workload, int from, int to,
			String phase) throws SQLException {
		if (to <= from) {
			return 0;
		}
		long before = baseline.done();
		Progress progress = Progress.start(phase, to - from, () -> baseline.done() - before, err);
		try {
			long start = System.nanoTime();
			baseline.insert(ledger, workload, from, to);
			return System.nanoTime() - start;
		}
		finally {
			progress.stop();
		}
	}

	/** What the reopened store holds, compared with what was acknowledged. */
	private record Check(long reopenMillis, long verified, long lost, long entities) {
	}

	private Check check(Path engineDir, Workload workload, EventLedger ledger) {
		long start = System.nanoTime();
		try (Node node = Node.open(engineDir, options.durability(), null)) {
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
