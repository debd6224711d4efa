package io.tributary;

import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * What a replica offers its readers and writers, declared once for the two faces that offer it: the whole
 * replica ({@link SyncEngine}) and one user's share of it ({@link UserView}, which filters reads to the user's
 * rows and writes as the user: see there). Every method is non-blocking and thread-safe; every publisher is cold
 * unless it says otherwise.
 */
public interface ReplicaView {

	/**
	 * Writes an event. The {@code Mono} completes with the committed event (position set) once durable;
	 * errors with {@link ValidationException} (nothing stored), {@link OverloadedException} (nothing
	 * stored; retry later), {@link EngineClosedException}, or the store's error.
	 * <p>
	 * A request with an {@linkplain WriteRequest#id() id of its own} is idempotent: when this replica already
	 * stored an event written with that id (earlier, before a restart, or in the same group commit), nothing is
	 * stored and the {@code Mono} completes with the stored event, unchanged even when the request's content
	 * differs. The check runs in the commit itself, so concurrent writes of one id store one event. A request
	 * without an id costs no lookup. When the writer acts for a user ({@link SyncEngine#forUser(String)}) and the stored
	 * event is another user's, the write errors with {@link RowLevelSecurityException}.
	 *
	 * @param request the write
	 * @return the committed event; cold: the write is submitted on subscription
	 */
	Mono<Event> write(WriteRequest request);

	/**
	 * Replaces an entity's document; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object
	 * @return the committed event
	 */
	default Mono<Event> put(String type, String entityId, Object payload) {
		return write(WriteRequest.put(type, entityId, payload));
	}

	/**
	 * Merges fields into an entity's document; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param payload JSON object of fields
	 * @return the committed event
	 */
	default Mono<Event> patch(String type, String entityId, Object payload) {
		return write(WriteRequest.patch(type, entityId, payload));
	}

	/**
	 * Deletes an entity; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the committed event
	 */
	default Mono<Event> delete(String type, String entityId) {
		return write(WriteRequest.delete(type, entityId));
	}

	/**
	 * Writes several events: every request is validated first, and when one is invalid nothing is written
	 * (the error names its index). The valid ones are then submitted together, in order, so they usually
	 * share one group commit; each completes once durable.
	 *
	 * @param requests the writes
	 * @return the committed events, in request order
	 */
	Flux<Event> writeAll(List<WriteRequest> requests);

	/**
	 * Applies events from a peer: those the vector covers are dropped as duplicates; each origin's events
	 * are stored in sequence order, and an event whose predecessor is missing is held (bounded) until it
	 * arrives. The {@code Mono} completes once the new events are durable. Every event is checked as a
	 * local write would be; when one is invalid the call errors with {@link ValidationException} and
	 * nothing of it is stored.
	 *
	 * @param events events in any order
	 * @return counts of what happened
	 */
	Mono<SyncEngine.ApplyResult> apply(List<Event> events);

	/**
	 * The projected state of an entity.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the state (a tombstone when deleted), empty when no event is known
	 */
	Mono<EntityState> get(String type, String entityId);

	/**
	 * The projected states of a type, live entities only, sorted by entity id.
	 *
	 * @param type entity type
	 * @return a snapshot taken on subscription
	 */
	Flux<EntityState> query(String type);

	/**
	 * Live changes of a type's entities, from subscription on. Hot; each subscriber has a bounded buffer
	 * and gets {@link SlowSubscriberException} when it falls further behind.
	 *
	 * @param type entity type, or {@code null} for every type
	 * @return the changes
	 */
	Flux<EntityChange> changes(@Nullable String type);

	/**
	 * Committed events after a position: the stored ones, then the live tail, with no gap and no
	 * duplicate at the switch. A subscriber that falls behind the live buffer is served from the store
	 * again at its own pace. Never completes by itself.
	 *
	 * @param afterPosition exclusive cursor; 0 for everything
	 * @return the events in position order
	 */
	Flux<Event> events(long afterPosition);

	/**
	 * {@link #events(long)} in the batches they were read or committed in: pages of the store during
	 * catch-up, then one list per group commit. For consumers that ship events in batches (peer sessions)
	 * and would otherwise regroup them.
	 *
	 * @param afterPosition exclusive cursor; 0 for everything
	 * @return non-empty batches in position order, no gap and no duplicate
	 */
	Flux<List<Event>> eventBatches(long afterPosition);

	/**
	 * Stored events after a position, from the store only (no live tail): a page of the log.
	 *
	 * @param afterPosition exclusive cursor
	 * @param limit most events, at least 1
	 * @return the events in position order
	 */
	Flux<Event> read(long afterPosition, int limit);

	/**
	 * The events a replica with the given vector lacks, from the store, in position order.
	 *
	 * @param have the other replica's vector
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, int limit);

	/**
	 * The next page of what a replica lacks: {@link #lacking(VersionVector, int)} after the position of the
	 * last event of the previous page, which spares the store reading that part again.
	 *
	 * @param have the other replica's vector, advanced by the pages it got
	 * @param afterPosition the position of the last event of the previous page
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, long afterPosition, int limit);

	/**
	 * One committed event by its address.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return the event, empty when this replica does not hold it
	 */
	Mono<Event> event(String origin, long originSeq);

	/**
	 * A page of the stored conflicts after a cursor, as the projection store holds them
	 * ({@link io.tributary.spi.ProjectionStore#conflicts(String, long, int)}): in the order of the incoming
	 * event's position, which is the cursor. Unlike {@link SyncEngine#conflicts(String, int)} it forces no checkpoint and
	 * writes nothing, so a conflict shows once the checkpoint after its event has saved it.
	 *
	 * @param type entity type, or {@code null} for all
	 * @param afterPosition exclusive cursor: 0, or the {@code incoming().position()} of the previous page's last
	 *        conflict
	 * @param limit most conflicts, at least 1
	 * @return the conflicts; cold; completes on a storage thread; errors with {@link EngineClosedException} once
	 *         the engine is closed
	 */
	Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit);
}
