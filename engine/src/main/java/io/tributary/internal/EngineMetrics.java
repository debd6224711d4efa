package io.tributary.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The engine's meters: registered once when the engine opens, updated by the classes that own what they count.
 * Names and tags are documented in {@code docs/ARCHITECTURE.md}.
 */
final class EngineMetrics {

	private static final String SERVED = "Events delivered by events(), eventBatches() (store pages or live tail) "
			+ "and lacking() (store)";

	private final MeterRegistry registry;
	private final Counter localCommitted;
	private final Counter remoteCommitted;
	private final Counter duplicates;
	private final Counter deduplicated;
	private final Counter conflicts;
	private final Counter deadLettered;
	private final Counter tapDropped;
	private final Counter failedEmissions;
	private final Counter servedFromStore;
	private final Counter servedLive;
	private final DistributionSummary batchSize;
	private final Timer commitTimer;

	EngineMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.localCommitted = Counter.builder("tributary.events.committed").tag("source", "local")
				.description("Events made durable").baseUnit("events").register(registry);
		this.remoteCommitted = Counter.builder("tributary.events.committed").tag("source", "remote")
				.description("Events made durable").baseUnit("events").register(registry);
		this.duplicates = Counter.builder("tributary.events.duplicates").description("Peer events already held")
				.baseUnit("events").register(registry);
		this.deduplicated = Counter.builder("tributary.writes.deduplicated")
				.description("Local writes whose id was already stored: answered with the stored event")
				.baseUnit("writes").register(registry);
		this.conflicts = Counter.builder("tributary.conflicts").description("Conflicts detected and resolved")
				.register(registry);
		this.deadLettered = Counter.builder("tributary.dead.letters")
				.description("Events kept as dead letters: refused by a peer or an upstream, or not sendable")
				.baseUnit("events").register(registry);
		this.tapDropped = Counter.builder("tributary.taps.dropped")
				.description("Signals dropped for slow tap subscribers").baseUnit("signals").register(registry);
		this.failedEmissions = Counter.builder("tributary.emissions.failed")
				.description("Live emissions that failed for a reason other than no subscriber").register(registry);
		this.servedFromStore = Counter.builder("tributary.events.served").tag("source", "store")
				.description(SERVED).baseUnit("events").register(registry);
		this.servedLive = Counter.builder("tributary.events.served").tag("source", "live")
				.description(SERVED).baseUnit("events").register(registry);
		this.batchSize = DistributionSummary.builder("tributary.commit.batch").description("Events per group commit")
				.baseUnit("events").register(registry);
		this.commitTimer = Timer.builder("tributary.commit.duration").description("Time the store took to commit a batch")
				.register(registry);
	}

	/** Registers the ingress gauges on the ingress's own counters (a gauge holds its object weakly). */
	void ingress(AtomicInteger queued, AtomicInteger waiting) {
		Gauge.builder("tributary.ingress.queued", queued, AtomicInteger::get).description("Writes waiting for commit")
				.register(registry);
		Gauge.builder("tributary.ingress.waiting", waiting, AtomicInteger::get)
				.description("Writers waiting for room in the ingress").register(registry);
	}

	/** A group commit the store confirmed. */
	void committed(int events, int local, long nanos) {
		commitTimer.record(nanos, TimeUnit.NANOSECONDS);
		batchSize.record(events);
		localCommitted.increment(local);
		remoteCommitted.increment(events - (double) local);
	}

	/** Events committed by another process, seen through the store. */
	void observed(int events) {
		remoteCommitted.increment(events);
	}

	void rejected(String reason, int writes) {
		registry.counter("tributary.writes.rejected", "reason", reason).increment(writes);
	}

	void projectionFailed() {
		registry.counter("tributary.projection.failed").increment();
	}

	void duplicates(int events) {
		duplicates.increment(events);
	}

	void deduplicated() {
		deduplicated.increment();
	}

	void conflict() {
		conflicts.increment();
	}

	void deadLettered() {
		deadLettered.increment();
	}

	void tapDropped() {
		tapDropped.increment();
	}

	void failedEmission() {
		failedEmissions.increment();
	}

	void served(boolean live, int events) {
		(live ? servedLive : servedFromStore).increment(events);
	}

	void storeFeedFailed() {
		registry.counter("tributary.store.feed.failed").increment();
	}
}
