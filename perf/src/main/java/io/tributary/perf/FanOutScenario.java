package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.peer.PeerConnector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code fan-out} scenario: one node serving the same history to many empty peers at once, against
 * the raw TCP stream of the same frames to as many receivers.
 * <p>
 * In order: (1) node A, on a fresh H2 file store, is filled with the workload's events (untimed) and its
 * projection checkpointed; (2) the raw TCP baseline streams A's events, encoded as EVENTS frames, to
 * {@code peers} plain Reactor Netty clients at once ({@link TcpBaseline}); (3) {@code peers} empty nodes,
 * each on its own store, start live sessions to A at the same moment, timed until every one's vector
 * covers A's; each peer's time to hold everything is its latency; (4) every peer's events are compared
 * with what A acknowledged. Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class FanOutScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "fan-out";

	/**
	 * The scenario's settings.
	 *
	 * @param peers empty nodes dialling A at once
	 * @param events events A holds
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param writers concurrent writers filling A
	 * @param batchEvents most events per EVENTS frame
	 * @param durability durability of every store
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the system's
	 *        temporary directory
	 * @param keepData keep the data directory afterwards
	 * @param timeout how long the fan-out may take
	 */
	record Options(int peers, long events, int payloadBytes, int entities, int writers, int batchEvents,
			Durability durability, long seed, Path dataParent, boolean keepData, Duration timeout) {

		Options {
			Objects.requireNonNull(durability, "durability");
			Objects.requireNonNull(timeout, "timeout");
			if (peers < 1 || events < 1 || payloadBytes < 1 || entities < 1 || writers < 1 || batchEvents < 1) {
				throw new IllegalArgumentException("peers, events, payload bytes, entities, writers and batch events "
						+ "must be at least 1");
			}
			if (events > Integer.MAX_VALUE - 8) {
				throw new IllegalArgumentException("events must be below " + (Integer.MAX_VALUE - 8));
			}
		}
	}

	private final Options options;
	private final PrintWriter err;

	FanOutScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed
	 */
	FanOutResult run() throws IOException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				Nodes nodes = new Nodes()) {
			return run(workload, data, nodes);
		}
	}

	private FanOutResult run(Workload workload, DataDirectory data, Nodes nodes) {
		double loadStart = JvmStats.loadAverage();
		int n = (int) options.events();
		int peers = options.peers();

		// (1) fill A, untimed
		Node a = nodes.open(data.resolve("a"), options.durability(), "a");
		EventLedger ledger = new EventLedger(a.engine().origin(), n);
		new Writers(options.writers(), false, err).write(a.engine(), workload, ledger, 0, n, null, "fill A");
		if (ledger.acknowledged() != n) {
			throw new IllegalStateException("only " + ledger.acknowledged() + " of " + n + " writes to A were acknowledged");
		}
		a.engine().checkpoint().block(Node.TIMEOUT);

		// (2) the raw TCP baseline
		TcpBaseline.Run raw = TcpBaseline.stream(TcpBaseline.frames(a, options.batchEvents()), peers, options.timeout());
		double rawRate = Figures.rate((long) n * peers, raw.nanos());
		err.printf("[%s] raw TCP stream of the same frames to %d receivers: %,.0f ev/s in all%n", NAME, peers, rawRate);
		System.gc();

		// (3) every peer at once
		List<Node> receivers = new ArrayList<>();
		for (int i = 1; i <= peers; i++) {
			receivers.add(nodes.open(data.resolve("b" + i), options.durability(), "b" + i));
		}
		List<Node> all = new ArrayList<>(receivers);
		all.add(0, a);
		VersionVector target = a.engine().vector();
		String origin = a.engine().origin();
		Histogram perPeer = new ConcurrentHistogram(3);
		AtomicLongArray doneAt = new AtomicLongArray(peers);
		long elapsed;
		Measures measures;
		List<String> sessionErrors = new ArrayList<>();
		try (PeerLinks links = PeerLinks.serve(a, options.batchEvents())) {
			Recorder recorder = Recorder.start(NAME, (long) n * peers,
					() -> receivers.stream().mapToLong(b -> b.engine().vector().get(origin)).sum(), err, all);
			long start = System.nanoTime();
			List<PeerConnector> connectors = receivers.stream().map(links::live).toList();
			try {
				Flux.interval(Duration.ofMillis(1), JvmStats.MONITOR)
						.filter(t -> {
							boolean allDone = true;
							for (int i = 0; i < peers; i++) {
								if (doneAt.get(i) == 0 && receivers.get(i).engine().vector().covers(target)) {
									long now = System.nanoTime();
									doneAt.set(i, now);
									perPeer.recordValue((now - start) / 1000);
								}
								allDone &= doneAt.get(i) != 0;
							}
							return allDone;
						})
						.next()
						.timeout(options.timeout(), Mono.just(-1L))
						.block();
			}
			finally {
				elapsed = System.nanoTime() - start;
				for (PeerConnector c : connectors) {
					String error = c.link().status(target).lastError(); // the vector only sets the lag, not read here
					if (error != null) {
						sessionErrors.add(error);
					}
				}
				long unfinished = 0;
				for (int i = 0; i < peers; i++) {
					unfinished += doneAt.get(i) == 0 ? 1 : 0;
				}
				measures = recorder.stop(perPeer, sessionErrors.size() + unfinished);
			}
		}
		double rate = Figures.rate((long) n * peers, elapsed);

		// (4) what each peer holds
		long verified = 0;
		boolean covered = true;
		for (Node b : receivers) {
			verified += ledger.verifiedOn(b, workload);
			covered &= b.engine().vector().covers(target);
		}
		long lost = (long) n * peers - verified;
		err.printf("[%s] %d peers caught up on %,d events each: %,.0f ev/s in all, ratio to raw TCP %.3f; %,d lost%n",
				NAME, peers, n, rate, rawRate == 0 ? 0 : rate / rawRate, lost);
		return new FanOutResult(NAME, peers, n, options.payloadBytes(), Figures.round(workload.meanPayloadBytes()),
				options.entities(), options.batchEvents(), options.durability().name(), options.seed(), rate,
				Figures.round(rate / peers), rawRate, rawRate == 0 ? 0 : Figures.round(rate / rawRate),
				Figures.seconds(elapsed), Figures.seconds(raw.nanos()), raw.framesPerReceiver(), Figures.megabytes(raw.bytesPerReceiver()),
				lost, verified, covered, sessionErrors, measures, Environment.now(loadStart, options));
	}
}
