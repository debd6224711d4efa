package io.tributary.transport.client;

import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;

import io.tributary.VersionVector;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What a {@link SyncClient} knows between its calls, as one value: the client swaps it whole (compare-and-set), so
 * a reader (a session asking for the token, {@link SyncClient#status()}) never sees the halves of two updates, such
 * as a new user's token with the last user's refusal.
 *
 * @param tokens supplies the token of each session; an empty {@code Mono} means none
 * @param types the entity types pulled, {@code null} for all
 * @param upstreamVector what the upstream is known to hold
 * @param lastOutsync when an outsync last succeeded, {@code null} before
 * @param lastDownsync when a downsync last succeeded, {@code null} before
 * @param lastError the last failure, {@code null} after a success
 * @param authRequired whether the upstream refused the token, until a new one is given
 */
record ClientState(Supplier<Mono<String>> tokens, @Nullable Set<String> types, VersionVector upstreamVector,
		@Nullable Instant lastOutsync, @Nullable Instant lastDownsync, @Nullable String lastError, boolean authRequired) {

	/** The state of a new client. */
	static ClientState initial(Supplier<Mono<String>> tokens, @Nullable Set<String> types) {
		return new ClientState(tokens, types == null ? null : Set.copyOf(types), VersionVector.empty(), null, null, null,
				false);
	}

	/** With another token supplier. */
	ClientState withTokens(Supplier<Mono<String>> supplier) {
		return new ClientState(supplier, types, upstreamVector, lastOutsync, lastDownsync, lastError, authRequired);
	}

	/** With a new token that the upstream has not refused yet. */
	ClientState withNewToken(Supplier<Mono<String>> supplier) {
		return new ClientState(supplier, types, upstreamVector, lastOutsync, lastDownsync, lastError, false);
	}

	/** After a logout: no token, no refusal, no error. */
	ClientState loggedOut() {
		return new ClientState(Mono::empty, types, upstreamVector, lastOutsync, lastDownsync, null, false);
	}

	/** With other types pulled. */
	ClientState withTypes(Set<String> value) {
		return new ClientState(tokens, value, upstreamVector, lastOutsync, lastDownsync, lastError, authRequired);
	}

	/** Having heard that the upstream holds {@code vector}. */
	ClientState heard(VersionVector vector) {
		return new ClientState(tokens, types, upstreamVector.merge(vector), lastOutsync, lastDownsync, lastError,
				authRequired);
	}

	/** After an outsync that succeeded at {@code at}. */
	ClientState outsynced(Instant at) {
		return new ClientState(tokens, types, upstreamVector, at, lastDownsync, null, authRequired);
	}

	/** After a downsync that succeeded at {@code at}. */
	ClientState downsynced(Instant at) {
		return new ClientState(tokens, types, upstreamVector, lastOutsync, at, null, authRequired);
	}

	/** After a failure; {@code refused} when the upstream refused the token. */
	ClientState failed(String error, boolean refused) {
		return new ClientState(tokens, types, upstreamVector, lastOutsync, lastDownsync, error, authRequired || refused);
	}
}
