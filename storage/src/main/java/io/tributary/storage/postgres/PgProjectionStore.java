package io.tributary.storage.postgres;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.tributary.Conflict;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.EventCodec;
import io.tributary.spi.ProjectionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * The projection on PostgreSQL: a row per entity with its fold and its state as {@code jsonb}, the conflicts, and a
 * checkpoint per node. A save is one transaction. Without a merger it upserts the folds; with one (several nodes
 * share the store) it locks the rows already there ({@code SELECT ... FOR UPDATE}, in key order), merges each with
 * the incoming fold, updates them, and inserts the others; a row another node inserted meanwhile is merged in the
 * same way before the transaction ends.
 */
final class PgProjectionStore implements ProjectionStore {

	private static final String COLUMNS = "entity_type, entity_id, user_id, fold, convert_to(document::text, 'UTF8')";
	/** The records of a save: keys and owners as arrays, folds and documents as {@link PgBlobs}. */
	private static final String SOURCE = "(SELECT s.entity_type, s.entity_id, s.user_id, "
			+ "substring($6::bytea FROM s.foff FOR s.flen) AS fold, substring($9::bytea FROM s.doff FOR s.dlen) AS document "
			+ "FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $7::int[], $8::int[]) "
			+ "AS s(entity_type, entity_id, user_id, foff, flen, doff, dlen)) AS r";
	private static final String DOCUMENT = "convert_from(r.document, 'UTF8')::jsonb";
	private static final String UPSERT = "INSERT INTO tributary_entity (entity_type, entity_id, user_id, fold, document) "
			+ "SELECT r.entity_type, r.entity_id, r.user_id, r.fold, " + DOCUMENT + " FROM " + SOURCE
			+ " ON CONFLICT (entity_type, entity_id) DO UPDATE SET user_id = EXCLUDED.user_id, fold = EXCLUDED.fold, "
			+ "document = EXCLUDED.document";
	private static final String INSERT_NEW = "INSERT INTO tributary_entity (entity_type, entity_id, user_id, fold, document) "
			+ "SELECT r.entity_type, r.entity_id, r.user_id, r.fold, " + DOCUMENT + " FROM " + SOURCE
			+ " ON CONFLICT (entity_type, entity_id) DO NOTHING RETURNING entity_type, entity_id";
	private static final String UPDATE = "UPDATE tributary_entity e SET user_id = r.user_id, fold = r.fold, document = "
			+ DOCUMENT + " FROM " + SOURCE + " WHERE e.entity_type = r.entity_type AND e.entity_id = r.entity_id";
	private static final String LOCK = "SELECT " + COLUMNS + " FROM tributary_entity "
			+ "WHERE (entity_type, entity_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
			+ "ORDER BY entity_type, entity_id FOR UPDATE";
	private static final String CONFLICTS = "INSERT INTO tributary_conflict "
			+ "(incoming_id, entity_type, incoming_position, incoming_user_id, head_user_id, body) "
			+ "SELECT c.id, c.entity_type, c.position, c.iu, c.hu, substring($8::bytea FROM c.off FOR c.len) "
			+ "FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::int[]) "
			+ "AS c(id, entity_type, position, iu, hu, off, len) "
			+ "ON CONFLICT (incoming_id) DO NOTHING";
	private static final String CHECKPOINT = "INSERT INTO tributary_checkpoint (node, position) VALUES ($1, $2) "
			+ "ON CONFLICT (node) DO UPDATE SET position = EXCLUDED.position";

	private final PgExecutor executor;
	private final String node;
	private volatile @Nullable BinaryOperator<EntityRecord> merger;

	PgProjectionStore(PgExecutor executor, String node) {
		this.executor = executor;
		this.node = node;
	}

	@Override
	public void merger(BinaryOperator<EntityRecord> merge) {
		this.merger = merge;
	}

	@Override
	public Mono<Long> checkpoint() {
		return executor.read(c -> PgSql.query(c, "SELECT position FROM tributary_checkpoint WHERE node = $1",
				row -> row.get(0, Long.class), node)).next().defaultIfEmpty(0L);
	}

