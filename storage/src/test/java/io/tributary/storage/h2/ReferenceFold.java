package io.tributary.storage.h2;

import java.time.Duration;
import java.util.List;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.ProjectionPolicy;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a log must project to: its events folded by a fresh replica in memory, through the public engine. Every
 * replica holding the same events holds the same state, so an engine on H2 whose projection differs from this
 * has lost or corrupted something on the way (a checkpoint, a replay on open, a recovery).
 */
final class ReferenceFold {

	private static final Duration T = Duration.ofSeconds(60);

	private ReferenceFold() {
	}

	/**
	 * Folds a whole log.
	 *
	 * @param log every event of a store, in log order
	 * @param policy the projection policy of the engine checked
	 * @param type the entity type wanted
	 * @return the entities of that type (tombstones included), in the replica's query order
	 */
	static List<EntityState> fold(List<Event> log, ProjectionPolicy policy, String type) {
		SyncEngine replica = SyncEngine.builder().storage(new InMemoryStorage()).projection(policy).open().block(T);
		try {
			SyncEngine.ApplyResult result = replica.apply(log).block(T);
			assertEquals(log.size(), result.applied(), "the reference replica took the whole log: " + result);
			return replica.query(type).collectList().block(T);
		}
		finally {
			replica.closeAsync().block(T);
		}
	}
}
