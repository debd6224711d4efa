package io.tributary.transport;

import java.time.Instant;

import io.tributary.VersionVector;
import org.jspecify.annotations.Nullable;

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
 * @param since when the link was last connected or disconnected (when it was created, before either)
 * @param bytesSent peer-protocol bytes sent on the link, frames with their length prefix
 * @param bytesReceived peer-protocol bytes received on the link
 * @param lastErrorAt when the last error happened, {@code null} when none
 * @param lagEvents events this node holds that the peer is not known to hold (this node's vector minus the
 *        peer's, summed over origins)
 * @param behindEvents events the peer is known to hold that this node lacks (the peer's vector minus this
 *        node's)
 * @param laggingSince since when {@code lagEvents} has been above 0 without a break, {@code null} while the
 *        peer holds everything this node holds
 */
public record PeerStatus(String address, @Nullable String nodeId, String direction, boolean connected,
		VersionVector vector, long eventsSent, long eventsReceived, @Nullable String lastError, Instant since,
		long bytesSent, long bytesReceived, @Nullable Instant lastErrorAt, long lagEvents, long behindEvents,
		@Nullable Instant laggingSince) {

	/**
	 * A status with only what a link's sessions report (no byte counts, no lag), for directories that keep no
	 * more.
	 *
	 * @param address the peer's address
	 * @param nodeId its node id, {@code null} before the handshake
	 * @param direction {@code outbound} or {@code inbound}
	 * @param connected whether a session is established now
	 * @param vector the peer's vector as last acknowledged
	 * @param eventsSent events sent
	 * @param eventsReceived events received
	 * @param lastError the last error, {@code null} when none
	 */
	public PeerStatus(String address, @Nullable String nodeId, String direction, boolean connected,
			VersionVector vector, long eventsSent, long eventsReceived, @Nullable String lastError) {
		this(address, nodeId, direction, connected, vector, eventsSent, eventsReceived, lastError, Instant.EPOCH, 0, 0,
				null, 0, 0, null);
	}

	/**
	 * How long the peer has lagged behind this node.
	 *
	 * @param now the time now
	 * @return seconds since {@link #laggingSince()}, 0 while the peer is caught up
	 */
	public double lagSeconds(Instant now) {
		return laggingSince == null ? 0 : Math.max(0, now.toEpochMilli() - laggingSince.toEpochMilli()) / 1000.0;
	}
}
