package io.tributary.transport.http;

import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One bound server's subscription to the engine's signals for {@code GET /api/signals}: it numbers every signal
 * (1, 2, 3 … from the server's start; signals are not stored) and keeps the newest {@link #RING} in a replay
 * ring, so that a reader that reconnects with {@code Last-Event-ID} gets what it missed while that is still in
 * the ring. Subscribed from construction until disposed with its server. Thread-safe.
 */
final class SignalHub implements Disposable {

	/** How many of the newest signals a reconnecting reader can get again. */
	static final int RING = 1024;

	private static final Logger log = LoggerFactory.getLogger(SignalHub.class);

	private final Sinks.Many<Numbered> ring = Sinks.many().replay().limit(RING);
	private final Disposable subscription;
	// written only by the engine's signal delivery, which is serial
	private volatile long last;

	SignalHub(SyncEngine engine) {
		this.subscription = engine.signals().subscribe(this::offer, this::failed, this::completed);
	}

	/** A signal with its number and the time the server received it. */
	record Numbered(long id, Instant at, SyncSignal signal) {
	}

	/** The number of the newest signal, 0 before the first. */
	long last() {
		return last;
	}

	/** The number of the oldest signal the ring may still hold. */
	long oldest() {
		return Math.max(1, last - RING + 1);
	}

	/**
	 * The signals numbered above {@code after} that are still in the ring, then every new one. Hot: replays on
	 * subscription and never completes while the engine is open; delivered on the engine's signal thread, so a
	 * subscriber must not block and should buffer.
	 */
	Flux<Numbered> after(long after) {
		return ring.asFlux().filter(n -> n.id() > after);
	}

	private void offer(SyncSignal signal) {
		Numbered n = new Numbered(last + 1, Instant.now(), signal);
		last = n.id();
		Sinks.EmitResult r = ring.tryEmitNext(n);
		// a replay sink keeps every signal whether or not anyone reads: only a terminated ring refuses one
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
			log.warn("signal {} not kept for /api/signals: {}", n.id(), r);
		}
	}

	private void failed(Throwable error) {
		log.warn("the engine's signals ended with an error; /api/signals ends", error);
		Sinks.EmitResult r = ring.tryEmitError(error);
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
			log.warn("the end of the signals was not passed on: {}", r);
		}
	}

	private void completed() {
		Sinks.EmitResult r = ring.tryEmitComplete();
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
			log.warn("the end of the signals was not passed on: {}", r);
		}
	}

	@Override
	public void dispose() {
		subscription.dispose();
		completed();
	}

	@Override
	public boolean isDisposed() {
		return subscription.isDisposed();
	}
}
