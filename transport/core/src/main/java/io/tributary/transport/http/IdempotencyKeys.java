package io.tributary.transport.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.spi.IdempotencyRecord;
import io.tributary.spi.IdempotencyStore;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code Idempotency-Key} header of {@code POST /api/changes}: per principal and key, the first successful
 * answer is kept ({@link IdempotencyStore}) and sent again for a retry with the same body; the same key with
 * another body is refused with 422. Requests of one key run one at a time in this process, so a retry that
 * arrives while the first request still runs waits for its answer.
 * <p>
 * The keep is a cache of the answer: the changes of a keyed request get ids derived from the key (see
 * {@link #changeId}), so a retry after a crash between their commit and the keeping of the answer is still
 * answered with the changes stored the first time, by the engine's check of ids.
 */
final class IdempotencyKeys {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);

	/** The request header. */
	static final String HEADER = "Idempotency-Key";

	/** The response header that marks an answer sent again. */
	static final String REPLAYED = "Idempotent-Replayed";

	/** The longest pause between two purges of expired keys. */
	private static final Duration MAX_PURGE_INTERVAL = Duration.ofHours(1);

	private final IdempotencyStore store;
	private final Duration retention;
	private final Clock clock;
	private final Map<String, Sinks.Empty<Void>> running = new ConcurrentHashMap<>();

	IdempotencyKeys(IdempotencyStore store, Duration retention, Clock clock) {
		this.store = store;
		this.retention = retention;
		this.clock = clock;
	}

	/** An answer of the endpoint: status, JSON body and extra headers. */
	record Answer(HttpResponseStatus status, byte[] body, Map<String, String> headers) {
	}

	/**
	 * Checks a key as sent: 1 to 255 visible ASCII characters.
	 *
	 * @throws ApiException 400 otherwise
	 */
	static String requireKey(String key) {
		boolean ok = !key.isEmpty() && key.length() <= IdempotencyRecord.MAX_KEY_LENGTH;
		for (int i = 0; ok && i < key.length(); i++) {
			char c = key.charAt(i);
			ok = c > 0x20 && c < 0x7f;
		}
		if (!ok) {
			throw ApiException.badRequest("invalid_idempotency_key", "header " + HEADER + " must be 1 to "
					+ IdempotencyRecord.MAX_KEY_LENGTH + " visible ASCII characters (such as a UUID), was '"
					+ Exchange.abbreviate(key) + "'");
		}
		return key;
	}

	/** The principal a key belongs to: keys of different principals never meet. */
	static String scope(String user) {
		return user == null ? "" : "user:" + user;
	}

	/**
	 * The id of the change at an index of a keyed request that carries none: a name-based UUID of the scope, the
	 * key, the body's digest and the index, so that a retry of the request writes the same ids, and a key taken
	 * again after it expired, for another body, writes other ones.
	 */
	static UUID changeId(String scope, String key, byte[] hash, int index) {
		return UUID.nameUUIDFromBytes((scope + '\u0000' + key + '\u0000' + java.util.HexFormat.of().formatHex(hash)
				+ '\u0000' + index).getBytes(StandardCharsets.UTF_8));
	}

	/** A digest of a request body. */
	static byte[] digest(byte[] body) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(body);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
	}

	/**
	 * Answers a keyed request: the kept answer when the key is live and the body the same, a 422 when the body
	 * differs, else the work's answer, kept when it is a success (2xx). Cold.
	 *
	 * @param scope the principal
	 * @param key the key
	 * @param hash the request body's {@link #digest}
	 * @param work what the request does without a kept answer
	 * @return the answer
	 */
	Mono<Answer> answer(String scope, String key, byte[] hash, Supplier<Mono<Answer>> work) {
		return Mono.defer(() -> {
			String name = scope + '\u0000' + key;
			Sinks.Empty<Void> mine = Sinks.empty();
			Sinks.Empty<Void> other = running.putIfAbsent(name, mine);
			if (other != null) {
				// the same key is being answered now: wait for it, then look again
				return other.asMono().then(Mono.defer(() -> answer(scope, key, hash, work)));
			}
			return Mono.usingWhen(Mono.just(mine), m -> lookThenRun(scope, key, hash, work),
					m -> release(name, m), (m, e) -> release(name, m), m -> release(name, m));
		});
	}

	private Mono<Void> release(String name, Sinks.Empty<Void> mine) {
		return Mono.fromRunnable(() -> {
			running.remove(name, mine);
			Sinks.EmitResult r = mine.tryEmitEmpty();
			if (r.isFailure()) {
				log.warn("idempotency key release not signalled: {}", r);
			}
		});
	}

	private Mono<Answer> lookThenRun(String scope, String key, byte[] hash, Supplier<Mono<Answer>> work) {
		Instant now = clock.instant();
		Instant expired = now.minus(retention);
		return store.find(scope, key)
				.filter(r -> !r.createdAt().isBefore(expired))
				.map(r -> replay(r, key, hash))
				.switchIfEmpty(Mono.defer(work).flatMap(answer -> !answer.status().codeClass().equals(
						io.netty.handler.codec.http.HttpStatusClass.SUCCESS) ? Mono.just(answer) : keep(scope, key, hash,
								answer, expired)));
	}

	/**
	 * Keeps a success. When that fails the changes are stored all the same, so the client still gets its
	 * answer; a retry then runs again and is answered with the same changes by their derived ids.
	 */
	private Mono<Answer> keep(String scope, String key, byte[] hash, Answer answer, Instant expired) {
		return store.save(new IdempotencyRecord(scope, key, hash, answer.status().code(), answer.body(), clock.instant()),
				expired)
				.thenReturn(answer)
				.onErrorResume(e -> {
					log.warn("the answer for idempotency key '{}' was not kept; a retry is answered by the ids of its "
							+ "changes", Exchange.abbreviate(key), e);
					return Mono.just(answer);
				});
	}

	private static Answer replay(IdempotencyRecord r, String key, byte[] hash) {
		if (!r.sameRequest(hash)) {
			throw new ApiException(HttpResponseStatus.UNPROCESSABLE_ENTITY, "idempotency_key_reused",
					"header " + HEADER + " '" + Exchange.abbreviate(key) + "' was sent before with another body; "
							+ "a retry must send the same body, a new request needs a new key; nothing was stored");
		}
		return new Answer(HttpResponseStatus.valueOf(r.status()), r.response(), Map.of(REPLAYED, "true"));
	}

	/**
	 * Starts the purge of expired keys: every retention time, at most every hour, on a timer thread (the store
	 * runs it on its own threads, beside the event appends). A failed purge is logged; the next one tries again.
	 *
	 * @return the ticker, to dispose with the server
	 */
	Disposable startPurging() {
		Duration every = retention.compareTo(MAX_PURGE_INTERVAL) < 0 ? retention : MAX_PURGE_INTERVAL;
		return Flux.interval(every, every, Schedulers.parallel())
				.onBackpressureDrop()
				.concatMap(tick -> Mono.defer(() -> store.purge(clock.instant().minus(retention)))
						.doOnNext(n -> {
							if (n > 0) {
								log.debug("purged {} expired idempotency keys", n);
							}
						})
						.onErrorResume(e -> {
							log.warn("purging expired idempotency keys failed; the next purge tries again", e);
							return Mono.empty();
						}), 1)
				.subscribe();
	}

	/**
	 * Purges the expired keys now.
	 *
	 * @return how many were deleted
	 */
	Mono<Long> purge() {
		return Mono.defer(() -> store.purge(clock.instant().minus(retention)));
	}
}
