package io.tributary.transport;

import io.tributary.VersionVector;

/**
 * The outcome of one explicit sync with a peer ({@link PeerDirectory#syncNow(String)}).
 *
 * @param peer the peer's {@code host:port}
 * @param ok whether both sides hold each other's events at the end
 * @param sent events sent to the peer
 * @param received events received from the peer
 * @param localVector this node's vector at the end
 * @param remoteVector the peer's vector at the end
 * @param millis how long it took
 * @param error why it failed, {@code null} when ok
 */
public record SyncReport(String peer, boolean ok, long sent, long received, VersionVector localVector,
		VersionVector remoteVector, long millis, String error) {
}
