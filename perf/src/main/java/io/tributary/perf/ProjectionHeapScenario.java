package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import io.tributary.WriteRequest;
import io.tributary.storage.h2.Durability;
import reactor.core.publisher.Flux;

/**
 * The {@code projection-heap} scenario: how much heap a node keeps for a projection of many entities.
 * <p>
 * One engine on a fresh store (H2, or a fresh database of PostgreSQL); the heap in use after a full collection
 * is read first; then {@code entities} distinct entities are written, one event each, through
 * {@link SyncEngine#writeAll(List)} in batches of {@code batch} with {@code concurrency} batches in flight (the
 * fast path: large group commits), the heap's high-water mark sampled meanwhile; the projection is
 * checkpointed; the heap in use after a full collection is read again, with the engine open and its
 * projection loaded (the engine keeps at most {@code projectionCache} folds in memory, besides those not yet
 * saved; the rest is in the store); last, a sample of the entities is read back through the engine. The difference of the two
 * readings over the entities is what each entity costs the heap. Blocking: run from a {@code main} method or a
 * test, never on a Reactor thread.
 */
final class ProjectionHeapScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "projection-heap";

	/** The engine's default ingress capacity, kept when the writes in flight fit in it. */
	static final int DEFAULT_INGRESS = 16_384;

	/** Entities read back through the engine at the end (at most). */
	static final int SAMPLE = 1_000;

	/**
	 * The scenario's settings.
	 *
	 * @param entities distinct entities written, one event each
	 * @param batch writes per {@code writeAll}
	 * @param concurrency batches in flight at once
	 * @param payloadBytes payload size
	 * @param projectionCache entity folds the engine keeps in memory ({@link SyncEngine.Builder#projectionCache})
	 * @param store the engine's store
	 * @param postgres the PostgreSQL server's URI for {@link StoreKind#POSTGRES}; {@code null} to start one
	 * @param poolSize connections in the PostgreSQL store's pool
	 * @param durability what an acknowledged write survives on H2
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory afterwards
	 */
	record Options(int entities, int batch, int concurrency, int payloadBytes, int projectionCache, StoreKind store,
			String postgres,
			int poolSize, Durability durability, long seed, Path dataParent, boolean keepData) {

		Options {
			Objects.requireNonNull(store, "store");
			Objects.requireNonNull(durability, "durability");
			if (entities < 1 || batch < 1 || concurrency < 1 || payloadBytes < 1 || projectionCache < 1
					|| poolSize < 1 || (long) batch * concurrency > Integer.MAX_VALUE) {
				throw new IllegalArgumentException("entities, batch, concurrency, payload bytes, projection cache and "
						+ "pool size must be at least 1");
			}
		}
	}

	private final Options options;
	private final PrintWriter err;

	ProjectionHeapScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed, or PostgreSQL cannot start
	 * @throws SQLException when the server cannot be reached
	 */
	ProjectionHeapResult run() throws IOException, SQLException {
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err)) {
			if (options.store() == StoreKind.H2) {
				Path dir = data.resolve("engine");
				return run(() -> Node.open(dir, options.durability(), null, this::configure), null,
						() -> DataDirectory.sizeOf(dir));
			}
			try (PostgresServer server = PostgresServer.open(options.postgres(), data.resolve("postgres"),
					options.keepData(), err)) {
				PostgresServer.Target database = server.createDatabase();
				return run(() -> Node.open(PostgresStores.open(database, options.poolSize(), "node"), null,
						this::configure), server, () -> PostgresServer.databaseSize(database));
			}
		}
	}

	/** Opens the run's node. */
	private interface Opener {
		Node open();
	}

	/** What the run's store takes on disk. */
	private interface Size {
		long bytes() throws SQLException;
	}

	private ProjectionHeapResult run(Opener opener, PostgresServer server, Size size) throws SQLException {
		double loadStart = JvmStats.loadAverage();
		long heapBefore = heapAfterFullGc();
		err.printf("[%s] heap in use before, after a full collection: %,d MB%n", NAME, heapBefore >> 20);
		Workload payloads = new Workload(1, options.payloadBytes(), options.seed());
		long heapAfter;
		long checkpointMillis;
		long loadNanos;
		long acknowledged;
		long missing;
		int sampled;
		Measures measures;
		try (Node node = opener.open()) {
			SyncEngine engine = node.engine();
			LongAdder done = new LongAdder();
			int batches = (options.entities() + options.batch() - 1) / options.batch();
			Recorder recorder = Recorder.start("load", options.entities(), done::sum, err, List.of(node));
			long start = System.nanoTime();
			try {
				Flux.range(0, batches)
						.flatMap(b -> Flux.defer(() -> engine.writeAll(requests(b, payloads)))
								.doOnNext(e -> done.increment())
								.then(), options.concurrency(), 1)
						.then()
						.block();
				loadNanos = System.nanoTime() - start;
			}
			finally {
				measures = recorder.stop(null, options.entities() - done.sum());
			}
			acknowledged = done.sum();
			err.printf("[%s] %,d entities written in %,d ms%n", NAME, acknowledged, loadNanos / 1_000_000);

			long checkpointStart = System.nanoTime();
			engine.checkpoint().block(Node.TIMEOUT);
			checkpointMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checkpointStart);
			heapAfter = heapAfterFullGc();
			err.printf("[%s] projection checkpointed in %,d ms; heap in use after a full collection: %,d MB%n", NAME,
					checkpointMillis, heapAfter >> 20);

			List<String> sample = sample();
			sampled = sample.size();
			missing = Flux.fromIterable(sample)
					.concatMap(id -> engine.get(Workload.TYPE, id).map(EntityState::deleted).defaultIfEmpty(true))
					.filter(deletedOrMissing -> deletedOrMissing)
					.count()
					.blockOptional(Node.TIMEOUT)
					.orElse((long) sampled);
		}
		long storeBytes = size.bytes();
		double perEntity = (double) Math.max(0, heapAfter - heapBefore) / options.entities();
		return new ProjectionHeapResult(NAME, options.entities(), options.batch(), options.concurrency(),
				options.payloadBytes(), options.store().name().toLowerCase(Locale.ROOT), options.projectionCache(),
				Figures.rate(acknowledged, loadNanos), Figures.seconds(loadNanos), heapBefore >> 20, heapAfter >> 20,
				measures.heapMaxUsedMb(), JvmStats.heapMax() >> 20, Figures.round(perEntity), checkpointMillis,
				acknowledged, options.entities() - acknowledged + missing, sampled, missing,
				Figures.megabytes(storeBytes), measures,
				Environment.now(loadStart, options, server == null ? null : server.describe()));
	}

	/** The writes of batch {@code b}: entities {@code [b * batch, (b + 1) * batch)}, one event each. */
	private List<WriteRequest> requests(int b, Workload payloads) {
		int from = b * options.batch();
		int to = Math.min(options.entities(), from + options.batch());
		List<WriteRequest> requests = new ArrayList<>(to - from);
		for (int i = from; i < to; i++) {
			requests.add(WriteRequest.put(Workload.TYPE, entityId(i), payloads.payload(payloads.payloadOf(i))));
		}
		return requests;
	}

	/** Entity {@code i}'s id, made when written rather than held: the harness must not weigh on the heap. */
	static String entityId(int i) {
		String digits = Integer.toString(i);
		return "e-" + "0".repeat(Math.max(0, 10 - digits.length())) + digits;
	}

	/** Up to {@link #SAMPLE} entity ids spread over the whole range, seeded. */
	private List<String> sample() {
		SplittableRandom random = new SplittableRandom(options.seed());
		int n = Math.min(SAMPLE, options.entities());
		List<String> ids = new ArrayList<>(n);
		for (int k = 0; k < n; k++) {
			ids.add(entityId(random.nextInt(options.entities())));
		}
		return ids;
	}

	private void configure(SyncEngine.Builder builder) {
		// every write in flight waits in the engine's ingress: room for all of them, or the load is refused
		builder.projectionCache(options.projectionCache())
				.ingressCapacity(Math.max(DEFAULT_INGRESS, options.batch() * options.concurrency()));
	}

	/** The heap in use right after full collections (two, so that what the first finalized is gone too). */
	static long heapAfterFullGc() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}
}
