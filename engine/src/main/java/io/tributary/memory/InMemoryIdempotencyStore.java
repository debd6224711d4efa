package io.tributary.memory;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import io.tributary.spi.IdempotencyRecord;
import io.tributary.spi.IdempotencyStore;
import reactor.core.publisher.Mono;

/**
 * Idempotency keys held in memory: for {@link InMemoryStorage}, and for an HTTP API whose storage keeps none.
 * Nothing survives the JVM. Thread-safe; every call completes synchronously on the subscribing thread.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

	private final Map<String, IdempotencyRecord> records = new HashMap<>();

	/**
	 * An empty store.
	 */
	public InMemoryIdempotencyStore() {
	}

	private static String id(String scope, String key) {
		return scope + '\u0000' + key;
	}

	@Override
	public Mono<IdempotencyRecord> find(String scope, String key) {
		return Mono.fromCallable(() -> {
			synchronized (records) {
				return records.get(id(scope, key));
			}
		});
	}

	@Override
	public Mono<IdempotencyRecord> save(IdempotencyRecord record, Instant replaceBefore) {
		return Mono.fromCallable(() -> {
			synchronized (records) {
				return records.merge(id(record.scope(), record.key()), record,
						(held, offered) -> held.createdAt().isBefore(replaceBefore) ? offered : held);
			}
		});
	}

	@Override
	public Mono<Long> purge(Instant createdBefore) {
		return Mono.fromCallable(() -> {
			synchronized (records) {
				int before = records.size();
				records.values().removeIf(r -> r.createdAt().isBefore(createdBefore));
				return (long) (before - records.size());
			}
		});
	}
}
