package io.tributary.internal;

import java.time.Duration;
import java.util.List;

import io.tributary.EntityChange;
import io.tributary.SyncSignal;
import io.tributary.TributaryException;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The engine's hot outputs besides the live tail ({@link LiveTail}): the entity changes and the signals. Every
 * emission's result is checked: no subscriber is normal, any other failure is counted in
 * {@code tributary.emissions.failed}. Changes come from the committer only (one thread at a time); signals come
 * from any thread and are serialized here.
 */
final class Fanout {

	private final Sinks.Many<List<EntityChange>> changed = Sinks.many().multicast().directBestEffort();
	private final Sinks.Many<SyncSignal> signals = Sinks.many().multicast().directBestEffort();
	private final Object signalLock = new Object();
	private final EngineMetrics metrics;

	Fanout(EngineMetrics metrics) {
		this.metrics = metrics;
	}

	/** Entity changes, from subscription on; completes when the engine closes. */
	Flux<List<EntityChange>> changed() {
		return changed.asFlux();
	}

	/** Signals, from subscription on; completes when the engine closes. */
	Flux<SyncSignal> signals() {
		return signals.asFlux();
	}

	void changed(List<EntityChange> changes) {
		emit(changed, changes);
	}

	void signal(SyncSignal signal) {
		synchronized (signalLock) {
			Sinks.EmitResult r = signals.tryEmitNext(signal);
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER && r != Sinks.EmitResult.FAIL_TERMINATED) {
				metrics.failedEmission();
			}
		}
	}

	/** Counts a refused write and signals it. */
	void rejected(WriteRequest r, TributaryException e, String reason) {
		metrics.rejected(reason, 1);
		signal(new SyncSignal.WriteRejected(r.type(), r.entityId(), e));
	}

	/** Ends every output: the engine closed. */
	void complete() {
		changed.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
		synchronized (signalLock) {
			Sinks.EmitResult r = signals.tryEmitComplete();
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
				metrics.failedEmission();
			}
		}
	}

	private <T> void emit(Sinks.Many<T> sink, T value) {
		Sinks.EmitResult r = sink.tryEmitNext(value);
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
			metrics.failedEmission();
		}
	}
}
