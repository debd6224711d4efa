package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code live-latency} scenario: how long a write on one node takes to show up as an entity change on
 * its live peers.
 * <p>
 * Node A and {@code peers} receiving nodes, each on its own H2 file store; each receiving node keeps a live
 * session to A ({@link io.tributary.transport.peer.PeerConnector#start()}) and its {@code changes()} are watched. A paced generator,
 * on a thread of its own, submits writes to A at a steady rate: each millisecond it submits every event
 * whose scheduled time has come, so a late tick catches up rather than lowering the rate. First a warmup,
 * then the measured span, then a grace period for the last deliveries. Each event's latency runs from just
 * before its write is submitted on A until a receiving node emits its change, matched by event id.
 * Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class LiveLatencyScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "live-latency";


	/**
	 * The scenario's settings.
	 *
	 * @param rate writes per second on A
	 * @param duration the measured span
	 * @param warmup the span written first at the same rate, not measured
	 * @param peers receiving nodes
	 * @param payloadBytes payload size
	 * @param entities entity key space
	 * @param batchEvents most events per EVENTS frame
	 * @param grace how long to wait for the last deliveries after the measured span
	 * @param durability durability of every store
	 * @param seed workload seed
	 * @param dataParent directory under which a fresh data directory is made; {@code null} for the
	 *        system's temporary directory
	 * @param keepData keep the data directory afterwards
	 */
	record Options(long rate, Duration duration, Duration warmup, int peers, int payloadBytes, int entities,
			int batchEvents, Duration grace, Durability durability, long seed, Path dataParent,
			boolean keepData) {

		Options {
			Objects.requireNonNull(duration, "duration");
			Objects.requireNonNull(warmup, "warmup");
			Objects.requireNonNull(grace, "grace");
			Objects.requireNonNull(durability, "durability");
			if (rate < 1 || peers < 1 || payloadBytes < 1 || entities < 1 || batchEvents < 1) {
				throw new IllegalArgumentException("rate, peers, payload bytes, entities and batch events must be at "
						+ "least 1");
			}
			if (duration.isZero() || duration.isNegative()) {
				throw new IllegalArgumentException("duration must be positive: " + duration);
			}
		}

		long warmupEvents() {
			return events(warmup);
		}

		long measuredEvents() {
			return Math.max(1, events(duration));
		}

		private long events(Duration span) {
			return Math.round(rate * (span.toNanos() / 1e9));
		}
	}

	private final Options options;
	private final PrintWriter err;

	LiveLatencyScenario(Options options, PrintWriter err) {
		this.options = options;
		this.err = err;
	}

	/**
	 * Runs the scenario.
	 *
	 * @return the result
	 * @throws IOException when the data directory cannot be made or removed
	 */
	LiveLatencyResult run() throws IOException {
		Workload workload = new Workload(options.entities(), options.payloadBytes(), options.seed());
		try (DataDirectory data = DataDirectory.create(options.dataParent(), options.keepData(), NAME, err);
				Nodes nodes = new Nodes()) {
			return run(workload, data, nodes);
		}
	}

	private LiveLatencyResult run(Workload workload, DataDirectory data, Nodes nodes) {
		double loadStart = JvmStats.loadAverage();
		Node a = nodes.open(data.resolve("a"), options.durability(), "a");
		List<Node> receivers = new ArrayList<>();
		for (int i = 1; i <= options.peers(); i++) {
			receivers.add(nodes.open(data.resolve("b" + i), options.durability(), "b" + i));
		}
		List<Disposable> watches = new ArrayList<>();
		Scheduler pacer = Schedulers.newSingle("tributary-perf-pacer", true);
		try (PeerLinks links = PeerLinks.serve(a, options.batchEvents())) {
			links.awaitConnected(receivers.stream().map(links::live).toList());
			Histogram latency = new ConcurrentHistogram(3);
			Histogram fromSchedule = new ConcurrentHistogram(3);
			List<LatencyMatcher> matchers = new ArrayList<>();
			AtomicReference<Throwable> streamError = new AtomicReference<>();
			for (Node b : receivers) {
				LatencyMatcher matcher = new LatencyMatcher(latency, fromSchedule);
				matchers.add(matcher);
				watches.add(matcher.watch(b, streamError));
			}
			return measure(workload, a, receivers, matchers, latency, fromSchedule, streamError, pacer, loadStart);
		}
		finally {
			pacer.dispose();
			watches.forEach(Disposable::dispose);
		}
	}

	private LiveLatencyResult measure(Workload workload, Node a, List<Node> receivers, List<LatencyMatcher> matchers,
			Histogram latency, Histogram fromSchedule, AtomicReference<Throwable> streamError, Scheduler pacer,
			double loadStart) {
		long warmupEvents = options.warmupEvents();
		long total = warmupEvents + options.measuredEvents();
		LongSupplier slowestMatched = () -> matchers.stream().mapToLong(LatencyMatcher::matched).min().orElse(0);
		PacedWriter generator = new PacedWriter(a.engine(), workload, options.rate(), warmupEvents, pacer,
				LatencyMatcher.starter(matchers));

		Progress warmup = Progress.start("live warmup", warmupEvents, slowestMatched, err);
		try {
			generator.submitUntil(warmupEvents).block();
		}
		finally {
			warmup.stop();
		}

		Node.Commits sourceCommits0 = a.commits();
		List<Node.Commits> frames0 = receivers.stream().map(Node::commits).toList();
		List<Node> all = new ArrayList<>(receivers);
		all.add(0, a);
		LongSupplier slowestMeasured = () -> matchers.stream().mapToLong(LatencyMatcher::measuredMatched).min()
				.orElse(0);
		Recorder recorder = Recorder.start(NAME, options.measuredEvents(), slowestMeasured, err, all);
		try {
			generator.submitUntil(total).block();
		}
		finally {
			recorder.end();
		}
		JvmStats.Usage usage = recorder.usage();
		Node.Commits sourceCommits = a.commits().since(sourceCommits0);
		Node.Commits received = new Node.Commits(0, 0, 0);
		for (int i = 0; i < receivers.size(); i++) {
			Node.Commits c = receivers.get(i).commits().since(frames0.get(i));
			received = new Node.Commits(received.count() + c.count(), received.millis() + c.millis(),
					received.events() + c.events());
		}

		// the last deliveries: until every acknowledged event reached every receiver, or the grace ends
		LatencyMatcher.awaitAll(matchers, generator, total, options.grace(), NAME, err);
		Measures measures = recorder.measures(latency, generator.writeErrors() + (streamError.get() == null ? 0 : 1));

		VersionVector source = a.engine().vector();
		boolean covered = receivers.stream().allMatch(b -> b.engine().vector().covers(source));
		long events = generator.measuredAcked();
		long delivered = matchers.stream().mapToLong(LatencyMatcher::measuredMatched).sum();
		long lost = events * matchers.size() - delivered;
		Latency l = Latency.ofMicros(latency);
		Latency s = Latency.ofMicros(fromSchedule);
		Latency ack = Latency.ofMicros(generator.ackLatency());
		Throwable error = streamError.get();
		err.printf("[%s] %,d events, p50 %.3f ms, p99 %.3f ms, max %.3f ms; A's own ack p50 %.3f ms; %,d lost%n",
				NAME, events, l.p50(), l.p99(), l.max(), ack.p50(), lost);
		return new LiveLatencyResult(NAME,
				new LiveLatencyResult.Run(options.rate(), Figures.round(generator.achievedRate()),
						Figures.seconds(options.warmup().toNanos()), Figures.seconds(options.duration().toNanos()),
						options.peers(), options.payloadBytes(), Figures.round(workload.meanPayloadBytes()),
						options.entities(), options.batchEvents(), options.durability().name(), options.seed()),
				new LiveLatencyResult.Delivery(events, delivered, lost, generator.writeErrors(), covered,
						error == null ? null : error.toString()),
				new LiveLatencyResult.Latencies(l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean(), s.p99(), s.max(),
						Figures.round(generator.maxLagNanos() / 1e6), ack.p50(), ack.p99()),
				new LiveLatencyResult.CommitFigures(Figures.round(sourceCommits.batchMean()),
						Figures.round(received.batchMean())),
				new LiveLatencyResult.Costs(usage.heapMaxUsedMb(), usage.gcMillis(), usage.gcCount(), usage.cpuSeconds(),
						events == 0 ? 0 : Figures.round(usage.cpuNanos() / 1e3 / events)),
				measures, Environment.now(loadStart, options));
	}
}
