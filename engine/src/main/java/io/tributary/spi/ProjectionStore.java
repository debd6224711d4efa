package io.tributary.spi;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.BinaryOperator;

import io.tributary.Conflict;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * Durable projection state: entity folds, stored conflicts and the checkpoint position they cover.
 * <p>
 * The engine folds events in a bounded cache and writes changed entities behind the log, with the checkpoint
 * they reach; an entity not in its cache is looked up here ({@link #entities(String, Collection)},
 * batched per commit), so the engine's heap does not grow with the number of entities. After a restart it replays
 * the log after the checkpoint, so the projection always equals the fold of the log.
 */
public interface ProjectionStore {

	/**
	 * The position the saved projection covers.
	 *
	 * @return the checkpoint, 0 when nothing was saved
	 */
	Mono<Long> checkpoint();

	/**
	 * For a store several engines share ({@link EventStore#shared()}): a position up to which every engine writing
	 * to the store has saved the folds its own commits changed, the lowest of their checkpoints. Each engine saves
	 * only the folds of its own commits; one that folded another engine's events keeps those folds in its cache until
	 * this position passes them. The default, 0, claims nothing: such folds then stay until the cache is full, and
	 * the engine saves them itself.
	 *
	 * @return the position, 0 when nothing is known
	 */
	default Mono<Long> covered() {
		return Mono.just(0L);
	}

	/**
	 * All saved entity folds.
	 *
	 * @return the records, in no particular order
	 */
	Flux<EntityRecord> entities();

	/**
	 * The saved folds of some entities of one type: the engine's lookup of what its cache does not hold, one call
	 * for every entity a commit touches. Sees every save that completed before it was subscribed. The default
	 * scans {@link #entities()}; stores look the keys up.
	 *
	 * @param type entity type
	 * @param entityIds entity ids; those without a saved fold are left out of the answer
	 * @return the saved records, in no particular order
	 */
	default Flux<EntityRecord> entities(String type, Collection<String> entityIds) {
		Set<String> wanted = Set.copyOf(entityIds);
		return entities().filter(r -> r.type().equals(type) && wanted.contains(r.entityId()));
	}

	/**
	 * A page of one type's saved folds, in entity id order ({@link String#compareTo}), after an id: the engine
	 * pages through a type this way to answer queries, with its unsaved changes laid over. The default sorts
	 * {@link #entities()}.
	 *
	 * @param type entity type
	 * @param afterEntityId exclusive lower bound, {@code ""} for the first page
	 * @param limit most records to emit, at least 1
	 * @return the records, in entity id order
	 */
	default Flux<EntityRecord> entities(String type, String afterEntityId, int limit) {
		return entities().filter(r -> r.type().equals(type) && r.entityId().compareTo(afterEntityId) > 0)
				.sort(Comparator.comparing(EntityRecord::entityId)).take(limit);
	}

	/**
	 * The types that have saved folds.
	 *
	 * @return the type names, each once, in no particular order
	 */
	default Flux<String> types() {
		return entities().map(EntityRecord::type).distinct();
	}

	/**
	 * How many entities have saved folds.
	 *
	 * @return the count
	 */
	default Mono<Long> count() {
		return entities().count();
	}

	/**
	 * For a store several engines share ({@link EventStore#shared()}): how to combine the fold an engine saves with
	 * the one already saved for the entity, which another engine may have written with events this one has not
	 * folded yet. Folds are functions of sets of events, so the engine's merge folds the union of both. The
	 * engine sets it once, when it opens, before any save; a shared store applies it to every save of an entity
	 * that already has a row, under that row's lock. The default ignores it: a store one engine writes to replaces
	 * folds.
	 *
	 * @param merge combines (saved, incoming) into the record to keep
	 */
	default void merger(BinaryOperator<EntityRecord> merge) {
		// one writer: nothing to merge
	}

	/**
	 * Saves changed entities and new conflicts with the checkpoint they reach. The checkpoint moves only once every
	 * fold and conflict is saved; a store may save the folds in several transactions before the one that moves it
	 * (a fold saved ahead of its checkpoint is harmless: the replay after a crash folds its events again, which
	 * changes nothing), but with {@code replaceAll} everything is one transaction.
	 * Saving a conflict twice (same incoming event) keeps one.
	 *
	 * @param checkpoint the position covered after this save
	 * @param entities entity folds to insert or replace; the engine passes a list that encodes each fold when it is
	 *        read, so a store should read each element once, when it writes it
	 * @param conflicts conflicts to record
	 * @param replaceAll whether {@code entities} is the whole projection, so that everything saved
	 *        before may be discarded; the engine passes false (it upserts what changed), stores must still honour it
	 * @return completes when durable
	 */
	Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts, boolean replaceAll);

	/**
	 * Saves changed entities and new conflicts; see {@link #save(long, List, List, boolean)}.
	 *
	 * @param checkpoint the position covered after this save
	 * @param entities entity folds to insert or replace
	 * @param conflicts conflicts to record
	 * @return completes when durable
	 */
	default Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts) {
		return save(checkpoint, entities, conflicts, false);
	}

	/**
	 * Stored conflicts, oldest first; {@link #conflicts(String, long, int)} from the start.
	 *
	 * @param type entity type to filter by, {@code null} for all
	 * @param limit most conflicts to emit
	 * @return the conflicts
	 */
	default Flux<Conflict> conflicts(@Nullable String type, int limit) {
		return conflicts(type, 0, limit);
	}

	/**
	 * A page of the stored conflicts: those whose incoming event's position is above {@code afterPosition}, in
	 * the order of that position. The position is the cursor: one event raises at most one conflict, so it is
	 * unique among conflicts, and pages read by passing the last conflict's
	 * {@code incoming().position()} back hold every conflict stored before the first page was read exactly once.
	 * Conflicts are saved by the checkpoint that follows their event, above the positions saved before (but for
	 * those an event put in the place of a blank raises, {@link Storage#fill}, at the blank's old position), so a
	 * conflict saved while pages are read shows on a later page. Reads only: nothing is written.
	 *
	 * @param type entity type to filter by, {@code null} for all
	 * @param afterPosition exclusive cursor: 0 for the first page
	 * @param limit most conflicts to emit, at least 1
	 * @return the conflicts; cold
	 */
	Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit);
}
