package io.tributary.storage.h2;

import java.time.Instant;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.tributary.spi.IdempotencyRecord;
import io.tributary.spi.IdempotencyStore;
import reactor.core.publisher.Mono;

/**
 * Idempotency keys on H2 ({@code tributary_idempotency_key}). Writes run on the checkpoint connection, beside
 * the event appends and never in their transaction, one at a time (so a save's look and its write are one
 * step); a save is acknowledged once H2 stored it. Reads run on the reader thread.
 */
final class H2IdempotencyStore implements IdempotencyStore {

	private static final String COLUMNS = "scope, idem_key, request_hash, status, response, created_at";
	private static final String SELECT = "SELECT " + COLUMNS + " FROM tributary_idempotency_key "
			+ "WHERE scope = $1 AND idem_key = $2";

	private final H2Executor executor;

	H2IdempotencyStore(H2Executor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<IdempotencyRecord> find(String scope, String key) {
		return executor.read(c -> select(c, scope, key).flux()).next();
	}

	@Override
	public Mono<IdempotencyRecord> save(IdempotencyRecord record, Instant replaceBefore) {
		return executor.inStoredCheckpointTransaction(c -> select(c, record.scope(), record.key())
				.filter(held -> !held.createdAt().isBefore(replaceBefore))
				.switchIfEmpty(Mono.defer(() -> Sql.update(c, "MERGE INTO tributary_idempotency_key (" + COLUMNS
						+ ") KEY (scope, idem_key) VALUES ($1, $2, $3, $4, $5, $6)", record.scope(), record.key(),
						record.requestHash(), record.status(), record.response(), record.createdAt().toEpochMilli())
						.thenReturn(record))));
	}

	@Override
	public Mono<Long> purge(Instant createdBefore) {
		// a purge lost in a crash is done again by the next one: no need to wait for H2 to store it
		return executor.inCheckpointTransaction(c -> Sql.update(c,
				"DELETE FROM tributary_idempotency_key WHERE created_at < $1", createdBefore.toEpochMilli()));
	}

	private static Mono<IdempotencyRecord> select(Connection c, String scope, String key) {
		return Sql.query(c, SELECT, H2IdempotencyStore::record, scope, key).next();
	}

	private static IdempotencyRecord record(Readable row) {
		return new IdempotencyRecord(row.get(0, String.class), row.get(1, String.class), row.get(2, byte[].class),
				row.get(3, Integer.class), row.get(4, byte[].class), Instant.ofEpochMilli(row.get(5, Long.class)));
	}
}
