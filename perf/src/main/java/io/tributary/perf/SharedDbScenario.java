package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.VersionVector;
import io.tributary.spi.Storage;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code shared-db} scenario: several nodes on one PostgreSQL database, each writing with its own origin.
 * <p>
 * The nodes are engines in this JVM, each with its own {@link Storage} on the database: its own connection pool,
 * its own commit feed and wake-up listener, sharing nothing with the others but the database, as separate
 * processes would. One JVM gives every node one clock, so a latency from a write on one node to its arrival on
 * another is one {@link System#nanoTime()} difference; the price is that the nodes share one heap and one
 * collector, which on a 2-core machine share the cores with PostgreSQL anyway. The node's own processes are
 * tested apart, with real node processes, in transport's tests.
 * <p>
 * In order: (1) the cross-node latency: every node writes at its share of {@code rate} (a paced writer each);
 * each node's {@code changes()} is watched, and each event written on one node is timed from just before its
 * write was submitted until each other node emits its change (warmup first, then the measured span, then a
 * grace period for the last deliveries); (2) every node waits until it holds what every other acknowledged;
 * (3) the throughput: {@code writers} concurrent writers on each node write the nodes' shares of
 * {@code events} at once, each write acknowledged once durable; the aggregate rate runs from the first submit
 * to the last acknowledgement on any node; then the time until every node holds every event; (4) the nodes
 * close and the log is read back from the database: every acknowledged event must be there once, unchanged;
 * (5) the baseline: {@link PostgresBaseline} with one connection per node inserts the same events of phase (3)
 * in batches of the nodes' mean group commit, all at once. Blocking: run from a {@code main} method or a test.
 */
final class SharedDbScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "shared-db";

	/**
	 * The scenario's settings.
	 *
	 * @param nodes engines on the database
	 * @param writers concurrent writers on each node in the throughput phase
	 * @param events measured events of the throughput phase, over all nodes
	 * @param warmup events written first in the throughput phase, over all nodes, not measured
	 * @param rate writes per second over all nodes in the latency phase
	 * @param duration the latency phase's measured span
	 * @param latencyWarmup the latency phase's warmup span
	 * @param grace how long to wait for the latency phase's last deliveries, and after each phase for every node
	 *        to hold every acknowledged event
	 * @param payloadBytes payload size
	 * @param entities entity key space of each node
	 * @param poolSize connections in each node's pool
	 * @param notifications whether the nodes wake each other with {@code LISTEN}/{@code NOTIFY}; without, they poll alone
	 * @param postgres the server's URI; {@code null} to start one
	 * @param seed workload seed (node {@code k} writes with {@code seed + k})
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory (and a given server's database) afterwards
	 */
	record Options(int nodes, int writers, long events, long warmup, long rate, Duration duration,
			Duration latencyWarmup, Duration grace, int payloadBytes, int entities, int poolSize, boolean notifications,
			String postgres, long seed, Path dataParent, boolean keepData) {

		Options {
			Objects.requireNonNull(duration, "duration");
			Objects.requireNonNull(latencyWarmup, "latencyWarmup");
			Objects.requireNonNull(grace, "grace");
			if (nodes < 2) {
				throw new IllegalArgumentException("nodes must be at least 2: " + nodes);
			}
			if (writers < 1 || events < nodes || warmup < 0 || rate < nodes || payloadBytes < 1 || entities < 1
					|| poolSize < 1) {
				throw new IllegalArgumentException("writers, payload bytes, entities and pool size must be at least "
						+ "1, events and rate at least the number of nodes, warmup at least 0");
			}
			if (duration.isZero() || duration.isNegative()) {
				throw new IllegalArgumentException("duration must be positive: " + duration);
			}
		}

		/** Writes per second of each node's paced writer. */
		long nodeRate() {
			return rate / nodes;
		}

		long pacedWarmupPerNode() {
			return Math.round(nodeRate() * (latencyWarmup.toNanos() / 1e9));
		}

		long pacedPerNode() {
			return pacedWarmupPerNode() + Math.max(1, Math.round(nodeRate() * (duration.toNanos() / 1e9)));
		}

		long warmupPerNode() {
			return warmup / nodes;
		}

		long eventsPerNode() {
			return events / nodes;
		}
	}

	private final Options options;
	private final PrintWriter err;

	SharedDbScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed, or PostgreSQL cannot start
	 * @throws SQLException when the server or the baseline fails
	 */
	SharedDbResult run() throws IOException, SQLException {
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				PostgresServer server = PostgresServer.open(options.postgres(), data.resolve("postgres"),
						options.keepData(), err)) {
			return run(server, server.createDatabase());
		}
	}

	/** One node of the run with what it writes and what it was acknowledged. */
	private record Member(Node node, Workload workload, EventLedger ledger) {

		String origin() {
			return node.engine().origin();
		}
	}

	private SharedDbResult run(PostgresServer server, PostgresServer.Target database) throws SQLException {
		double loadStart = JvmStats.loadAverage();
		PostgresServer.Description description = server.describe();
		int n = options.nodes();
		long perNode = options.pacedPerNode() + options.warmupPerNode() + options.eventsPerNode();
		if (perNode > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("too many events per node: " + perNode);
		}
		List<Member> members = new ArrayList<>();
		LatencyPhase latency;
		ThroughputPhase throughput;
		long databaseBytes;
		try (Nodes nodes = new Nodes()) {
			for (int k = 0; k < n; k++) {
				String name = "node-" + (k + 1);
				Node node = nodes.open(PostgresStores.open(database, options.poolSize(), name, options.notifications()), name);
				// each node its own entities: a write that loses a conflict emits no change, and this times changes
				Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed() + k,
						"n" + (k + 1) + "-t-");
				members.add(new Member(node, workload, new EventLedger(node.engine().origin(), (int) perNode)));
			}
			err.printf("[%s] %d nodes on %s, %d connections each, %s%n", NAME, n, database.uri(), options.poolSize(),
					options.notifications() ? "LISTEN/NOTIFY and polling" : "polling alone");

			latency = latencyPhase(members);
			converge(members, "after the latency phase");
			throughput = throughputPhase(members);
		}
		databaseBytes = PostgresServer.databaseSize(database);

		// (4) the log as the database holds it
		Verified verified = verify(database, members);
		long acknowledged = members.stream().mapToLong(m -> m.ledger().acknowledged()).sum();
		err.printf("[%s] the log holds %,d of %,d acknowledged events (%,d lost, %,d twice)%n", NAME,
				verified.matched(), acknowledged, verified.lost(), verified.duplicates());

		// (5) the baseline, on the throughput phase's events
		System.gc();
		int batch = (int) Math.max(1, Math.round(throughput.commits().batchMean()));
		Baseline baseline = baseline(database, members, batch);

		double rate = Figures.rate(throughput.events(), throughput.nanos());
		double baselineRate = Figures.rate(throughput.events(), baseline.nanos());
		Latency cross = Latency.ofMicros(latency.crossNode());
		Latency acks = Latency.ofMicros(latency.acks());
		Latency fromSchedule = Latency.ofMicros(latency.fromSchedule());
		return new SharedDbResult(NAME,
				new SharedDbResult.Run(n, options.writers(), throughput.events(), options.warmupPerNode() * n,
						options.nodeRate() * n, Figures.round(latency.achievedRate()),
						Figures.seconds(options.latencyWarmup().toNanos()), Figures.seconds(options.duration().toNanos()),
						options.payloadBytes(), Figures.round(members.get(0).workload().meanPayloadBytes()),
						options.entities(), options.poolSize(), options.notifications(), options.seed()),
				new SharedDbResult.Rates(rate, baselineRate, baselineRate == 0 ? 0 : Figures.round(rate / baselineRate),
						Figures.seconds(throughput.nanos()), Figures.seconds(baseline.nanos()), batch,
						Figures.round(throughput.commits().batchMean()), Figures.round(throughput.commits().millisMean()),
						throughput.convergeMillis(), Latency.ofMicros(throughput.writeLatency())),
				new SharedDbResult.Latencies(cross.p50(), cross.p90(), cross.p99(), cross.p999(), cross.max(),
						cross.mean(), cross.count(), fromSchedule.p99(), fromSchedule.max(),
						Figures.round(latency.maxLagNanos() / 1e6), acks.p50(), acks.p99()),
				new SharedDbResult.Survival(acknowledged, verified.lost(), verified.duplicates(), verified.matched(),
						latency.undelivered(), latency.writeErrors() + throughput.writeErrors(),
						latency.error() == null ? null : latency.error().toString()),
				new SharedDbResult.Costs(throughput.measures().heapMaxUsedMb(), throughput.measures().gcMillis(),
						throughput.measures().cpuSeconds(), baseline.cpuSeconds(), Figures.megabytes(databaseBytes),
						Figures.megabytes(baseline.bytes())),
				throughput.measures(), Environment.now(loadStart, options, description));
	}

	/** What the latency phase measured. */
	private record LatencyPhase(Histogram crossNode, Histogram fromSchedule, Histogram acks, double achievedRate,
			long maxLagNanos, long undelivered, long writeErrors, Throwable error) {
	}

	/** (1): every node writes at its share of the rate; every other node's change stream is timed. */
	private LatencyPhase latencyPhase(List<Member> members) {
		int n = members.size();
		Histogram crossNode = new ConcurrentHistogram(3);
		Histogram fromSchedule = new ConcurrentHistogram(3);
		List<LatencyMatcher> matchers = new ArrayList<>();
		List<Disposable> watches = new ArrayList<>();
		AtomicReference<Throwable> streamError = new AtomicReference<>();
		for (Member m : members) {
			LatencyMatcher matcher = new LatencyMatcher(crossNode, fromSchedule);
			matchers.add(matcher);
			String own = m.origin();
			// a node's own writes are not what this phase times
			watches.add(matcher.watch(m.node(), e -> !own.equals(e.origin()), streamError));
		}
		long total = options.pacedPerNode();
		long firstMeasured = options.pacedWarmupPerNode();
		List<Scheduler> pacers = new ArrayList<>();
		List<PacedWriter> writers = new ArrayList<>();
		try {
			for (int k = 0; k < n; k++) {
				Member m = members.get(k);
				List<LatencyMatcher> others = new ArrayList<>(matchers);
				others.remove(k);
				PacedWriter.Acknowledged start = LatencyMatcher.starter(others);
				Scheduler pacer = Schedulers.newSingle("tributary-perf-pacer-" + (k + 1), true);
				pacers.add(pacer);
				writers.add(new PacedWriter(m.node().engine(), m.workload(), options.nodeRate(), firstMeasured, pacer,
						(e, index, submitted, intended, measured) -> {
							m.ledger().record(e, m.workload().entityOf(index), m.workload().payloadOf(index));
							start.acknowledged(e, index, submitted, intended, measured);
						}));
			}
			err.printf("[%s] latency: %,d writes/s on each of %d nodes, %s warmup then %s measured%n", NAME,
					options.nodeRate(), n, options.latencyWarmup(), options.duration());
			Progress progress = Progress.start("latency", total * n,
					() -> writers.stream().mapToLong(PacedWriter::acked).sum(), err);
			try {
				Flux.fromIterable(writers).flatMap(w -> w.submitUntil(total)).then().block();
				awaitDeliveries(matchers, writers, total);
			}
			finally {
				progress.stop();
			}
		}
		finally {
			watches.forEach(Disposable::dispose);
			pacers.forEach(Scheduler::dispose);
		}
		long undelivered = 0;
		for (int j = 0; j < n; j++) {
			long expected = 0;
			for (int k = 0; k < n; k++) {
				if (k != j) {
					expected += writers.get(k).acked();
				}
			}
			undelivered += Math.max(0, expected - matchers.get(j).matched());
		}
		Histogram acks = new Histogram(3);
		double achieved = 0;
		long lag = 0;
		long errors = 0;
		for (PacedWriter w : writers) {
			acks.add(w.ackLatency());
			achieved += w.achievedRate();
			lag = Math.max(lag, w.maxLagNanos());
			errors += w.writeErrors();
		}
		err.printf("[%s] latency: %,d cross-node deliveries timed, %,d missing%n", NAME, crossNode.getTotalCount(),
				undelivered);
		return new LatencyPhase(crossNode, fromSchedule, acks, achieved, lag, undelivered, errors, streamError.get());
	}

	/**
	 * Waits until every paced write was answered and every acknowledged one reached every other node, or the
	 * grace period ends.
	 */
	private void awaitDeliveries(List<LatencyMatcher> matchers, List<PacedWriter> writers, long total) {
		long start = System.nanoTime();
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> {
					long acked = 0;
					for (PacedWriter w : writers) {
						if (w.acked() + w.writeErrors() < total) {
							return false;
						}
						acked += w.acked();
					}
					for (int j = 0; j < matchers.size(); j++) {
						if (matchers.get(j).matched() < acked - writers.get(j).acked()) {
							return false;
						}
					}
					return true;
				})
				.next()
				.timeout(options.grace(), Mono.just(-1L))
				.block();
		err.printf("[%s] last deliveries after %,d ms%n", NAME, (System.nanoTime() - start) / 1_000_000);
	}

	/**
	 * Waits until every node's vector covers what every node acknowledged, and says how long that took.
	 *
	 * @return milliseconds waited
	 */
	private long converge(List<Member> members, String when) {
		long start = System.nanoTime();
		Map<String, Long> acknowledged = new HashMap<>();
		for (Member m : members) {
			acknowledged.put(m.origin(), m.ledger().acknowledged());
		}
		Long done = Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> members.stream().allMatch(m -> covers(m.node().engine().vector(), acknowledged)))
				.next()
				.timeout(options.grace(), Mono.just(-1L))
				.block();
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		if (done == null || done < 0) {
			throw new IllegalStateException("the nodes did not all hold every acknowledged event within "
					+ options.grace() + " " + when);
		}
		err.printf("[%s] every node holds every acknowledged event %,d ms %s%n", NAME, millis, when);
		return millis;
	}

	private static boolean covers(VersionVector vector, Map<String, Long> acknowledged) {
		for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
			if (vector.get(e.getKey()) < e.getValue()) {
				return false;
			}
		}
		return true;
	}

	/** What the throughput phase measured. */
	private record ThroughputPhase(long events, long nanos, Histogram writeLatency, Node.Commits commits,
			long convergeMillis, long writeErrors, Measures measures) {
	}

	/** (3): every node's writers at once; then until every node holds everything. */
	private ThroughputPhase throughputPhase(List<Member> members) {
		Writers writers = new Writers(options.writers(), false, err);
		long first = options.pacedPerNode();
		long warmup = options.warmupPerNode();
		long count = options.eventsPerNode();
		LongAdder warmed = new LongAdder();
		Progress warmProgress = Progress.start("throughput warmup", warmup * members.size(), warmed::sum, err);
		try {
			Flux.fromIterable(members)
					.flatMap(m -> writers.writing(m.node().engine(), m.workload(), m.ledger(), first, warmup, null, warmed))
					.then()
					.block();
		}
		finally {
			warmProgress.stop();
		}
		converge(members, "after the throughput warmup");

		List<Node> nodes = members.stream().map(Member::node).toList();
		List<Node.Commits> commits0 = nodes.stream().map(Node::commits).toList();
		Histogram latency = new ConcurrentHistogram(3);
		LongAdder done = new LongAdder();
		long total = count * members.size();
		Recorder recorder = Recorder.start("throughput", total, done::sum, err, nodes);
		long start = System.nanoTime();
		Long end;
		Measures measures;
		try {
			end = Flux.fromIterable(members)
					.flatMap(m -> writers.writing(m.node().engine(), m.workload(), m.ledger(), first + warmup, count,
							latency, done))
					.reduce(Math::max)
					.block();
		}
		finally {
			measures = recorder.stop(latency, total - done.sum());
		}
		long nanos = Objects.requireNonNull(end, "end") - start;
		long convergeMillis = converge(members, "after the throughput phase");
		double commitCount = 0;
		double commitMillis = 0;
		double commitEvents = 0;
		for (int k = 0; k < nodes.size(); k++) {
			Node.Commits c = nodes.get(k).commits().since(commits0.get(k));
			commitCount += c.count();
			commitMillis += c.millis();
			commitEvents += c.events();
		}
		err.printf("[%s] throughput: %,d events in %,d ms over %d nodes%n", NAME, done.sum(), nanos / 1_000_000,
				nodes.size());
		return new ThroughputPhase(total, nanos, latency,
				new Node.Commits((long) commitCount, commitMillis, commitEvents), convergeMillis, total - done.sum(),
				measures);
	}

	/** What the log read back holds of what the nodes acknowledged. */
	private record Verified(long matched, long lost, long duplicates) {
	}

	/** (4): reads the whole log from the database through a store of its own and checks it against the ledgers. */
	private Verified verify(PostgresServer.Target database, List<Member> members) {
		Map<String, Member> byOrigin = new HashMap<>();
		Map<String, BitSet> seen = new HashMap<>();
		for (Member m : members) {
			byOrigin.put(m.origin(), m);
			seen.put(m.origin(), new BitSet(m.ledger().capacity()));
		}
		LongAdder duplicates = new LongAdder();
		Storage storage = PostgresStores.open(database, 2, "verifier");
		try {
			Node.forEachEvent(storage.events(), e -> {
				Member m = byOrigin.get(e.origin());
				if (m != null && m.ledger().matches(e, m.workload())) {
					BitSet bits = seen.get(e.origin());
					int i = (int) (e.originSeq() - 1);
					if (bits.get(i)) {
						duplicates.increment();
					}
					bits.set(i);
				}
			});
		}
		finally {
			storage.close().block(Node.TIMEOUT);
		}
		long matched = 0;
		long lost = 0;
		for (Member m : members) {
			long held = seen.get(m.origin()).cardinality();
			matched += held;
			lost += Math.max(0, m.ledger().acknowledged() - held);
		}
		return new Verified(matched, lost, duplicates.sum());
	}

	/** The baseline's measured inserts. */
	private record Baseline(long nanos, double cpuSeconds, long bytes) {
	}

	/** (5): one connection per node, each inserting its node's events of the throughput phase. */
	private Baseline baseline(PostgresServer.Target database, List<Member> members, int batch) throws SQLException {
		List<EventLedger> ledgers = members.stream().map(Member::ledger).toList();
		List<Workload> workloads = members.stream().map(Member::workload).toList();
		int first = (int) options.pacedPerNode();
		int warmupEnd = first + (int) options.warmupPerNode();
		int end = warmupEnd + (int) options.eventsPerNode();
		try (PostgresBaseline baseline = PostgresBaseline.open(database, members.size())) {
			long before = baseline.done();
			Progress warm = Progress.start("baseline warmup", (long) (warmupEnd - first) * members.size(),
					() -> baseline.done() - before, err);
			try {
				baseline.insert(ledgers, workloads, first, warmupEnd, batch);
			}
			finally {
				warm.stop();
			}
			long measuredBefore = baseline.done();
			Progress progress = Progress.start("baseline", (long) (end - warmupEnd) * members.size(),
					() -> baseline.done() - measuredBefore, err);
			JvmStats.Window window = JvmStats.window();
			long nanos;
			try {
				nanos = baseline.insert(ledgers, workloads, warmupEnd, end, batch);
			}
			finally {
				progress.stop();
			}
			JvmStats.Usage usage = window.stop();
			long rows = baseline.count();
			long expected = (long) (end - first) * members.size();
			if (rows != expected) {
				throw new IllegalStateException("baseline holds " + rows + " rows, expected " + expected);
			}
			return new Baseline(nanos, usage.cpuSeconds(), baseline.bytes());
		}
	}
}
