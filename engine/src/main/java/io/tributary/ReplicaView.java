package io.tributary;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.tributary.internal.Json;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * What a replica offers its readers and writers, declared once for the two faces that offer it: the whole
 * replica ({@link SyncEngine}) and one user's share of it ({@link UserView}, which filters reads to the user's
 * rows and writes as the user: see there). Every method is non-blocking and thread-safe; every publisher is cold
 * unless it says otherwise.
 * <p>
 * <b>Typed use.</b> Writes take records and POJOs as payloads ({@link #put(String, String, Object)}), written
 * through {@link #objectMapper()}; {@link #get(String, String, Class)}, {@link #query(String, Class)} and
 * {@link #changes(String, Class)} read documents back as a class through the same mapper. A document that does
 * not fit the class errors with {@link DocumentMismatchException} naming the type, the entity and the field.
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
	 * @param payload a JSON object as {@code String}, {@code byte[]}, {@code JsonNode} or {@code Map}, or a record or
	 *        POJO written through {@link #objectMapper()}; stamped with the type's current schema version
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
	 * @param payload JSON object of fields, in the forms {@link #put(String, String, Object)} takes ({@code null}
	 *        values remove fields: a record's {@code null} components do too)
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
	 * The mapper typed payloads are written and read with: the engine builder's
	 * ({@link SyncEngine.Builder#objectMapper(ObjectMapper)}), else {@link JsonMapping#defaults()}.
	 *
	 * @return the mapper; shared, do not reconfigure it
	 */
	ObjectMapper objectMapper();

	/**
	 * The projected document of an entity as a class, read through {@link #objectMapper()} after upcasting to the
	 * type's current schema (see {@code docs/SCHEMA.md}).
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @param valueType the class, a record or POJO
	 * @param <T> the class
	 * @return the value; empty when no event is known or the entity is deleted; errors with
	 *         {@link DocumentMismatchException} when the document does not fit the class
	 */
	default <T> Mono<T> get(String type, String entityId, Class<T> valueType) {
		Objects.requireNonNull(valueType, "valueType");
		return get(type, entityId).filter(s -> s.document() != null)
				.map(s -> Json.read(objectMapper(), s.type(), s.entityId(), s.document(), valueType));
	}

	/**
	 * The live entities of a type as a class, sorted by entity id, each with its id and version: a record rarely
	 * holds the key it is stored under, and a writer needs the version to detect concurrent changes.
	 *
	 * @param type entity type
	 * @param valueType the class, a record or POJO
	 * @param <T> the class
	 * @return a snapshot taken on subscription; errors with {@link DocumentMismatchException} at the first document
	 *         that does not fit the class
	 */
	default <T> Flux<TypedEntity<T>> query(String type, Class<T> valueType) {
		Objects.requireNonNull(valueType, "valueType");
		return query(type).filter(s -> s.document() != null)
				.map(s -> new TypedEntity<>(s.type(), s.entityId(),
						Json.read(objectMapper(), s.type(), s.entityId(), s.document(), valueType), s.version(),
						s.schemaVersion()));
	}

	/**
	 * Live changes of a type's entities as a class; as {@link #changes(String)} otherwise (hot, bounded).
	 *
	 * @param type entity type (one type: documents of several types rarely fit one class)
	 * @param valueType the class, a record or POJO
	 * @param <T> the class
	 * @return the changes, the value {@code null} for a deleted entity; errors with
	 *         {@link DocumentMismatchException} at the first document that does not fit the class
	 */
	default <T> Flux<TypedChange<T>> changes(String type, Class<T> valueType) {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(valueType, "valueType");
		return changes(type).map(c -> {
			EntityState s = c.state();
			byte[] doc = s.document();
			return new TypedChange<>(s.type(), s.entityId(), c.event().op(),
					doc == null ? null : Json.read(objectMapper(), s.type(), s.entityId(), doc, valueType), c.event());
		});
	}

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
	 * Stored events of some projects after a position, from the store only: a page of those projects' log, in
	 * position order, with this view's row-level security applied as {@link #read(long, int)} applies it. The
	 * default pages through {@link #read(long, int)}; the engine asks its store, whose project index makes the cost
	 * follow the projects' events rather than the whole log.
	 *
	 * @param projects the project ids, not empty
	 * @param afterPosition exclusive cursor
	 * @param limit most events, at least 1
	 * @return the events of those projects in position order
	 */
	default Flux<Event> readProjects(java.util.Set<String> projects, long afterPosition, int limit) {
		return io.tributary.spi.EventStore.scanProjects(this::read, projects, afterPosition, limit);
	}

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
