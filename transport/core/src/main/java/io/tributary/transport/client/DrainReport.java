package io.tributary.transport.client;

import io.tributary.VersionVector;

/**
 * The outcome of one outsync drain.
 *
 * @param pushed local events the upstream acknowledged (refused ones included)
 * @param rejected local events the upstream refused permanently (now dead letters)
 * @param pending local events the upstream still lacks after the drain
 * @param upstream the upstream's vector at the end
 * @param stoppedOnRejection whether the drain stopped early on a refused event ({@link SyncClient.OnError#STOP})
 */
public record DrainReport(long pushed, long rejected, long pending, VersionVector upstream,
		boolean stoppedOnRejection) {
}
