package io.tributary.spi;

import java.util.List;

import io.tributary.Event;
import io.tributary.VersionVector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The durable, append-only event log of one replica. Implementations: the in-memory store of the
 * engine module and the R2DBC stores of the storage module; all pass one contract test suite.
 * <p>
 * Publishers are cold: nothing happens until subscription. The engine calls {@link #append(List)}
 * from one logical writer at a time; reads may run concurrently with it.
 */
public interface EventStore {

	/**
	 * Appends events in one transaction and makes them durable before the returned {@code Mono}
	 * completes. Events the store's vector already covers are skipped (idempotent append). The others
	 * must continue their origin's sequence without gaps, and get the next positions in list order.
	 *
	 * @param events events to append; their positions are ignored
	 * @return the appended events with their positions, in position order; errors with
	 *         {@link SequenceGapException} when an event would leave a gap (nothing is appended then)
	 */
	Mono<List<Event>> append(List<Event> events);

	/**
	 * Reads events after a position, in position order.
	 *
	 * @param afterPosition exclusive lower bound; 0 reads from the start
	 * @param limit most events to emit, at least 1
	 * @return the events
	 */
	Flux<Event> read(long afterPosition, int limit);

	/**
	 * Reads the events a replica with the given vector lacks, in position order; each origin's events
	 * come in sequence order, so a reader that takes them in order can advance its vector and call again.
	 *
	 * @param have the reader's vector
	 * @param limit most events to emit, at least 1
	 * @return the events not covered by {@code have}
	 */
	Flux<Event> readLacking(VersionVector have, int limit);

	/**
	 * Like {@link #readLacking(VersionVector, int)}, from after a position on: for a reader paging through
	 * what it lacks, which already received every lacking event up to that position. Stores that can,
	 * start reading there instead of where the lacking origins begin.
	 *
	 * @param have the reader's vector
	 * @param afterPosition the position of the last event of the previous page, 0 for the first page
	 * @param limit most events to emit, at least 1
	 * @return the events not covered by {@code have} after {@code afterPosition}
	 */
	default Flux<Event> readLacking(VersionVector have, long afterPosition, int limit) {
		return readLacking(have, Integer.MAX_VALUE).filter(e -> e.position() > afterPosition).take(limit);
	}

	/**
	 * The store's vector: per origin the highest sequence held.
	 *
	 * @return the vector
	 */
	Mono<VersionVector> vector();

	/**
	 * The position of the newest event.
	 *
	 * @return the position, 0 when empty
	 */
	Mono<Long> lastPosition();
}
