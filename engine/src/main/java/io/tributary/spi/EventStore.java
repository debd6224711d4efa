package io.tributary.spi;

import java.util.List;
import java.util.Set;
import java.util.UUID;

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
	 * Appends like {@link #append(List)} and, in the same transaction, keeps the ids of the appended events
	 * that are in {@code keptIds} (ids writers chose), so that {@link #eventById(UUID)} finds them: after a
	 * crash either both the events and their ids are there or neither is. The engine calls it instead of
	 * {@link #append(List)} only for batches holding such ids, so the usual append pays nothing for them. A
	 * store may keep more ids than asked (after recovering a crash, every recovered event's); it must never
	 * keep fewer.
	 * <p>
	 * The default appends without keeping ids when {@code keptIds} is empty and errors with
	 * {@link UnsupportedOperationException} otherwise.
	 *
	 * @param events events to append; their positions are ignored
	 * @param keptIds ids of events among them to keep
	 * @return as {@link #append(List)}
	 */
	default Mono<List<Event>> append(List<Event> events, Set<UUID> keptIds) {
		return keptIds.isEmpty() ? append(events)
				: Mono.error(new UnsupportedOperationException(getClass().getSimpleName() + " cannot keep event ids"));
	}

	/**
	 * The stored event whose id was kept by {@link #append(List, Set)}, as it is now (a blank after an
	 * erasure), with its position. Runs beside appends: it sees every append that completed before it was
	 * subscribed.
	 * <p>
	 * The default errors with {@link UnsupportedOperationException}.
	 *
	 * @param id the event id
	 * @return the event, empty when no event with a kept id has it
	 */
	default Mono<Event> eventById(UUID id) {
		return Mono.error(new UnsupportedOperationException(getClass().getSimpleName() + " cannot find events by id"));
	}

	/**
	 * Reads events after a position, in position order.
	 *
	 * @param afterPosition exclusive lower bound; 0 reads from the start
	 * @param limit most events to emit, at least 1
	 * @return the events
	 */
	Flux<Event> read(long afterPosition, int limit);

	/**
	 * Reads the events of some projects after a position, in position order (see {@code docs/PROJECTS.md}). The
	 * default pages through the whole log and keeps the projects' events; a store with a project index overrides
	 * it so that the cost follows the projects' events, not the log.
	 *
	 * @param projects the project ids, not empty
	 * @param afterPosition exclusive lower bound; 0 reads from the start
	 * @param limit most events to emit, at least 1
	 * @return the events of those projects
	 */
	default Flux<Event> readProjects(Set<String> projects, long afterPosition, int limit) {
		return scanProjects(this::read, projects, afterPosition, limit);
	}

	/**
	 * The events of some projects, found by paging through a whole log: what a store or view without a project
	 * index does.
	 *
	 * @param read reads a page of the log: (after position, limit) to the events in position order
	 * @param projects the project ids
	 * @param afterPosition exclusive lower bound
	 * @param limit most events to emit
	 * @return the events of those projects in position order
	 */
	static Flux<Event> scanProjects(java.util.function.BiFunction<Long, Integer, Flux<Event>> read, Set<String> projects,
			long afterPosition, int limit) {
		int page = 1024;
		return read.apply(afterPosition, page).collectList()
				.expand(events -> events.size() < page ? Mono.empty()
						: read.apply(events.get(events.size() - 1).position(), page).collectList())
				.concatMapIterable(events -> events)
				.filter(e -> projects.contains(e.project()))
				.take(limit);
	}

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

	/**
	 * Whether several processes share this store (several nodes on one database). A shared store's positions are
	 * not given in commit order: a transaction that took lower positions may commit after one that took higher
	 * ones. Its position-ordered reads ({@link #read}, {@link #readLacking}, {@link #lastPosition()}) therefore
	 * show only events below a visibility horizon, under which nothing can commit any more, and its
	 * {@link #committedByOthers()} reports every commit, this engine's own included, in that order: the engine
	 * then serves its position-ordered outputs (the live tail, {@code events(after)}) from that feed alone, and
	 * folds its own commits at once (read-your-writes on the node that took them). The default, for a store one
	 * process writes to: {@code false}.
	 *
	 * @return whether the store is shared
	 */
	default boolean shared() {
		return false;
	}

	/**
	 * Events that other processes committed to this store (several nodes sharing one database), for the engine
	 * that opened it: it folds them into its projection and serves them on its live tail as if it had committed
	 * them, through the same path as its own commits. Subscribed once when the engine opens; disposed when it
	 * closes.
	 * <p>
	 * Each batch is in position order, positions set, and starts after what the store held when the engine opened
	 * (or after the previous batch); events the engine's vector already covers are skipped, so a batch may repeat.
	 * An error ends the feed and is counted in {@code tributary.store.feed.failed}. Hot. A {@linkplain #shared()
	 * shared} store reports this engine's own commits too, in the one order every reader sees (below its visibility
	 * horizon). The default, for a store only one engine writes to, emits nothing and never completes.
	 *
	 * @return batches of events committed by others (and, for a shared store, by this engine)
	 */
	default Flux<List<Event>> committedByOthers() {
		return Flux.never();
	}
}
