package io.tributary.spi;

import java.time.Instant;

import reactor.core.publisher.Mono;

/**
 * Durable idempotency keys of one replica: per principal and key, the answer to the first request sent with
 * it ({@link IdempotencyRecord}). Reached through {@link Storage#idempotencyKeys()}.
 * <p>
 * Publishers are cold. Implementations: the in-memory store of the engine module and the H2 store of the
 * storage module; both pass {@code StorageContract}. Keys live beside the event log, never in it: they are
 * this replica's answers to its clients, not data to replicate.
 */
public interface IdempotencyStore {

	/**
	 * The record of a key, expired or not.
	 *
	 * @param scope the principal
	 * @param key the key
	 * @return the record, empty when none is held
	 */
	Mono<IdempotencyRecord> find(String scope, String key);

	/**
	 * Keeps a record durably unless one is held for its scope and key that was created at or after
	 * {@code replaceBefore} (a live one): the first answer wins. An expired one (created before
	 * {@code replaceBefore}) is replaced.
	 *
	 * @param record the record
	 * @param replaceBefore records of the key created before this instant are expired
	 * @return the record held once durable: {@code record}, or the live one kept before it
	 */
	Mono<IdempotencyRecord> save(IdempotencyRecord record, Instant replaceBefore);

	/**
	 * Deletes the records created before an instant.
	 *
	 * @param createdBefore exclusive bound
	 * @return how many were deleted
	 */
	Mono<Long> purge(Instant createdBefore);
}
