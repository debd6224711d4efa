package io.tributary.storage.postgres;

import java.time.Instant;

import io.r2dbc.spi.Readable;
import io.tributary.spi.IdempotencyRecord;
import io.tributary.spi.IdempotencyStore;
import reactor.core.publisher.Mono;

/**
 * Idempotency keys on PostgreSQL ({@code tributary_idempotency_key}). A save is one statement: it inserts the record,
 * or replaces an expired one, and otherwise returns the live record already held, so that two nodes saving one key at
 * once keep the first answer.
 */
final class PgIdempotencyStore implements IdempotencyStore {

	private static final String COLUMNS = "scope, idem_key, request_hash, status, response, created_at";

	private final PgExecutor executor;

	PgIdempotencyStore(PgExecutor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<IdempotencyRecord> find(String scope, String key) {
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_idempotency_key WHERE scope = $1 AND idem_key = $2", PgIdempotencyStore::record, scope,
				key)).next();
	}

	@Override
	public Mono<IdempotencyRecord> save(IdempotencyRecord record, Instant replaceBefore) {
		// the upsert replaces only an expired row and returns the row written; when a live one is held nothing is
		// written, and the second statement (same transaction, after the row's lock was waited for) returns it
		return executor.inTransaction(c -> PgSql.query(c, "INSERT INTO tributary_idempotency_key (" + COLUMNS
				+ ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = "
				+ "EXCLUDED.request_hash, status = EXCLUDED.status, response = EXCLUDED.response, created_at = "
				+ "EXCLUDED.created_at WHERE tributary_idempotency_key.created_at < $7 RETURNING " + COLUMNS,
				PgIdempotencyStore::record, record.scope(), record.key(), record.requestHash(), record.status(),
				record.response(), record.createdAt().toEpochMilli(), replaceBefore.toEpochMilli())
				.next()
				.switchIfEmpty(Mono.defer(() -> PgSql.query(c, "SELECT " + COLUMNS
						+ " FROM tributary_idempotency_key WHERE scope = $1 AND idem_key = $2", PgIdempotencyStore::record,
						record.scope(), record.key()).next())));
	}

	@Override
	public Mono<Long> purge(Instant createdBefore) {
		return executor.inTransaction(c -> PgSql.update(c, "DELETE FROM tributary_idempotency_key WHERE created_at < $1",
				createdBefore.toEpochMilli()));
	}

	private static IdempotencyRecord record(Readable row) {
		return new IdempotencyRecord(row.get(0, String.class), row.get(1, String.class), row.get(2, byte[].class),
				row.get(3, Integer.class), row.get(4, byte[].class), Instant.ofEpochMilli(row.get(5, Long.class)));
	}
}
