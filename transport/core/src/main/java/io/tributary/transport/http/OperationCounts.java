package io.tributary.transport.http;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.Event;
import io.tributary.SyncEngine;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Counts of the log's events by entity type and operation, for {@code /api/stats}.
 * <p>
 * The engine keeps no such counts, so this follows {@code engine.events(0)} — the stored log, then the
 * live tail — from the first {@link #caughtUp(Duration)} on, until {@link #dispose()}. The events
 * arrive on the storage's threads, one at a time; readers see counts that may trail the log by the
 * events in flight.
 */
final class OperationCounts implements Disposable {

	private static final Logger log = LoggerFactory.getLogger(OperationCounts.class);

	private final SyncEngine engine;
	private final Map<String, AtomicLongArray> counts = new ConcurrentHashMap<>();
	/** The same counts per owner: what a user's token sees. */
	private final Map<String, Map<String, AtomicLongArray>> byUser = new ConcurrentHashMap<>();
	private final AtomicBoolean started = new AtomicBoolean();
	private final Disposable.Swap subscription = Disposables.swap();
	private final Sinks.Empty<Void> caughtUp = Sinks.empty();
	private volatile long position;
	private volatile long target;
	/** Only touched by the counting subscriber, which Reactor calls serially. */
	private boolean reachedTarget;
	private volatile Throwable failure;

	OperationCounts(SyncEngine engine) {
		this.engine = engine;
	}

	/**
	 * Starts counting on the first call, and completes once the counts cover the log as it was when
	 * counting started, or after {@code maxWait} (the counts then trail the log: see
	 * {@link #position()}). Errors when counting failed.
	 */
	Mono<Void> caughtUp(Duration maxWait) {
		return Mono.defer(() -> {
			start();
			Throwable error = failure;
			if (error != null) {
				return Mono.error(error);
			}
			return caughtUp.asMono().timeout(maxWait, Mono.empty());
		});
	}

	private void start() {
		if (!started.compareAndSet(false, true)) {
			return;
		}
		long until = engine.lastPosition();
		target = until;
		if (until == 0) {
			signalCaughtUp();
		}
		// a store that reads on the subscribing thread (the in-memory one) would run the whole catch-up
		// on the event loop of the first stats request; Disposable.Swap disposes the new subscription when
		// this was disposed before it started
		subscription.update(engine.events(0)
				.subscribeOn(Schedulers.boundedElastic())
				.subscribe(this::count, this::fail, this::signalCaughtUp));
	}

	private void count(Event e) {
		increment(counts, e);
		if (e.userId() != null) {
			increment(byUser.computeIfAbsent(e.userId(), u -> new ConcurrentHashMap<>()), e);
		}
		position = e.position();
		if (!reachedTarget && e.position() >= target) {
			reachedTarget = true;
			signalCaughtUp();
		}
	}

	private void fail(Throwable error) {
		log.error("counting events for /api/stats failed at position {}", position, error);
		failure = error;
		Sinks.EmitResult r = caughtUp.tryEmitError(error);
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
			log.warn("could not signal the failure of the stats counter: {}", r);
		}
	}

	private void signalCaughtUp() {
		// an empty log or the end of the log may signal after the target was reached: terminated is fine
		Sinks.EmitResult r = caughtUp.tryEmitEmpty();
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
			log.warn("could not signal that the stats counter caught up: {}", r);
		}
	}

	/** The position of the newest event counted. */
	long position() {
		return position;
	}

	private static void increment(Map<String, AtomicLongArray> into, Event e) {
		into.computeIfAbsent(e.type(), t -> new AtomicLongArray(ApiJson.OPERATIONS.length))
				.incrementAndGet(ApiJson.operationIndex(e));
	}

	/**
	 * A snapshot: type (sorted) to counts in the order of {@link ApiJson#OPERATIONS}.
	 *
	 * @param user {@code null} for every event, else the user's own events only
	 */
	Map<String, long[]> snapshot(String user) {
		Map<String, long[]> out = new TreeMap<>();
		Map<String, AtomicLongArray> source = user == null ? counts : byUser.getOrDefault(user, Map.of());
		source.forEach((type, array) -> {
			long[] copy = new long[array.length()];
			for (int i = 0; i < copy.length; i++) {
				copy[i] = array.get(i);
			}
			out.put(type, copy);
		});
		return out;
	}

	@Override
	public void dispose() {
		subscription.dispose();
	}

	@Override
	public boolean isDisposed() {
		return subscription.isDisposed();
	}
}
