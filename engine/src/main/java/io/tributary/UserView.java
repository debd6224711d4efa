package io.tributary;

import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * One user's view of an engine, for row-level security on a replica that serves several users (a node hands
 * each authenticated request the view of its user). Get one with {@link SyncEngine#forUser(String)}; it is
 * cheap, stateless and thread-safe.
 * <p>
 * <b>Entities</b> belong to the owner of their head event ({@link EntityState#userId()}). {@link #get},
 * {@link #query} and {@link #changes} show only the user's entities; an entity of another user, or of no user,
 * is as if unknown.
 * <p>
 * <b>The log</b> keeps its shape: {@link #read}, {@link #events}, {@link #eventBatches}, {@link #lacking} and
 * {@link #event} yield every event at its position, with each event that is not the user's replaced by its
 * {@linkplain Event#blank() blank}. A replica fed from a view therefore keeps gapless vectors and resumes by
 * vector like any other, yet never receives another user's data.
 * <p>
 * <b>Writes</b> are stamped with the user. A request naming another user, or writing to an entity whose head
 * belongs to another user (or to no user), fails with {@link RowLevelSecurityException} and stores nothing.
 * <b>Peer events</b> ({@link #apply}) of another user are refused, counted in
 * {@link SyncEngine.ApplyResult#refused()} and stored as blanks.
 */
public interface UserView {

	/**
	 * The user this view is for.
	 *
	 * @return the user id
	 */
	String userId();

	/**
	 * Writes as this user; see {@link SyncEngine#write(WriteRequest)}.
	 *
	 * @param request the write; its user must be empty or this view's
	 * @return the committed event; errors with {@link RowLevelSecurityException} when refused
	 */
	Mono<Event> write(WriteRequest request);

	/**
	 * Replaces an entity's document as this user; see {@link #write(WriteRequest)}.
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
	 * Merges fields into an entity's document as this user; see {@link #write(WriteRequest)}.
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
	 * Deletes an entity as this user; see {@link #write(WriteRequest)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the committed event
	 */
	default Mono<Event> delete(String type, String entityId) {
		return write(WriteRequest.delete(type, entityId));
	}

	/**
	 * Writes several as this user; see {@link SyncEngine#writeAll(List)}. One refused request refuses all.
	 *
	 * @param requests the writes
	 * @return the committed events, in request order
	 */
	Flux<Event> writeAll(List<WriteRequest> requests);

	/**
	 * Applies peer events pushed by this user: another user's events are refused and stored as blanks; see
	 * {@link SyncEngine#apply(List)}.
	 *
	 * @param events events in any order
	 * @return counts of what happened, with the refused ones
	 */
	Mono<SyncEngine.ApplyResult> apply(List<Event> events);

	/**
	 * The user's entity; see {@link SyncEngine#get(String, String)}.
	 *
	 * @param type entity type
	 * @param entityId entity id
	 * @return the state, empty when unknown or not the user's
	 */
	Mono<EntityState> get(String type, String entityId);

	/**
	 * The user's live entities of a type; see {@link SyncEngine#query(String)}.
	 *
	 * @param type entity type
	 * @return a snapshot taken on subscription
	 */
	Flux<EntityState> query(String type);

	/**
	 * Live changes of the user's entities; see {@link SyncEngine#changes(String)}. A change that hands an
	 * entity to another user is not shown.
	 *
	 * @param type entity type, or {@code null} for every type
	 * @return the changes
	 */
	Flux<EntityChange> changes(@Nullable String type);

	/**
	 * Committed events after a position, other users' events as blanks; see {@link SyncEngine#events(long)}.
	 *
	 * @param afterPosition exclusive cursor
	 * @return the events in position order
	 */
	Flux<Event> events(long afterPosition);

	/**
	 * {@link #events(long)} in batches; see {@link SyncEngine#eventBatches(long)}.
	 *
	 * @param afterPosition exclusive cursor
	 * @return the batches
	 */
	Flux<List<Event>> eventBatches(long afterPosition);

	/**
	 * A page of the log, other users' events as blanks; see {@link SyncEngine#read(long, int)}.
	 *
	 * @param afterPosition exclusive cursor
	 * @param limit most events
	 * @return the events in position order
	 */
	Flux<Event> read(long afterPosition, int limit);

	/**
	 * What a replica with a vector lacks, other users' events as blanks; see
	 * {@link SyncEngine#lacking(VersionVector, int)}.
	 *
	 * @param have the other replica's vector
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, int limit);

	/**
	 * The next page of what a replica lacks; see {@link SyncEngine#lacking(VersionVector, long, int)}.
	 *
	 * @param have the other replica's vector
	 * @param afterPosition the position of the last event of the previous page
	 * @param limit most events
	 * @return the events
	 */
	Flux<Event> lacking(VersionVector have, long afterPosition, int limit);

	/**
	 * A page of the stored conflicts that involve the user: those whose incoming or head event is the user's.
	 * The side that is another user's (or no user's) is shown as its {@linkplain Event#blank() blank}, as the log
	 * shows it. Same order, cursor and freshness as {@link SyncEngine#conflicts(String, long, int)}; the store is
	 * read in pages until {@code limit} of the user's conflicts are found or none remain.
	 *
	 * @param type entity type, or {@code null} for all
	 * @param afterPosition exclusive cursor: 0, or the {@code incoming().position()} of the previous page's last
	 *        conflict
	 * @param limit most conflicts, at least 1
	 * @return the conflicts; cold
	 */
	Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit);

	/**
	 * One event by its address, as a blank when it is not the user's.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return the event, empty when the replica does not hold it
	 */
	Mono<Event> event(String origin, long originSeq);
}
