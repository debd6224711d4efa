package io.tributary.spi;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.jspecify.annotations.Nullable;

/**
 * Durable dead letters of one replica: its events an upstream refused permanently, addressed by the
 * event's {@code (origin, originSeq)}. Reached through {@link Storage#deadLetters()}.
 * <p>
 * Publishers are cold. Implementations: the in-memory store of the engine module and the H2 store of the
 * storage module; both pass {@code StorageContract}.
 */
public interface DeadLetterStore {

	/**
	 * Stores a dead letter durably. Storing one for an address already held replaces it (a rejection
	 * received again after a retry is recorded once).
	 *
	 * @param letter the dead letter
	 * @return completes when durable
	 */
	Mono<Void> put(DeadLetter letter);

	/**
	 * The dead letters, oldest rejection first (ties by origin and sequence).
	 *
	 * @param limit most to emit, at least 1
	 * @return the dead letters
	 */
	Flux<DeadLetter> list(int limit);

	/**
	 * A page of the dead letters in the order of their addresses (origin, then sequence), optionally one
	 * user's only. The address is the cursor: pages read by passing the last letter's
	 * {@code (event().origin(), event().originSeq())} back hold every letter held before the first page was read,
	 * and not deleted since, exactly once.
	 *
	 * @param userId only the letters of this user's events ({@link io.tributary.Event#userId()}); {@code null}
	 *        for every letter
	 * @param afterOrigin the origin of the exclusive cursor, {@code null} for the first page
	 * @param afterSeq the sequence of the exclusive cursor, ignored for the first page
	 * @param limit most to emit, at least 1
	 * @return the dead letters; cold
	 */
	Flux<DeadLetter> list(@Nullable String userId, @Nullable String afterOrigin, long afterSeq, int limit);

	/**
	 * One dead letter by its event's address.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return the dead letter, empty when none is held
	 */
	Mono<DeadLetter> get(String origin, long originSeq);

	/**
	 * Deletes a dead letter.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return whether one was deleted
	 */
	Mono<Boolean> delete(String origin, long originSeq);

	/**
	 * How many dead letters are held.
	 *
	 * @return the count
	 */
	Mono<Long> count();
}
