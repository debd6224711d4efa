package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.tributary.EntityState;
import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.SyncReport;
import io.tributary.transport.peer.PeerConnector;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The {@code catch-up} scenario: how fast an empty node catches up on a full one over the peer protocol,
 * compared with writing the same events locally.
 * <p>
 * In order: (1) node A, on a fresh H2 file store, is filled with the workload's events through its engine
 * (untimed) and its projection checkpointed; unless the warm-up is 0 events, two other fresh nodes then run a
 * catch-up of their own, untimed, so that the sync path is compiled as the write path is after the fill;
 * (2) the same events are written into a third fresh store the
 * way {@code local-write} writes them, timed: the local rate; (3) an empty node B on its own store dials A
 * over loopback TCP for one sync session ({@link PeerConnector#syncOnce(Duration)}), timed from the connect
 * until B's vector covers A's, after the raw TCP baseline streamed the same events' frames without an engine
 * ({@link TcpBaseline}); (4) B's events are read back and compared with what A acknowledged, and every
 * entity state of B with A's. Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class CatchUpScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "catch-up";


	/**
	 * The scenario's settings.
	 *
	 * @param events events A holds
	 * @param warmupEvents events of the warm-up catch-up between two other nodes before the measured one; 0 for none
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param writers concurrent writers filling A and the local store
	 * @param batchEvents most events per EVENTS frame
	 * @param durability durability of every store
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the
	 *        system's temporary directory
	 * @param keepData keep the data directory afterwards
	 * @param timeout how long the sync session may take
	 */
	record Options(long events, long warmupEvents, int payloadBytes, int entities, int writers, int batchEvents,
			Durability durability, long seed, Path dataParent, boolean keepData, Duration timeout) {

		Options {
			Objects.requireNonNull(durability, "durability");
			Objects.requireNonNull(timeout, "timeout");
			if (events < 1 || payloadBytes < 1 || entities < 1 || writers < 1 || batchEvents < 1) {
				throw new IllegalArgumentException("events, payload bytes, entities, writers and batch events must be "
						+ "at least 1");
			}
			if (warmupEvents < 0) {
				throw new IllegalArgumentException("warmup events must be 0 or more");
			}
			if (events > Integer.MAX_VALUE - 8 || warmupEvents > Integer.MAX_VALUE - 8) {
				throw new IllegalArgumentException("events must be below " + (Integer.MAX_VALUE - 8));
			}
		}
	}

	private final Options options;
	private final PrintWriter err;
	private final Writers writers;

	CatchUpScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
		this.writers = new Writers(options.writers(), false, err);
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed
	 */
	CatchUpResult run() throws IOException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				Nodes nodes = new Nodes()) {
			return run(workload, data, nodes);
		}
	}

	private CatchUpResult run(Workload workload, DataDirectory data, Nodes nodes) {
		double loadStart = JvmStats.loadAverage();
		int n = (int) options.events();

		// (1) fill A, untimed
		Node a = nodes.open(data.resolve("a"), options.durability(), "a");
		EventLedger ledger = new EventLedger(a.engine().origin(), n);
		long fillNanos = writers.write(a.engine(), workload, ledger, 0, n, null, "fill A");
		requireSequenceIsPosition(ledger);
		// now rather than in the middle of the catch-up, where A's periodic checkpoint would compete with it
		a.engine().checkpoint().block(Node.TIMEOUT);
		double warmupRate = warmUp(workload, data);

		// (2) the local rate of the same events into a fresh store
		Local local = local(workload, data.resolve("local"), n);
		err.printf("[%s] local writes: %,.0f ev/s%n", NAME, n / (local.nanos() / 1e9));
		System.gc();

		// (3) the raw TCP baseline: the same events' frames streamed without an engine
		TcpBaseline.Run raw = TcpBaseline.stream(TcpBaseline.frames(a, options.batchEvents()), 1, options.timeout());
		double rawRate = Figures.rate(n, raw.nanos());
		err.printf("[%s] raw TCP stream of the same frames: %,.0f ev/s (%,d bytes)%n", NAME, rawRate,
				raw.bytesPerReceiver());
		System.gc();

		// (4) B catches up
		Node b = nodes.open(data.resolve("b"), options.durability(), "b");
		CatchUp catchUp = catchUp(a, b, "catch-up B", n);
		double rate = Figures.rate(n, catchUp.nanos());
		double localRate = Figures.rate(n, local.nanos());
		err.printf("[%s] B caught up in %,.3f s: %,.0f ev/s (%s)%n", NAME, catchUp.nanos() / 1e9, rate,
				catchUp.report().ok() ? "session ok" : "session failed: " + catchUp.report().error());

		// (5) what B holds
		Check check = check(a, b, workload, ledger);
		err.printf("[%s] B verified: %,d of %,d events, %,d lost, vectors %s, %,d of %,d entity states differ%n", NAME,
				check.verified(), n, check.lost(), check.vectorsEqual() ? "equal" : "DIFFER",
				check.statesDiffering(), check.statesCompared());

		Node.Commits commits = catchUp.commits();
		JvmStats.Usage usage = catchUp.usage();
		SyncReport report = catchUp.report();
		return new CatchUpResult(NAME,
				new CatchUpResult.Run(n, options.warmupEvents(), options.payloadBytes(),
						Figures.round(workload.meanPayloadBytes()), options.entities(), options.writers(),
						options.batchEvents(), options.durability().name(), options.seed()),
				new CatchUpResult.Rates(rate, localRate, localRate == 0 ? 0 : Figures.round(rate / localRate),
						Figures.seconds(catchUp.nanos()), Figures.seconds(local.nanos()), Figures.rate(n, fillNanos),
						Figures.round(warmupRate), rawRate, rawRate == 0 ? 0 : Figures.round(rate / rawRate)),
				new CatchUpResult.CommitFigures(Figures.rate(commits.count(), catchUp.nanos()), commits.count(),
						Figures.round(commits.batchMean()), Figures.round(commits.millisMean()), local.commits().count(),
						Figures.round(local.commits().batchMean())),
				new CatchUpResult.Check(report.ok(), report.millis(), report.error(), report.received(), check.lost(),
						check.verified(), check.vectorsEqual(), check.statesCompared(), check.statesDiffering()),
				new CatchUpResult.Costs(usage.heapMaxUsedMb(), usage.gcMillis(), usage.gcCount(), usage.cpuSeconds(),
						local.usage().gcMillis(), local.usage().cpuSeconds(), Figures.round(usage.cpuNanos() / 1e3 / n),
						Figures.round(local.usage().cpuNanos() / 1e3 / n),
						Figures.megabytes(DataDirectory.sizeOf(data.resolve("a"))),
						Figures.megabytes(DataDirectory.sizeOf(data.resolve("b")))),
				catchUp.measures(), Environment.now(loadStart, options));
	}

	/**
	 * The ledger is indexed by position and B is checked by origin sequence: on a fresh single-writer
	 * store they are the same, which this checks rather than assumes.
	 */
	private static void requireSequenceIsPosition(EventLedger ledger) {
		long acknowledged = ledger.acknowledged();
		if (acknowledged != ledger.capacity()) {
			throw new IllegalStateException("only " + acknowledged + " of " + ledger.capacity()
					+ " writes to A were acknowledged");
		}
		for (int i = 0; i < ledger.capacity(); i++) {
			if (ledger.originSeq(i) != i + 1L) {
				throw new IllegalStateException("A's event at position " + (i + 1) + " has origin sequence "
						+ ledger.originSeq(i));
			}
		}
	}

	/** Figures of the local writes. */
	private record Local(long nanos, JvmStats.Usage usage, Node.Commits commits) {
	}

	private Local local(Workload workload, Path dir, int n) {
		try (Node node = Node.open(dir, options.durability(), "local")) {
			EventLedger ledger = new EventLedger(node.engine().origin(), n);
			JvmStats.Window window = JvmStats.window();
			long nanos = writers.write(node.engine(), workload, ledger, 0, n, null, "local writes");
			JvmStats.Usage usage = window.stop();
			if (ledger.acknowledged() != n) {
				throw new IllegalStateException("only " + ledger.acknowledged() + " of " + n
						+ " local writes were acknowledged");
			}
			return new Local(nanos, usage, node.commits());
		}
	}

	/** Figures of B's catch-up. */
	private record CatchUp(long nanos, SyncReport report, JvmStats.Usage usage, Node.Commits commits,
			Measures measures) {
	}

	/**
	 * A catch-up of its own between two fresh nodes, untimed, when asked for: the local rate is measured with the
	 * write path compiled (A's fill ran it first), and this does the same for the sync path, so the measured
	 * catch-up is not also timing the JIT compiling the sender, the decoder and the apply path for the first time.
	 *
	 * @return the warm-up's rate, 0 when there was none
	 */
	private double warmUp(Workload workload, DataDirectory data) {
		int n = (int) options.warmupEvents();
		if (n == 0) {
			return 0;
		}
		try (Node source = Node.open(data.resolve("warmup-a"), options.durability(), "warmup-a");
				Node sink = Node.open(data.resolve("warmup-b"), options.durability(), "warmup-b")) {
			writers.write(source.engine(), workload, new EventLedger(source.engine().origin(), n), 0, n, null,
					"warm-up fill");
			CatchUp warm = catchUp(source, sink, "warm-up catch-up", n);
			double rate = Figures.rate(n, warm.nanos());
			err.printf("[%s] warm-up catch-up of %,d events: %,.0f ev/s (not measured)%n", NAME, n, rate);
			return rate;
		}
		finally {
			System.gc();
		}
	}

	private CatchUp catchUp(Node a, Node b, String phase, long events) {
		try (PeerLinks links = PeerLinks.serve(a, options.batchEvents())) {
			VersionVector target = a.engine().vector();
			String origin = a.engine().origin();
			PeerConnector connector = links.connector(b);
			Node.Commits commits0 = b.commits();
			Recorder recorder = Recorder.start(phase, events, () -> b.engine().vector().get(origin), err,
					List.of(a, b));
			AtomicLong coveredAt = new AtomicLong();
			long start = System.nanoTime();
			// the moment B holds everything, to the millisecond: the session itself ends later, after its own
			// poll and the acknowledgements
			Disposable watch = Flux.interval(Duration.ofMillis(1), JvmStats.MONITOR)
					.filter(t -> b.engine().vector().covers(target))
					.next()
					.subscribe(t -> coveredAt.compareAndSet(0, System.nanoTime()));
			SyncReport report = null;
			Measures measures;
			try {
				report = Objects.requireNonNull(connector.syncOnce(options.timeout()).block(), "report");
			}
			finally {
				watch.dispose();
				measures = recorder.stop(null, report != null && report.ok() ? 0 : 1);
			}
			if (b.engine().vector().covers(target)) {
				coveredAt.compareAndSet(0, System.nanoTime());
			}
			long end = coveredAt.get() == 0 ? System.nanoTime() : coveredAt.get();
			return new CatchUp(end - start, report, recorder.usage(), b.commits().since(commits0), measures);
		}
	}

	/** What B holds, compared with A. */
	private record Check(long verified, long lost, boolean vectorsEqual, long statesCompared, long statesDiffering) {
	}

	private Check check(Node a, Node b, Workload workload, EventLedger ledger) {
		long verified = ledger.verifiedOn(b, workload);
		boolean vectorsEqual = a.engine().vector().equals(b.engine().vector());

		Map<String, EntityState> onA = new HashMap<>();
		for (EntityState s : Objects.requireNonNull(a.engine().query(Workload.TYPE).collectList().block(), "A")) {
			onA.put(s.entityId(), s);
		}
		long differing = 0;
		long compared = 0;
		for (EntityState s : Objects.requireNonNull(b.engine().query(Workload.TYPE).collectList().block(), "B")) {
			compared++;
			if (!s.equals(onA.remove(s.entityId()))) {
				differing++;
			}
		}
		// states A has and B lacks
		compared += onA.size();
		differing += onA.size();
		return new Check(verified, ledger.capacity() - verified, vectorsEqual, compared, differing);
	}
}
