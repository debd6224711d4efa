package io.tributary;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A storage whose appends each wait for a gate the test opens: append number {@code i} (from 0) waits
 * for {@link #open(int)} of {@code i} or {@link #openAll()}. The append completes on the thread that
 * opens its gate, so a test decides exactly when and where commits happen.
 */
public final class GatedStorage extends ForwardingStorage {

	private final List<Sinks.Empty<Void>> gates = new ArrayList<>();
	private final AtomicInteger appends = new AtomicInteger();
	private boolean allOpen;

	/**
	 * Gates the appends of another storage.
	 *
	 * @param delegate the storage that finally stores
	 */
	public GatedStorage(Storage delegate) {
		super(delegate);
	}

	private Sinks.Empty<Void> gate(int i) {
		synchronized (gates) {
			while (gates.size() <= i) {
				Sinks.Empty<Void> g = Sinks.empty();
				if (allOpen) {
					g.emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
				}
				gates.add(g);
			}
			return gates.get(i);
		}
	}

	@Override
	protected Mono<List<Event>> append(List<Event> batch) {
		return Mono.defer(() -> gate(appends.getAndIncrement()).asMono().then(super.append(batch)));
	}

	@Override
	protected Mono<List<Event>> append(List<Event> batch, Set<UUID> keptIds) {
		return keptIds.isEmpty() ? append(batch)
				: Mono.defer(() -> gate(appends.getAndIncrement()).asMono().then(super.append(batch, keptIds)));
	}

	/**
	 * How many appends were called so far.
	 *
	 * @return the count
	 */
	public int appendsCalled() {
		return appends.get();
	}

	/**
	 * Lets append number {@code i} through.
	 *
	 * @param i the append's number, from 0
	 */
	public void open(int i) {
		gate(i).emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
	}

	/**
	 * Lets every append through, those waiting and those to come.
	 */
	public void openAll() {
		List<Sinks.Empty<Void>> waiting;
		synchronized (gates) {
			allOpen = true;
			waiting = new ArrayList<>(gates);
		}
		for (Sinks.Empty<Void> g : waiting) {
			Sinks.EmitResult r = g.tryEmitEmpty();
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
				throw new IllegalStateException("could not open gate: " + r);
			}
		}
	}
}
