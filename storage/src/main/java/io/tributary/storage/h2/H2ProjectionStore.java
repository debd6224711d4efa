package io.tributary.storage.h2;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.tributary.Conflict;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.EventCodec;
import io.tributary.spi.ProjectionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Entity folds, conflicts and the projection checkpoint on H2, saved in one transaction.
 */
final class H2ProjectionStore implements ProjectionStore {

	static final String CHECKPOINT = "projection.checkpoint";

	private static final String MERGE_ENTITIES = "MERGE INTO tributary_entity (entity_key, user_id, fold) KEY (entity_key) "
			+ "SELECT * FROM UNNEST(CAST($1 AS VARBINARY(4096) ARRAY), CAST($2 AS VARBINARY(1024) ARRAY), "
			+ "CAST($3 AS VARBINARY(1000000000) ARRAY))";
	private static final String MERGE_CONFLICT = "MERGE INTO tributary_conflict (incoming_id, entity_type, incoming_position, body) "
			+ "KEY (incoming_id) VALUES ($1, $2, $3, $4)";

	private static final byte[] NO_USER = new byte[0];

	private final H2Executor executor;

	H2ProjectionStore(H2Executor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<Long> checkpoint() {
		return H2Storage.meta(executor, CHECKPOINT).map(Long::parseLong).defaultIfEmpty(0L);
	}

	@Override
	public Flux<EntityRecord> entities() {
		return executor.read(c -> Flux.from(c.createStatement("SELECT entity_key, user_id, fold FROM tributary_entity")
				.execute())
				.flatMap(r -> r.map((row, meta) -> {
					byte[] key = row.get(0, byte[].class);
					byte[] user = row.get(1, byte[].class);
					int sep = indexOf(key, (byte) 0);
					return new EntityRecord(new String(key, 0, sep, StandardCharsets.UTF_8),
							new String(key, sep + 1, key.length - sep - 1, StandardCharsets.UTF_8),
							user == null || user.length == 0 ? null : new String(user, StandardCharsets.UTF_8), row.get(2, byte[].class));
				})));
	}

	private static int indexOf(byte[] bytes, byte b) {
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == b) {
				return i;
			}
		}
		throw new IllegalStateException("entity key without separator");
	}

	static byte[] key(String type, String entityId) {
		byte[] t = type.getBytes(StandardCharsets.UTF_8);
		byte[] id = entityId.getBytes(StandardCharsets.UTF_8);
		byte[] key = new byte[t.length + 1 + id.length];
		System.arraycopy(t, 0, key, 0, t.length);
		System.arraycopy(id, 0, key, t.length + 1, id.length);
		return key;
	}

	@Override
	public Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts) {
		return executor.inTransaction(c -> {
			Mono<Long> merge = Mono.just(0L);
			if (!entities.isEmpty()) {
				int n = entities.size();
				byte[][] keys = new byte[n][];
				byte[][] users = new byte[n][];
				byte[][] folds = new byte[n][];
				for (int i = 0; i < n; i++) {
					EntityRecord r = entities.get(i);
					keys[i] = key(r.type(), r.entityId());
					// r2dbc-h2 cannot bind a null array element: no owner is stored as zero bytes
					users[i] = r.userId() == null ? NO_USER : r.userId().getBytes(StandardCharsets.UTF_8);
					folds[i] = r.fold();
				}
				merge = Flux.from(c.createStatement(MERGE_ENTITIES).bind(0, keys).bind(1, users).bind(2, folds).execute())
						.flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
			}
			Mono<Long> recordConflicts = Flux.fromIterable(conflicts)
					.concatMap(conflict -> {
						Statement s = c.createStatement(MERGE_CONFLICT)
								.bind(0, conflict.incoming().id())
								.bind(1, conflict.type())
								.bind(2, conflict.incoming().position())
								.bind(3, EventCodec.encodeConflict(conflict));
						return Flux.from(s.execute()).flatMap(Result::getRowsUpdated);
					})
					.reduce(0L, Long::sum);
			return merge.then(recordConflicts)
					.then(H2Storage.putMeta(c, CHECKPOINT, Long.toString(checkpoint)))
					.thenReturn(Boolean.TRUE);
		}).then();
	}

	@Override
	public Flux<Conflict> conflicts(String type, int limit) {
		return executor.read(c -> {
			Statement s = type == null
					? c.createStatement("SELECT body FROM tributary_conflict ORDER BY incoming_position, incoming_id LIMIT $1")
							.bind(0, limit)
					: c.createStatement("SELECT body FROM tributary_conflict WHERE entity_type = $1 "
							+ "ORDER BY incoming_position, incoming_id LIMIT $2").bind(0, type).bind(1, limit);
			return Flux.from(s.execute()).flatMap(r -> r.map((row, meta) -> EventCodec.decodeConflict(row.get(0, byte[].class))));
		});
	}
}
