package io.tributary.transport.client;

import java.time.Instant;
import java.util.Set;

import io.tributary.VersionVector;
import org.jspecify.annotations.Nullable;

/**
 * A client's sync status at one moment.
 *
 * @param upstream the upstream's {@code host:port}
 * @param pending local events the upstream is not known to hold: this replica's own sequence minus the
 *        upstream's vector entry for it
 * @param lastOutsync when the last drain completed, {@code null} before the first
 * @param lastDownsync when the last pull completed, {@code null} before the first
 * @param upstreamVector the upstream's vector as last heard
 * @param lastError the last failure, {@code null} when the last operation succeeded
 * @param authRequired whether the upstream refused the token and a new one is awaited
 * @param syncedTypes the entity types pulled, {@code null} for all
 * @param deadLetters dead letters held
 */
public record SyncStatus(String upstream, long pending, @Nullable Instant lastOutsync, @Nullable Instant lastDownsync,
		VersionVector upstreamVector, @Nullable String lastError, boolean authRequired, @Nullable Set<String> syncedTypes,
		long deadLetters) {
}
