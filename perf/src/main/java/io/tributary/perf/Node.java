package io.tributary.perf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.spi.EventStore;
import io.tributary.spi.Storage;
import io.tributary.storage.h2.Durability;
import io.tributary.storage.h2.H2Storage;
import reactor.core.publisher.Mono;

/**
 * One engine on its storage (its own H2 file store, or a PostgreSQL store it may share with other nodes), with a
 * meter registry the harness reads. Blocking: open, read and close it from a {@code main} method or a test,
 * never on a Reactor thread.
 */
final class Node implements AutoCloseable {

	/** How long opening or closing may take (closing checkpoints the whole projection). */
	static final Duration TIMEOUT = Duration.ofMinutes(5);

	private static final int READ_PAGE = 4096;

	private final Storage storage;
	private final SyncEngine engine;
	private final SimpleMeterRegistry registry;

	private Node(Storage storage, SyncEngine engine, SimpleMeterRegistry registry) {
		this.storage = storage;
		this.engine = engine;
		this.registry = registry;
	}

	/**
	 * Opens (or reopens) the store in a directory and an engine on it.
	 *
	 * @param dir the store's directory
	 * @param durability what an acknowledged write survives
	 * @param origin the origin id on first start; {@code null} for a random one
	 * @return the open node
	 */
	static Node open(Path dir, Durability durability, String origin) {
		return open(dir, durability, origin, builder -> { });
	}

	/**
	 * Opens (or reopens) the store in a directory and an engine on it with settings of its own.
	 *
	 * @param dir the store's directory
	 * @param durability what an acknowledged write survives
	 * @param origin the origin id on first start; {@code null} for a random one
	 * @param settings applied to the engine's builder before it opens
	 * @return the open node
	 */
	static Node open(Path dir, Durability durability, String origin, Consumer<SyncEngine.Builder> settings) {
		H2Storage storage = Objects.requireNonNull(
				H2Storage.builder().directory(dir).durability(durability).open().block(TIMEOUT), "storage");
		return open(storage, origin, settings);
	}

	/**
	 * Opens an engine on an open storage; the engine closes the storage when it closes, and so does a failure
	 * to open it.
	 *
	 * @param storage the open storage
	 * @param origin the origin id on first start; {@code null} for a random one
	 * @return the open node
	 */
	static Node open(Storage storage, String origin) {
		return open(storage, origin, builder -> { });
	}

	/**
	 * Opens an engine with settings of its own on an open storage; the engine closes the storage when it
	 * closes, and so does a failure to open it.
	 *
	 * @param storage the open storage
	 * @param origin the origin id on first start; {@code null} for a random one
	 * @param settings applied to the engine's builder before it opens
	 * @return the open node
	 */
	static Node open(Storage storage, String origin, Consumer<SyncEngine.Builder> settings) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine.Builder builder = SyncEngine.builder().storage(storage).meterRegistry(registry);
		if (origin != null) {
			builder.origin(origin);
		}
		settings.accept(builder);
		SyncEngine engine = builder.open()
				.onErrorResume(e -> storage.close().onErrorResume(c -> {
					e.addSuppressed(c);
					return Mono.empty();
				}).then(Mono.error(e)))
				.block(TIMEOUT);
		return new Node(storage, Objects.requireNonNull(engine, "engine"), registry);
	}

	SyncEngine engine() {
		return engine;
	}

	Storage storage() {
		return storage;
	}

	/**
	 * Group commits so far, from the engine's {@code tributary.commit.*} meters.
	 *
	 * @return the running totals
	 */
	Commits commits() {
		Timer timer = registry.find("tributary.commit.duration").timer();
		DistributionSummary batch = registry.find("tributary.commit.batch").summary();
		return new Commits(timer == null ? 0 : timer.count(),
				timer == null ? 0 : timer.totalTime(TimeUnit.MILLISECONDS), batch == null ? 0 : batch.totalAmount());
	}

	/**
	 * Events {@code events()} and {@code eventBatches()} delivered so far (peer sessions included), from the
	 * engine's {@code tributary.events.served} counter.
	 *
	 * @param source {@code store} or {@code live}
	 * @return the count
	 */
	long served(String source) {
		Counter c = registry.find("tributary.events.served").tag("source", source).counter();
		return c == null ? 0 : (long) c.count();
	}

	/** Signals dropped for slow tap subscribers so far, from {@code tributary.taps.dropped}. */
	long tapSignalsDropped() {
		Counter c = registry.find("tributary.taps.dropped").counter();
		return c == null ? 0 : (long) c.count();
	}

	/** Writes waiting for a commit now, from the {@code tributary.ingress.queued} gauge. */
	long ingressQueued() {
		Gauge g = registry.find("tributary.ingress.queued").gauge();
		return g == null ? 0 : (long) g.value();
	}

	/**
	 * Reads every stored event in position order, a page at a time, and blocks until done.
	 *
	 * @param each called with each event, on the storage's reader thread
	 */
	void forEachEvent(Consumer<Event> each) {
		forEachEvent(storage.events(), each);
	}

	/**
	 * Reads every event of a store in position order, a page at a time, and blocks until done.
	 *
	 * @param events the store
	 * @param each called with each event, on the storage's reader thread
	 */
	static void forEachEvent(EventStore events, Consumer<Event> each) {
		events.read(0, READ_PAGE).collectList()
				.expand(page -> page.size() < READ_PAGE ? Mono.empty()
						: events.read(page.get(page.size() - 1).position(), READ_PAGE).collectList())
				.doOnNext(page -> page.forEach(each))
				.then()
				.block();
	}

	/** Closes the engine, which checkpoints its projection and closes the store. */
	@Override
	public void close() {
		engine.closeAsync().block(TIMEOUT);
	}

	/**
	 * Running totals of the group commits.
	 *
	 * @param count commits
	 * @param millis time the store took, summed
	 * @param events events committed
	 */
	record Commits(long count, double millis, double events) {

		/** The commits since an earlier reading. */
		Commits since(Commits before) {
			return new Commits(count - before.count, millis - before.millis, events - before.events);
		}

		double batchMean() {
			return count == 0 ? 0 : events / count;
		}

		double millisMean() {
			return count == 0 ? 0 : millis / count;
		}
	}
}
