package io.tributary.transport.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.VersionVector;
import io.tributary.spi.EngineAdmin;
import io.tributary.spi.Storage;
import io.tributary.transport.client.SyncClient;
import io.tributary.transport.client.Upstreams;
import io.tributary.transport.peer.PeerConnector;
import io.tributary.transport.peer.PeerLink;
import io.tributary.transport.peer.PeerServer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The meters a node adds to the engine's: replication lag and traffic per configured peer (the inbound links
 * together under {@code peer="inbound"}), the upstream's lag, the dead letters held, the store's size, the age
 * of the projection's checkpoint, and Micrometer's JVM and process binders. Names are in {@code docs/NODE.md}
 * ("Metrics"). Registered when the node starts; its sampling stops when disposed.
 */
final class NodeMetrics implements Disposable {

	private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);

	/** How often the store's sizes and the dead letters are read. */
	static final Duration SAMPLE = Duration.ofSeconds(15);

	/** How often each link's vector is compared with the node's, which dates the start of a lag. */
	static final Duration OBSERVE = Duration.ofSeconds(1);

	/** The {@code peer} tag of every inbound link. */
	static final String INBOUND = "inbound";

	/**
	 * Keeps a node's scrape clean for {@code promtool check metrics}: the binders' {@code process.cpu.time} (in
	 * nanoseconds, an abbreviated unit in its name; {@code process.cpu.usage} stays) is left out, and
	 * {@code system.cpu.count} (a gauge named like a summary's count) is served as {@code system.cpu.processors}.
	 * Configured on the registry before any meter is registered.
	 */
	static final MeterFilter PROMETHEUS_NAMES = new MeterFilter() {
		@Override
		public MeterFilterReply accept(Meter.Id id) {
			return id.getName().equals("process.cpu.time") ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
		}

		@Override
		public Meter.Id map(Meter.Id id) {
			return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.processors") : id;
		}
	};

	private final SyncEngine engine;
	private final Storage storage;
	private final Path h2Directory;
	private final List<PeerConnector> connectors;
	private final PeerServer server;
	private final JvmGcMetrics gc = new JvmGcMetrics();
	private final AtomicLong deadLetters = new AtomicLong(-1);
	private final AtomicLong entities = new AtomicLong(-1);
	private final AtomicLong bytes = new AtomicLong(-1);
	private final AtomicLong checkpointPosition = new AtomicLong(-1);
	private final AtomicLong checkpointMillis = new AtomicLong(System.currentTimeMillis());
	private final Disposable.Composite running = Disposables.composite();

	/**
	 * Registers the meters and starts sampling.
	 *
	 * @param h2Directory the H2 files' directory, {@code null} when the node runs on another storage
	 */
	NodeMetrics(MeterRegistry registry, SyncEngine engine, Storage storage, Path h2Directory,
			List<PeerConnector> connectors, PeerServer server, Upstreams upstreams) {
		this.engine = engine;
		this.storage = storage;
		this.h2Directory = h2Directory;
		this.connectors = List.copyOf(connectors);
		this.server = server;
		new JvmMemoryMetrics().bindTo(registry);
		gc.bindTo(registry);
		new JvmThreadMetrics().bindTo(registry);
		new ClassLoaderMetrics().bindTo(registry);
		new ProcessorMetrics().bindTo(registry);
		new FileDescriptorMetrics().bindTo(registry);
		new UptimeMetrics().bindTo(registry);
		for (PeerConnector c : this.connectors) {
			PeerLink link = c.link();
			peer(registry, link.address(), this, m -> m.engineObserves(link),
					m -> link.status(m.engine.vector()).lagSeconds(Instant.now()), m -> link.isConnected() ? 1 : 0,
					List.of(m -> link.eventsSent(), m -> link.eventsReceived(), m -> link.bytesSent(),
							m -> link.bytesReceived()));
		}
		peer(registry, INBOUND, this, m -> m.inbound(true), m -> m.inbound(false), m -> m.server.links().size(),
				List.of(m -> m.server.inboundTotals()[0], m -> m.server.inboundTotals()[1],
						m -> m.server.inboundTotals()[2], m -> m.server.inboundTotals()[3]));
		// the client is made here, not while a scrape reads the gauge
		upstreams.client(null).ifPresent(client -> Gauge.builder("tributary.upstream.lag.events", client,
				SyncClient::pending)
				.description("This node's own events its configured upstream is not known to hold")
				.baseUnit("events").register(registry));
		Gauge.builder("tributary.dead.letters.held", deadLetters, NodeMetrics::known)
				.description("Dead letters kept now").baseUnit("events").register(registry);
		Gauge.builder("tributary.store.events", engine, e -> e.vector().total())
				.description("Events held: the sum of the vector, blanks included").baseUnit("events").register(registry);
		Gauge.builder("tributary.store.entities", entities, NodeMetrics::known)
				.description("Entities in the projection store").baseUnit("entities").register(registry);
		if (h2Directory != null) {
			Gauge.builder("tributary.store.bytes", bytes, NodeMetrics::known).description("Size of the H2 database files")
					.baseUnit("bytes").register(registry);
		}
		Gauge.builder("tributary.projection.checkpoint.age", this, NodeMetrics::checkpointAge)
				.description("Time since the projection was last saved while events wait to be saved; 0 when none do")
				.baseUnit("seconds").register(registry);
		running.add(engine.signals()
				.filter(SyncSignal.ProjectionCheckpointed.class::isInstance)
				.subscribe(s -> {
					checkpointPosition.set(((SyncSignal.ProjectionCheckpointed) s).position());
					checkpointMillis.set(System.currentTimeMillis());
				}));
		running.add(Flux.interval(OBSERVE, OBSERVE).subscribe(t -> observeLinks()));
		running.add(Flux.interval(Duration.ZERO, SAMPLE)
				.onBackpressureDrop()
				.concatMap(t -> sample()
						.onErrorResume(e -> {
							log.warn("reading the store's sizes for the metrics failed: {}", e.toString());
							return Mono.empty();
						}), 1)
				.subscribe());
	}

	/** The gauges and counters of one {@code peer} tag. */
	private static void peer(MeterRegistry registry, String peer, NodeMetrics m, ToDoubleFunction<NodeMetrics> lagEvents,
			ToDoubleFunction<NodeMetrics> lagSeconds, ToDoubleFunction<NodeMetrics> connected,
			List<ToDoubleFunction<NodeMetrics>> totals) {
		Gauge.builder("tributary.peer.lag.events", m, lagEvents).tag("peer", peer)
				.description("Events this node holds that the peer is not known to hold").baseUnit("events")
				.register(registry);
		Gauge.builder("tributary.peer.lag.seconds", m, lagSeconds).tag("peer", peer)
				.description("How long the peer has lacked events this node holds; 0 while caught up").baseUnit("seconds")
				.register(registry);
		Gauge.builder("tributary.peer.connected", m, connected).tag("peer", peer)
				.description("Sessions up with the peer (inbound: how many)").register(registry);
		String[] names = { "tributary.peer.events", "tributary.peer.events", "tributary.peer.bytes", "tributary.peer.bytes" };
		String[] directions = { "sent", "received", "sent", "received" };
		for (int i = 0; i < 4; i++) {
			FunctionCounter.builder(names[i], m, totals.get(i))
					.tags("peer", peer, "direction", directions[i])
					.description(i < 2 ? "Events over the peer link" : "Peer-protocol bytes over the peer link")
					.baseUnit(i < 2 ? "events" : "bytes").register(registry);
		}
	}

	private double engineObserves(PeerLink link) {
		return link.observe(engine.vector());
	}

	/** The largest lag among the inbound links, in events or in seconds. */
	private double inbound(boolean events) {
		VersionVector local = engine.vector();
		Instant now = Instant.now();
		double max = 0;
		for (PeerLink l : server.links()) {
			max = Math.max(max, events ? l.observe(local) : l.status(local).lagSeconds(now));
		}
		return max;
	}

	private void observeLinks() {
		VersionVector local = engine.vector();
		connectors.forEach(c -> c.link().observe(local));
		server.links().forEach(l -> l.observe(local));
	}

	private double checkpointAge() {
		long saved = checkpointPosition.get();
		if (saved >= 0 && engine.lastPosition() <= saved) {
			return 0;
		}
		return Math.max(0, System.currentTimeMillis() - checkpointMillis.get()) / 1000.0;
	}

	private static double known(AtomicLong value) {
		long v = value.get();
		return v < 0 ? Double.NaN : v;
	}

	private Mono<Void> sample() {
		Mono<Void> dead = EngineAdmin.of(engine).deadLetters().count().doOnNext(deadLetters::set).then();
		Mono<Void> count = storage.projections().count().doOnNext(entities::set).then();
		// before the first checkpoint signal, the saved one is the store's
		Mono<Void> saved = checkpointPosition.get() >= 0 ? Mono.empty()
				: storage.projections().checkpoint().doOnNext(p -> checkpointPosition.compareAndSet(-1, p)).then();
		Mono<Void> files = h2Directory == null ? Mono.empty()
				: Mono.fromRunnable(() -> bytes.set(sizeOf(h2Directory))).subscribeOn(Schedulers.boundedElastic()).then();
		return Mono.when(dead, count, saved, files);
	}

	private static long sizeOf(Path dir) {
		try (Stream<Path> files = Files.list(dir)) {
			return files.filter(p -> p.getFileName().toString().endsWith(".db")).mapToLong(p -> {
				try {
					return Files.size(p);
				}
				catch (IOException e) {
					// a file removed between the listing and its size takes no room
					return 0;
				}
			}).sum();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	@Override
	public void dispose() {
		running.dispose();
		gc.close();
	}

	@Override
	public boolean isDisposed() {
		return running.isDisposed();
	}
}
