package io.tributary.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.tributary.Event;
import io.tributary.SyncEngine.ApplyResult;
import io.tributary.WriteRequest;
import reactor.core.Disposable;
import reactor.core.publisher.MonoSink;

/**
 * One thing submitted to the ingress: a {@link LocalWrite} or a {@link PeerBatch}. Its state moves once from
 * WAITING (for room in the ingress) or QUEUED to DONE; whoever moves it out of WAITING owns the answer. The
 * fields set during a commit are touched only by the committer.
 */
abstract sealed class Submission {

	static final int WAITING = 0;
	static final int QUEUED = 1;
	static final int DONE = 2;

	final AtomicInteger state = new AtomicInteger(WAITING);
	/** The overload timeout of a waiter; set before the waiter is visible to the committer. */
	Disposable timeout;

	/** How many events this puts in a batch. */
	abstract int events();

	/** Runs {@code hook} when the caller cancels. */
	abstract void onCancel(Runnable hook);

	/** Answers with an error. */
	abstract void fail(Throwable error);

	/** A local write, validated and redacted, with the writer's sink. */
	static final class LocalWrite extends Submission {

		final WriteRequest request;
		final byte[] payload;
		/** The user the write is for (row-level security), or null. */
		final String user;
		final MonoSink<Event> sink;
		/** Index of the stamped event in the batch sent to the store. */
		int index;
		/** The stored event with the request's id, found by the commit: the write stores nothing. */
		Event existing;
		/** The earlier write of the same batch with the request's id: this one stores nothing. */
		LocalWrite sameAs;

		LocalWrite(Prepared prepared, MonoSink<Event> sink) {
			this.request = prepared.request();
			this.payload = prepared.payload();
			this.user = prepared.user();
			this.sink = sink;
		}

		@Override
		int events() {
			return 1;
		}

		@Override
		void onCancel(Runnable hook) {
			sink.onCancel(hook::run);
		}

		void succeed(Event e) {
			state.set(DONE);
			sink.success(e);
		}

		@Override
		void fail(Throwable error) {
			state.set(DONE);
			sink.error(error);
		}
	}

	/** Peer events, checked and admitted, with the caller's sink and the counts the commit fills in. */
	static final class PeerBatch extends Submission {

		final List<Event> remote;
		final int refused;
		final MonoSink<ApplyResult> sink;
		int applied;
		int duplicates;
		int held;
		int dropped;

		PeerBatch(List<Event> remote, int refused, MonoSink<ApplyResult> sink) {
			this.remote = remote;
			this.refused = refused;
			this.sink = sink;
		}

		@Override
		int events() {
			return remote.size();
		}

		@Override
		void onCancel(Runnable hook) {
			sink.onCancel(hook::run);
		}

		void succeed() {
			state.set(DONE);
			sink.success(new ApplyResult(applied, duplicates, held, dropped, refused));
		}

		@Override
		void fail(Throwable error) {
			state.set(DONE);
			sink.error(error);
		}
	}

	/**
	 * A local write ready to submit, before it has a sink.
	 *
	 * @param request the request
	 * @param payload the payload to store, or null for a DELETE
	 * @param user the user the write is for, or null
	 */
	record Prepared(WriteRequest request, byte[] payload, String user) {
	}
}
