package io.tributary.spi;

import java.util.List;

import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import reactor.core.publisher.Mono;

/**
 * What the peer protocol, the HTTP API and clients need of an engine beyond its public face: peer events whose
 * payloads were already checked, and the dead letters of its storage. Obtained explicitly with
 * {@link #of(SyncEngine)}, so an application working with {@link SyncEngine} never meets these types.
 */
public interface EngineAdmin {

	/**
	 * The admin face of an engine opened by {@code SyncEngine.builder()}.
	 *
	 * @param engine the engine
	 * @return its admin face
	 * @throws IllegalArgumentException when the engine has none (an implementation of another origin)
	 */
	static EngineAdmin of(SyncEngine engine) {
		if (engine instanceof EngineAdmin admin) {
			return admin;
		}
		throw new IllegalArgumentException(engine.getClass().getName() + " has no EngineAdmin face");
	}

	/**
	 * Applies events from a peer as {@link SyncEngine#apply(List)} does, for a caller that has already checked
	 * each payload with {@link Limits#checkPayload(com.fasterxml.jackson.core.JsonParser)} (one well-formed JSON
	 * object within the payload limits): the peer protocol's frame decoder checks that while it slices payloads
	 * out of a frame, and this spares the second pass over every payload. Every other check is made. A caller that
	 * has not checked the payloads must use {@link SyncEngine#apply(List)}: what is passed here is stored as it is.
	 *
	 * @param events events in any order, their payloads checked
	 * @return counts of what happened
	 */
	Mono<SyncEngine.ApplyResult> applyChecked(List<Event> events);

	/**
	 * The dead letters of this engine's storage: its events an upstream refused permanently (see
	 * {@code docs/CLIENT.md}).
	 *
	 * @return the storage's dead-letter store
	 */
	DeadLetterStore deadLetters();

	/**
	 * Keeps an event that a peer or an upstream refused permanently, or that could not be sent at all, as a
	 * dead letter: stores it durably (replacing one held for the same address), counts it in
	 * {@code tributary.dead.letters} and emits {@link SyncSignal.DeadLettered}. Cold.
	 *
	 * @param letter the dead letter
	 * @return completes when it is stored
	 */
	Mono<Void> deadLetter(DeadLetter letter);
}