	@Override
	public Mono<Long> covered() {
		// each node saves the folds its own commits changed, up to its checkpoint: the lowest checkpoint covers all
		return executor.read(c -> PgSql.query(c, "SELECT COALESCE(MIN(position), 0) FROM tributary_checkpoint",
				row -> row.get(0, Long.class))).next().defaultIfEmpty(0L);
	}

	@Override
	public Flux<EntityRecord> entities() {
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS + " FROM tributary_entity", PgProjectionStore::record));
	}

	@Override
	public Flux<EntityRecord> entities(String type, Collection<String> entityIds) {
		if (entityIds.isEmpty()) {
			return Flux.empty();
		}
		String[] ids = entityIds.toArray(new String[0]);
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_entity WHERE entity_type = $1 AND entity_id = ANY($2::text[])", PgProjectionStore::record,
				type, ids));
	}

	@Override
	public Flux<EntityRecord> entities(String type, String afterEntityId, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_entity WHERE entity_type = $1 AND entity_id > $2 ORDER BY entity_id LIMIT $3",
				PgProjectionStore::record, type, afterEntityId, limit));
	}

	@Override
	public Flux<String> types() {
		// a loose index scan: one probe of the primary key per type, however many entities each has
		return executor.read(c -> PgSql.query(c, "WITH RECURSIVE t(entity_type) AS ("
				+ "(SELECT entity_type FROM tributary_entity ORDER BY entity_type LIMIT 1) UNION ALL "
				+ "SELECT (SELECT e.entity_type FROM tributary_entity e WHERE e.entity_type > t.entity_type "
				+ "ORDER BY e.entity_type LIMIT 1) FROM t WHERE t.entity_type IS NOT NULL) "
				+ "SELECT entity_type FROM t WHERE entity_type IS NOT NULL", row -> row.get(0, String.class)));
	}

	@Override
	public Mono<Long> count() {
		return executor.read(c -> PgSql.query(c, "SELECT COUNT(*) FROM tributary_entity", row -> row.get(0, Long.class)))
				.single();
	}

	private static EntityRecord record(Readable row) {
		return new EntityRecord(row.get(0, String.class), row.get(1, String.class), row.get(2, String.class),
				row.get(3, byte[].class), row.get(4, byte[].class));
	}

	@Override
	public Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts, boolean replaceAll) {
		return Mono.defer(() -> {
			// the last fold of a key wins within one save (an upsert may not touch a row twice)
			Map<Key, EntityRecord> byKey = new LinkedHashMap<>();
			for (EntityRecord r : entities) {
				byKey.put(new Key(r.type(), r.entityId()), r);
			}
			List<EntityRecord> records = new ArrayList<>(byKey.values());
			BinaryOperator<EntityRecord> merge = merger;
			return executor.inTransaction(c -> (replaceAll ? PgSql.update(c, "DELETE FROM tributary_entity") : Mono.just(0L))
					.then(merge == null || replaceAll ? upsert(c, records).then() : merge(c, records, merge))
					.then(recordConflicts(c, conflicts))
					.then(PgSql.update(c, CHECKPOINT, node, checkpoint)))
					.then();
		});
	}

	private record Key(String type, String entityId) {
	}

	private static Object[] rows(List<EntityRecord> records) {
		int n = records.size();
		String[] types = new String[n];
		String[] ids = new String[n];
		String[] users = new String[n];
		byte[][] folds = new byte[n][];
		byte[][] documents = new byte[n][];
		for (int i = 0; i < n; i++) {
			EntityRecord r = records.get(i);
			types[i] = r.type();
			ids[i] = r.entityId();
			users[i] = r.userId();
			folds[i] = r.fold();
			documents[i] = r.document();
		}
		PgBlobs f = PgBlobs.of(folds);
		PgBlobs d = PgBlobs.of(documents);
		return new Object[] { types, ids, users, f.offsets(), f.lengths(), f.all(), d.offsets(), d.lengths(), d.all() };
	}

	private static Mono<Long> upsert(Connection c, List<EntityRecord> records) {
		return records.isEmpty() ? Mono.just(0L) : PgSql.update(c, UPSERT, rows(records));
	}

	/**
	 * Merges the incoming folds with the rows already there, under their locks, and inserts the rest; the keys some
	 * other transaction inserted meanwhile go round again (now locked as existing rows).
	 */
	private static Mono<Void> merge(Connection c, List<EntityRecord> records, BinaryOperator<EntityRecord> merge) {
		if (records.isEmpty()) {
			return Mono.empty();
		}
		String[] types = new String[records.size()];
		String[] ids = new String[records.size()];
		for (int i = 0; i < types.length; i++) {
			types[i] = records.get(i).type();
			ids[i] = records.get(i).entityId();
		}
		return PgSql.query(c, LOCK, PgProjectionStore::record, types, ids)
				.collectMap(r -> new Key(r.type(), r.entityId()))
				.flatMap(saved -> {
					List<EntityRecord> merged = new ArrayList<>();
					List<EntityRecord> fresh = new ArrayList<>();
					for (EntityRecord r : records) {
						EntityRecord there = saved.get(new Key(r.type(), r.entityId()));
						if (there == null) {
							fresh.add(r);
						}
						else {
							merged.add(merge.apply(there, r));
						}
					}
					Mono<Long> update = merged.isEmpty() ? Mono.just(0L) : PgSql.update(c, UPDATE, rows(merged));
					return update.then(fresh.isEmpty() ? Mono.empty()
							: PgSql.query(c, INSERT_NEW, row -> new Key(row.get(0, String.class), row.get(1, String.class)),
									rows(fresh))
									.collect(java.util.stream.Collectors.toSet())
									.flatMap(inserted -> {
										List<EntityRecord> raced = new ArrayList<>();
										for (EntityRecord r : fresh) {
											if (!inserted.contains(new Key(r.type(), r.entityId()))) {
												raced.add(r);
											}
										}
										return merge(c, raced, merge);
									}));
				});
	}

	private static Mono<Long> recordConflicts(Connection c, List<Conflict> conflicts) {
		if (conflicts.isEmpty()) {
			return Mono.just(0L);
		}
		Map<java.util.UUID, Conflict> once = new LinkedHashMap<>();
		for (Conflict conflict : conflicts) {
			once.putIfAbsent(conflict.incoming().id(), conflict);
		}
		int n = once.size();
		java.util.UUID[] ids = new java.util.UUID[n];
		String[] types = new String[n];
		Long[] positions = new Long[n];
		String[] incomingUsers = new String[n];
		String[] headUsers = new String[n];
		byte[][] bodies = new byte[n][];
		int i = 0;
		for (Conflict conflict : once.values()) {
			ids[i] = conflict.incoming().id();
			types[i] = conflict.type();
			positions[i] = conflict.incoming().position();
			incomingUsers[i] = conflict.incoming().userId();
			headUsers[i] = conflict.head().userId();
			bodies[i++] = EventCodec.encodeConflict(conflict);
		}
		PgBlobs blobs = PgBlobs.of(bodies);
		return PgSql.update(c, CONFLICTS, ids, types, positions, incomingUsers, headUsers, blobs.offsets(), blobs.lengths(),
				blobs.all());
	}

	@Override
	public Flux<Conflict> conflicts(@Nullable String type, long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return executor.read(c -> type == null
				? PgSql.query(c, "SELECT body FROM tributary_conflict WHERE incoming_position > $1 "
						+ "ORDER BY incoming_position, incoming_id LIMIT $2", PgProjectionStore::conflict, afterPosition, limit)
				: PgSql.query(c, "SELECT body FROM tributary_conflict WHERE entity_type = $1 AND incoming_position > $2 "
						+ "ORDER BY incoming_position, incoming_id LIMIT $3", PgProjectionStore::conflict, type, afterPosition,
						limit));
	}

	private static Conflict conflict(Readable row) {
		return EventCodec.decodeConflict(row.get(0, byte[].class));
	}

	/**
	 * Discards the saved projection (every fold, every node's checkpoint) and, for an erase, the user's conflicts.
	 * Runs in the caller's transaction.
	 */
	static Mono<Void> discard(Connection c, @Nullable String erasedUser) {
		Mono<Long> conflicts = erasedUser == null ? Mono.just(0L)
				: PgSql.update(c, "DELETE FROM tributary_conflict WHERE incoming_user_id = $1 OR head_user_id = $1",
						erasedUser);
		return PgSql.update(c, "DELETE FROM tributary_entity")
				.then(PgSql.update(c, "DELETE FROM tributary_checkpoint"))
				.then(conflicts)
				.then();
	}
}
