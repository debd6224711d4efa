package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import io.tributary.storage.h2.H2Storage;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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

	private static final int READ_PAGE = 4096;
	private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(5);

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

	LocalWriteScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
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
		Path parent = options.dataParent() == null ? Path.of(System.getProperty("java.io.tmpdir")) : options.dataParent();
		Files.createDirectories(parent);
		Path dir = Files.createTempDirectory(parent.toAbsolutePath(), "tributary-perf-");
		err.println("[" + NAME + "] data in " + dir + (options.keepData() ? " (kept)" : " (removed afterwards)"));
		try {
			return run(workload, dir);
		}
		finally {
			if (!options.keepData()) {
				deleteRecursively(dir);
			}
		}
	}

	private LocalWriteResult run(Workload workload, Path dir) throws SQLException {
		int total = (int) (options.warmup() + options.events());
		double loadStart = JvmStats.loadAverage();
		Path engineDir = dir.resolve("engine");

		// (1) Tributary
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		JvmStats.HeapSampler heap = new JvmStats.HeapSampler();
		H2Storage storage = H2Storage.builder().directory(engineDir).durability(options.durability()).open().block();
		SyncEngine engine = SyncEngine.builder().storage(Objects.requireNonNull(storage, "storage"))
				.meterRegistry(registry).open().block();
		Objects.requireNonNull(engine, "engine");
		EventLedger ledger = new EventLedger(engine.origin(), total);
		Measured measured;
		try {
			measured = tributaryPhases(engine, registry, workload, ledger);
		}
		catch (RuntimeException e) {
			heap.stop();
			try {
				engine.close().block(CLOSE_TIMEOUT);
			}
			catch (RuntimeException closeError) {
				e.addSuppressed(closeError);
			}
			throw e;
		}

		long closeStart = System.nanoTime();
		engine.close().block(CLOSE_TIMEOUT);
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
			long gc0 = JvmStats.gcMillis();
			long baselineCpu0 = JvmStats.processCpuNanos();
			baselineNanos = baselinePhase(baseline, ledger, workload, (int) options.warmup(), total, "baseline");
			baselineCpu = JvmStats.processCpuNanos() - baselineCpu0;
			baselineGcMillis = JvmStats.gcMillis() - gc0;
			long rows = baseline.count();
			if (rows != total) {
				throw new IllegalStateException("baseline holds " + rows + " rows, expected " + total);
			}
		}

		double seconds = measured.nanos() / 1e9;
		double baselineSeconds = baselineNanos / 1e9;
		double rate = options.events() / seconds;
		double baselineRate = options.events() / baselineSeconds;
		List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
		Runtime runtime = Runtime.getRuntime();
		return new LocalWriteResult(NAME, options.events(), options.writers(), options.payloadBytes(),
				round(workload.meanPayloadBytes()), options.entities(), options.durability().name(), options.warmup(),
				options.seed(), round(rate), round(baselineRate), round(rate / baselineRate), round(seconds),
				round(baselineSeconds), LocalWriteResult.Latency.ofMicros(measured.latency()), acknowledged, check.lost,
				check.verified, ledger.distinctEntities(workload.entities()), check.entities, closeMillis,
				check.reopenMillis, measured.commits(), round(measured.batchMean()), round(measured.commitMillisMean()),
				measured.checkpoints(), measured.warmupCheckpointMillis(), megabytes(sizeOf(engineDir)), megabytes(sizeOf(dir, "baseline")), heapMax >> 20,
				runtime.maxMemory() >> 20, measured.gcMillis(), measured.gcCount(), baselineGcMillis,
				round(measured.cpuNanos() / 1e9), round(baselineCpu / 1e9), runtime.availableProcessors(), loadStart,
				JvmStats.loadAverage(), System.getProperty("java.version"), List.copyOf(jvmArgs));
	}

	/** Figures of Tributary's measured phase. */
	private record Measured(long nanos, Histogram latency, long gcMillis, long gcCount, long cpuNanos, long commits,
			double commitMillis, double batched, long checkpoints, long warmupCheckpointMillis) {

		double batchMean() {
			return commits == 0 ? 0 : batched / commits;
		}

		double commitMillisMean() {
			return commits == 0 ? 0 : commitMillis / commits;
		}
	}

	/** Tributary's warmup, then its measured writes with their latency, commit and JVM figures. */
	private Measured tributaryPhases(SyncEngine engine, SimpleMeterRegistry registry, Workload workload,
			EventLedger ledger) {
		writePhase(engine, workload, ledger, 0, options.warmup(), null, "tributary warmup");
		// the engine checkpoints its projection when no write waits: do it now, so that the measured phase
		// does not start behind a checkpoint of everything the warmup touched
		long checkpointStart = System.nanoTime();
		engine.checkpoint().block(CLOSE_TIMEOUT);
		long warmupCheckpointMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checkpointStart);
		err.printf("[%s] projection checkpoint after the warmup: %,d ms%n", NAME, warmupCheckpointMillis);

		Timer commitTimer = registry.find("tributary.commit.duration").timer();
		DistributionSummary batchSize = registry.find("tributary.commit.batch").summary();
		long commits0 = commitTimer == null ? 0 : commitTimer.count();
		double commitMillis0 = commitTimer == null ? 0 : commitTimer.totalTime(TimeUnit.MILLISECONDS);
		double batched0 = batchSize == null ? 0 : batchSize.totalAmount();
		long gcMillis0 = JvmStats.gcMillis();
		long gcCount0 = JvmStats.gcCount();
		long cpu0 = JvmStats.processCpuNanos();
		Histogram latency = new ConcurrentHistogram(3);
		LongAdder checkpoints = new LongAdder();
		Disposable checkpointCounter = engine.signals()
				.filter(SyncSignal.ProjectionCheckpointed.class::isInstance)
				.subscribe(s -> checkpoints.increment());
		long nanos = writePhase(engine, workload, ledger, options.warmup(), options.events(), latency, "tributary");
		checkpointCounter.dispose();
		long gcMillis = JvmStats.gcMillis() - gcMillis0;
		long gcCount = JvmStats.gcCount() - gcCount0;
		long cpu = JvmStats.processCpuNanos() - cpu0;
		long commits = commitTimer == null ? 0 : commitTimer.count() - commits0;
		double commitMillis = commitTimer == null ? 0 : commitTimer.totalTime(TimeUnit.MILLISECONDS) - commitMillis0;
		double batched = batchSize == null ? 0 : batchSize.totalAmount() - batched0;

		return new Measured(nanos, latency, gcMillis, gcCount, cpu, commits, commitMillis, batched, checkpoints.sum(),
				warmupCheckpointMillis);
	}

	/**
	 * Writes events {@code [first, first + count)} of the workload with {@code writers} concurrent writers,
	 * each a chain of writes with one outstanding.
	 *
	 * @return nanoseconds from the first submit to the last acknowledgement
	 */
	private long writePhase(SyncEngine engine, Workload workload, EventLedger ledger, long first, long count,
			Histogram latency, String phase) {
		if (count == 0) {
			return 0;
		}
		int lanes = (int) Math.min(options.writers(), count);
		LongAdder done = new LongAdder();
		Progress progress = Progress.start(phase, count, done::sum, err);
		try {
			long start = System.nanoTime();
			Long end = Flux.range(0, lanes)
					.flatMap(lane -> Flux.range(0, (int) (count / lanes + (lane < count % lanes ? 1 : 0)))
							.concatMap(k -> write(engine, workload, ledger, first + lane + (long) k * lanes, latency, done), 1),
							lanes, 1)
					.then(Mono.fromSupplier(System::nanoTime))
					.block();
			return Objects.requireNonNull(end, "end") - start;
		}
		finally {
			progress.stop();
		}
	}

	/** One write of event {@code i}; its latency runs from subscription to the engine's acknowledgement. */
	private Mono<Void> write(SyncEngine engine, Workload workload, EventLedger ledger, long i, Histogram latency,
			LongAdder done) {
		Mono<Void> write = Mono.defer(() -> {
			int entity = workload.entityOf(i);
			int payload = workload.payloadOf(i);
			long submitted = System.nanoTime();
			return engine.put(Workload.TYPE, workload.entityId(entity), workload.payload(payload))
					.doOnNext(e -> {
						if (latency != null) {
							latency.recordValue(Math.max(0, (System.nanoTime() - submitted) / 1000));
						}
						ledger.record(e, entity, payload);
						done.increment();
					})
					.then();
		});
		return options.submitOnParallel() ? write.subscribeOn(Schedulers.parallel()) : write;
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
		H2Storage storage = Objects.requireNonNull(
				H2Storage.builder().directory(engineDir).durability(options.durability()).open().block(), "storage");
		SyncEngine engine = Objects.requireNonNull(SyncEngine.builder().storage(storage).open().block(), "engine");
		long reopenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		try {
			VersionVector vector = engine.vector();
			long held = Math.min(vector.get(ledger.origin()), engine.lastPosition());
			LongAdder verified = new LongAdder();
			storage.events().read(0, READ_PAGE).collectList()
					.expand(page -> page.size() < READ_PAGE ? Mono.empty()
							: storage.events().read(page.get(page.size() - 1).position(), READ_PAGE).collectList())
					.doOnNext(page -> {
						for (Event e : page) {
							if (ledger.matches(e, workload)) {
								verified.increment();
							}
						}
					})
					.then()
					.block();
			Long entities = engine.query(Workload.TYPE).count().block();
			long acknowledged = ledger.acknowledged();
			long lost = Math.max(0, Math.max(acknowledged - held, acknowledged - verified.sum()));
			return new Check(reopenMillis, verified.sum(), lost, entities == null ? 0 : entities);
		}
		finally {
			engine.close().block(CLOSE_TIMEOUT);
		}
	}

	private static double round(double value) {
		return LocalWriteResult.round(value);
	}

	private static double megabytes(long bytes) {
		return round(bytes / (1024.0 * 1024.0));
	}

	private static long sizeOf(Path dir) {
		return sizeOf(dir, "");
	}

	/** Bytes of the regular files under a directory whose names start with a prefix. */
	private static long sizeOf(Path dir, String prefix) {
		try (Stream<Path> files = Files.walk(dir)) {
			return files.filter(Files::isRegularFile)
					.filter(p -> p.getFileName().toString().startsWith(prefix))
					.mapToLong(p -> {
						try {
							return Files.size(p);
						}
						catch (IOException e) {
							throw new UncheckedIOException(e);
						}
					})
					.sum();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static void deleteRecursively(Path dir) throws IOException {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
				Files.delete(p);
			}
		}
	}
}
