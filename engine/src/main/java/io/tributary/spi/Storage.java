package io.tributary.spi;

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
	 * The replica's origin id: the stored one, or {@code candidate} stored now on first start.
	 *
	 * @param candidate the id to keep when none is stored yet
	 * @return the origin id
	 */
	Mono<String> origin(String candidate);

	/**
	 * Closes the storage.
	 *
	 * @return completes when closed
	 */
	Mono<Void> close();
}
