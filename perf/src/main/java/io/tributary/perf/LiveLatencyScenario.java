package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerConnector;
import io.tributary.transport.peer.PeerServer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code live-latency} scenario: how long a write on one node takes to show up as an entity change on
 * its live peers.
 * <p>
 * Node A and {@code peers} receiving nodes, each on its own H2 file store; each receiving node keeps a live
 * session to A ({@link PeerConnector#start()}) and its {@code changes()} are watched. A paced generator,
 * on a thread of its own, submits writes to A at a steady rate: each millisecond it submits every event
 * whose scheduled time has come, so a late tick catches up rather than lowering the rate. First a warmup,
 * then the measured span, then a grace period for the last deliveries. Each event's latency runs from just
 * before its write is submitted on A until a receiving node emits its change, matched by event id.
 * Blocking: run from a {@code main} method or a test, never on a Reactor thread.
 */
final class LiveLatencyScenario {

	/** Stable name, used in the result and the output file. */
	static final String NAME = "live-latency";

	private static final String HOST = "127.0.0.1";
	private static final Duration TICK = Duration.ofMillis(1);
	private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(10);
	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

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
		PeerConfig config = PeerConfig.defaults().withBatching(options.batchEvents());
		PeerServer server = Objects.requireNonNull(PeerServer.bind(a.engine(), config, HOST, 0).block(SERVER_TIMEOUT),
				"server");
		List<PeerConnector> connectors = new ArrayList<>();
		List<Disposable> watches = new ArrayList<>();
		Scheduler pacer = Schedulers.newSingle("tributary-perf-pacer", true);
		try {
			for (Node b : receivers) {
				PeerConnector connector = new PeerConnector(b.engine(), config, new PeerAddress(HOST, server.port()),
						Backoff.defaults());
				connectors.add(connector);
				connector.start();
			}
			awaitConnected(server, connectors);

			Histogram latency = new ConcurrentHistogram(3);
			Histogram fromSchedule = new ConcurrentHistogram(3);
			List<LatencyMatcher> matchers = new ArrayList<>();
			AtomicReference<Throwable> streamError = new AtomicReference<>();
			for (Node b : receivers) {
				LatencyMatcher matcher = new LatencyMatcher(latency, fromSchedule);
				matchers.add(matcher);
				watches.add(b.engine().changes(Workload.TYPE)
						.subscribe(c -> matcher.arrived(c.event().id(), System.nanoTime()),
								e -> streamError.compareAndSet(null, e)));
			}
			return measure(workload, a, receivers, matchers, latency, fromSchedule, streamError, pacer, loadStart);
		}
		finally {
			pacer.dispose();
			watches.forEach(Disposable::dispose);
			connectors.forEach(PeerConnector::stop);
			server.close(SERVER_TIMEOUT).block(SERVER_TIMEOUT.multipliedBy(2));
		}
	}

	private static void awaitConnected(PeerServer server, List<PeerConnector> connectors) {
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> server.links().size() == connectors.size()
						&& connectors.stream().allMatch(c -> c.link().isConnected()))
				.next()
				.timeout(CONNECT_TIMEOUT)
				.block();
	}

	private LiveLatencyResult measure(Workload workload, Node a, List<Node> receivers, List<LatencyMatcher> matchers,
			Histogram latency, Histogram fromSchedule, AtomicReference<Throwable> streamError, Scheduler pacer,
			double loadStart) {
		long warmupEvents = options.warmupEvents();
		long total = warmupEvents + options.measuredEvents();
		LongSupplier slowestMatched = () -> matchers.stream().mapToLong(LatencyMatcher::matched).min().orElse(0);
		Generator generator = new Generator(a.engine(), workload, matchers, warmupEvents, pacer);

		Progress warmup = Progress.start("live warmup", warmupEvents, slowestMatched, err);
		try {
			generator.submitUntil(warmupEvents).block();
		}
		finally {
			warmup.stop();
		}

		Node.Commits sourceCommits0 = a.commits();
		List<Node.Commits> frames0 = receivers.stream().map(Node::commits).toList();
		JvmStats.Window window = JvmStats.window();
		LongSupplier slowestMeasured = () -> matchers.stream().mapToLong(LatencyMatcher::measuredMatched).min()
				.orElse(0);
		Progress measured = Progress.start("live-latency", options.measuredEvents(), slowestMeasured, err);
		try {
			generator.submitUntil(total).block();
		}
		finally {
			measured.stop();
		}
		JvmStats.Usage usage = window.stop();
		Node.Commits sourceCommits = a.commits().since(sourceCommits0);
		Node.Commits received = new Node.Commits(0, 0, 0);
		for (int i = 0; i < receivers.size(); i++) {
			Node.Commits c = receivers.get(i).commits().since(frames0.get(i));
			received = new Node.Commits(received.count() + c.count(), received.millis() + c.millis(),
					received.events() + c.events());
		}

		// the last deliveries: until every acknowledged event reached every receiver, or the grace ends
		long graceStart = System.nanoTime();
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> generator.acked() + generator.writeErrors() == total
						&& matchers.stream().allMatch(m -> m.matched() == generator.acked()))
				.next()
				.timeout(options.grace(), Mono.just(-1L))
				.block();
		err.printf("[%s] last deliveries after %,d ms%n", NAME, (System.nanoTime() - graceStart) / 1_000_000);

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
		return new LiveLatencyResult(NAME, options.rate(), Figures.round(generator.achievedRate()),
				Figures.seconds(options.warmup().toNanos()), Figures.seconds(options.duration().toNanos()),
				options.peers(), options.payloadBytes(), Figures.round(workload.meanPayloadBytes()), options.entities(),
				options.batchEvents(), options.durability().name(),
				options.seed(), events, delivered, lost, generator.writeErrors(), l.p50(), l.p90(), l.p99(), l.p999(),
				l.max(), l.mean(), s.p99(), s.max(), Figures.round(generator.maxLagNanos() / 1e6), ack.p50(),
				ack.p99(), Figures.round(sourceCommits.batchMean()), Figures.round(received.batchMean()), covered,
				error == null ? null : error.toString(), usage.heapMaxUsedMb(), JvmStats.heapMax() >> 20,
				usage.gcMillis(), usage.gcCount(), usage.cpuSeconds(),
				events == 0 ? 0 : Figures.round(usage.cpuNanos() / 1e3 / events), JvmStats.cores(), loadStart,
				JvmStats.loadAverage(), System.getProperty("java.version"), JvmStats.jvmArgs());
	}

	/**
	 * Submits writes to the source on schedule: event {@code i} is due at {@code t0 + i / rate}. Its
	 * counters are written on the pacer thread and by the source's acknowledgements; read them after a
	 * {@link #submitUntil(long)} completed.
	 */
	private final class Generator {

		private final SyncEngine engine;
		private final Workload workload;
		private final List<LatencyMatcher> matchers;
		private final long firstMeasured;
		private final Scheduler pacer;
		private final double nanosPerEvent;
		private final long t0;
		private final LongAdder acked = new LongAdder();
		private final LongAdder measuredAcked = new LongAdder();
		private final LongAdder writeErrors = new LongAdder();
		private final Histogram ackLatency = new ConcurrentHistogram(3);
		// the pacer thread's own
		private long next;
		private long lastMeasuredSubmit;
		private long maxLagNanos;

		Generator(SyncEngine engine, Workload workload, List<LatencyMatcher> matchers, long firstMeasured,
				Scheduler pacer) {
			this.engine = engine;
			this.workload = workload;
			this.matchers = matchers;
			this.firstMeasured = firstMeasured;
			this.pacer = pacer;
			this.nanosPerEvent = 1e9 / options.rate();
			this.t0 = System.nanoTime();
		}

		/** Submits events up to (excluding) {@code end} as they fall due; completes after the last submit. */
		Mono<Void> submitUntil(long end) {
			return Mono.create(sink -> {
				Disposable ticks = Flux.interval(Duration.ZERO, TICK, pacer).subscribe(t -> {
					long due = Math.min(end, Math.max(0, (long) ((System.nanoTime() - t0) / nanosPerEvent) + 1));
					while (next < due) {
						submit(next++);
					}
					if (next >= end) {
						sink.success();
					}
				}, sink::error);
				sink.onDispose(ticks);
			});
		}

		private void submit(long i) {
			boolean measured = i >= firstMeasured;
			int entity = workload.entityOf(i);
			int payload = workload.payloadOf(i);
			long intended = t0 + (long) (i * nanosPerEvent);
			long submitted = System.nanoTime();
			if (measured) {
				lastMeasuredSubmit = submitted;
				maxLagNanos = Math.max(maxLagNanos, submitted - intended);
			}
			engine.put(Workload.TYPE, workload.entityId(entity), workload.payload(payload)).subscribe(e -> {
				if (measured) {
					ackLatency.recordValue(Math.max(0, (System.nanoTime() - submitted) / 1000));
				}
				for (LatencyMatcher m : matchers) {
					m.started(e.id(), submitted, intended, measured);
				}
				if (measured) {
					measuredAcked.increment();
				}
				acked.increment();
			}, error -> writeErrors.increment());
		}

		long acked() {
			return acked.sum();
		}

		long measuredAcked() {
			return measuredAcked.sum();
		}

		long writeErrors() {
			return writeErrors.sum();
		}

		Histogram ackLatency() {
			return ackLatency;
		}

		long maxLagNanos() {
			return maxLagNanos;
		}

		/**
		 * Measured submissions over the time from when the first was due to when the last was submitted
		 * (plus one event's interval): the requested rate when the generator kept its schedule, lower when
		 * it fell behind.
		 */
		double achievedRate() {
			long n = next - firstMeasured;
			long span = lastMeasuredSubmit - (t0 + (long) (firstMeasured * nanosPerEvent)) + (long) nanosPerEvent;
			return n < 1 || span <= 0 ? 0 : n / (span / 1e9);
		}
	}
}
