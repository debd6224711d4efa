package io.tributary.spi;

import io.tributary.Event;
import reactor.core.publisher.Mono;

/**
 * A replica's storage: its event log, its projection store, its dead letters and its identity. Closing it releases
 * every resource (connections, threads, files).
 */
public interface Storage {

	/**
	 * The event log.
	 *
	 * @return the store
	 */
	EventStore events();

	/**
	 * The projection store.
	 *
	 * @return the store
	 */
	ProjectionStore projections();

	/**
	 * The dead letters: local events an upstream refused permanently.
	 *
	 * @return the store
	 */
	DeadLetterStore deadLetters();

	/**
	 * The idempotency keys of the replica's HTTP API: the answers kept for requests sent with a key.
	 * The default throws {@link UnsupportedOperationException}: a node then keeps its keys in memory only.
	 *
	 * @return the store, the same one on every call
	 * @throws UnsupportedOperationException when the storage keeps no keys
	 */
	default IdempotencyStore idempotencyKeys() {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no idempotency keys");
	}

	/**
	 * The replica's origin id: the stored one, or {@code candidate} stored now on first start.
	 *
	 * @param candidate the id to keep when none is stored yet
	 * @return the origin id
	 */
	Mono<String> origin(String candidate);

	/**
	 * Erases a user's data (right to erasure). In one step:
	 * <ul>
	 * <li>every event whose {@code userId} is the user is replaced, at its position, by its
	 * {@linkplain Event#blank() blank}; the vector and the last position do not change;</li>
	 * <li>the saved projection is discarded (every fold, and the checkpoint goes back to 0): entities that held
	 * one of the user's events must be folded again from what remains of the log, which an engine opened after a
	 * crash does by replaying the whole log; a running engine, which holds only a cache of folds, folds the whole
	 * log again through its cache and saves the folds as it goes;</li>
	 * <li>every stored conflict whose incoming or head event is the user's is removed;</li>
	 * <li>every dead letter ({@link #deadLetters()}) of the user's events is removed;</li>
	 * <li>no byte of what was removed remains in the storage's files (stores that keep old versions of pages
	 * rewrite their files).</li>
	 * </ul>
	 * The engine calls it while no append or save runs. Stores that cannot erase fail with
	 * {@link UnsupportedOperationException}.
	 *
	 * @param userId the user
	 * @return how many events were replaced by blanks, once durable
	 */
	default Mono<Long> erase(String userId) {
		return Mono.error(new UnsupportedOperationException(getClass().getSimpleName() + " cannot erase"));
	}

	/**
	 * Puts events in the place of the blanks ({@link Event#blank()}) and of the stubs of withheld types
	 * ({@link Event#stub()} of the same event) at their addresses, each at the held event's position, in one step
	 * ({@link Fills#fillable}). An event whose address holds neither (a real event, or an address above the
	 * vector), and an event that is itself a stub, is ignored; the vector and the last position do not change.
	 * Since filled events sit at old positions, below
	 * the projection checkpoint, the saved projection is discarded as by {@link #erase(String)} when anything was
	 * filled. The engine calls it while no append or save runs.
	 *
	 * @param events full events (stubs among them are ignored)
	 * @return the events that replaced a blank or a stub, with their positions, in position order
	 */
	default Mono<java.util.List<Event>> fill(java.util.List<Event> events) {
		return Mono.error(new UnsupportedOperationException(getClass().getSimpleName() + " cannot fill blanks"));
	}

	/**
	 * Closes the storage.
	 *
	 * @return completes when closed
	 */
	Mono<Void> close();
}
