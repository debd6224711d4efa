package io.tributary.spi;

import io.tributary.Event;
import reactor.core.publisher.Mono;

/**
 * A replica's storage: its event log, its projection store and its identity. Closing it releases
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
	 * <li>every saved entity fold that holds one of the user's events is removed, and the projection checkpoint
	 * goes back to 0, so that an engine opened after a crash replays the log and folds those entities again from
	 * what remains (the engine rebuilds them and checkpoints right after an erase);</li>
	 * <li>every stored conflict whose incoming or head event is the user's is removed;</li>
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
	 * Closes the storage.
	 *
	 * @return completes when closed
	 */
	Mono<Void> close();
}
