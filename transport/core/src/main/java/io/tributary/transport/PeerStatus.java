package io.tributary.transport;

import io.tributary.VersionVector;

/**
 * What a node knows of one configured or connected peer.
 *
 * @param address the peer's {@code host:port}, or the remote address of an inbound connection
 * @param nodeId the peer's node id once the handshake is done, {@code null} before
 * @param direction {@code outbound} (this node dials) or {@code inbound} (the peer dialled)
 * @param connected whether a session is established now
 * @param vector the peer's vector as last acknowledged
 * @param eventsSent events sent to the peer since this node started
 * @param eventsReceived events received from the peer since this node started
 * @param lastError the last connection error, {@code null} when none
 */
public record PeerStatus(String address, String nodeId, String direction, boolean connected, VersionVector vector,
		long eventsSent, long eventsReceived, String lastError) {
}
