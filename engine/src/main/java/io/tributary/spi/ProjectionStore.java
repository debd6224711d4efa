package io.tributary.spi;

import java.util.List;

import io.tributary.Conflict;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * Durable projection state: entity folds, stored conflicts and the checkpoint position they cover.
 * <p>
 * The engine folds events in memory and writes changed entities behind the log, in one transaction
 * with the checkpoint. After a restart it loads the folds and replays the log after the checkpoint,
 * so the projection always equals the fold of the log.
 */
public interface ProjectionStore {

	/**
	 * The position the saved projection covers.
	 *
	 * @return the checkpoint, 0 when nothing was saved
	 */
	Mono<Long> checkpoint();

	/**
	 * All saved entity folds.
	 *
	 * @return the records, in no particular order
	 */
	Flux<EntityRecord> entities();

	/**
	 * Saves changed entities and new conflicts with the checkpoint they reach, in one transaction.
	 * Saving a conflict twice (same incoming event) keeps one.
	 *
	 * @param checkpoint the position covered after this save
	 * @param entities entity folds to insert or replace; the engine passes a list that encodes each fold when it is
	 *        read, so a store should read each element once, when it writes it
	 * @param conflicts conflicts to record
	 * @param replaceAll whether {@code entities} is the whole projection, so that everything saved
	 *        before may be discarded (compaction)
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
