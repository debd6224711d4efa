package io.tributary.transport.http;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.Conflict;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.spi.DeadLetter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * One bound server's subscription to the engine's signals for {@code GET /api/signals}: it numbers every signal
 * (1, 2, 3 … from the server's start; signals are not stored) and keeps the newest in a ring, so that a reader
 * that reconnects with {@code Last-Event-ID} gets what it missed while that is still there. The ring holds at most
 * {@link #RING} signals and {@link #RING_EVENTS} events, without their payloads. Subscribed from construction
 * until disposed with its server. Thread-safe.
 */
final class SignalHub implements Disposable {

	/** How many of the newest signals a reconnecting reader can get again, at most. */
	static final int RING = 1024;

	/** How many events the signals in the ring may name together; older signals leave the ring first. */
	static final int RING_EVENTS = 65_536;

	private static final Logger log = LoggerFactory.getLogger(SignalHub.class);

	private final Object lock = new Object();
	private final ArrayDeque<Numbered> ring = new ArrayDeque<>();
	private final List<FluxSink<Numbered>> readers = new ArrayList<>();
	private final Disposable subscription;
	private int ringEvents;
	private boolean done;
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

	/** The number of the oldest signal in the ring, {@code last() + 1} when it is empty. */
	long oldest() {
		synchronized (lock) {
			Numbered first = ring.peekFirst();
			return first == null ? last + 1 : first.id();
		}
	}

	/**
	 * The signals numbered above {@code after} that are still in the ring, then every new one, without a gap or a
	 * repeat between the two. Hot; never completes while the engine is open. Delivered on the engine's signal
	 * thread without regard to demand: a subscriber must not block and must bound its own buffer. Cancelling
	 * leaves the hub.
	 */
	Flux<Numbered> after(long after) {
		return Flux.create(sink -> {
			synchronized (lock) {
				for (Numbered n : ring) {
					if (n.id() > after) {
						sink.next(n);
					}
				}
				if (done) {
					sink.complete();
					return;
				}
				readers.add(sink);
			}
			sink.onDispose(() -> {
				synchronized (lock) {
					readers.remove(sink);
				}
			});
		});
	}

	private void offer(SyncSignal signal) {
		Numbered n = new Numbered(last + 1, Instant.now(), withoutPayloads(signal));
		int events = events(n.signal());
		synchronized (lock) {
			last = n.id();
			ring.addLast(n);
			ringEvents += events;
			while (ring.size() > RING || (ringEvents > RING_EVENTS && ring.size() > 1)) {
				ringEvents -= events(ring.removeFirst().signal());
			}
			for (FluxSink<Numbered> reader : readers) {
				reader.next(n);
			}
		}
	}

	private void failed(Throwable error) {
		log.warn("the engine's signals ended with an error; /api/signals streams end", error);
		completed();
	}

	private void completed() {
		List<FluxSink<Numbered>> ending;
		synchronized (lock) {
			done = true;
			ending = new ArrayList<>(readers);
			readers.clear();
		}
		ending.forEach(FluxSink::complete);
	}

	/** The events a signal names (what it costs the ring). */
	private static int events(SyncSignal s) {
		return s instanceof SyncSignal.Committed c ? c.events().size() : 1;
	}

	/** The signal without the events' payloads, which no frame shows and the ring should not hold. */
	private static SyncSignal withoutPayloads(SyncSignal s) {
		if (s instanceof SyncSignal.Committed c) {
			return new SyncSignal.Committed(c.events().stream().map(Event::stub).toList(), c.local(), c.commitNanos());
		}
		if (s instanceof SyncSignal.ConflictDetected d) {
			Conflict c = d.conflict();
			return new SyncSignal.ConflictDetected(new Conflict(c.type(), c.entityId(), c.incoming().stub(), c.head().stub(),
					c.winner(), c.strategy()));
		}
		if (s instanceof SyncSignal.DeadLettered d) {
			DeadLetter l = d.letter();
			return new SyncSignal.DeadLettered(new DeadLetter(l.event().stub(), l.code(), l.reason(), l.rejectedAt()));
		}
		if (s instanceof SyncSignal.ProjectionFailed f) {
			return new SyncSignal.ProjectionFailed(f.event().stub(), f.error());
		}
		return s;
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
