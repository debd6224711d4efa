package io.tributary.transport.peer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.tributary.VersionVector;
import io.tributary.transport.PeerStatus;

/**
 * The live state of one peer link (an outbound connector or an inbound connection), updated by its
 * sessions. Thread-safe.
 */
public final class PeerLink {

	private final String address;
	private final String direction;
	private final AtomicLong sent = new AtomicLong();
	private final AtomicLong received = new AtomicLong();
	private final AtomicReference<VersionVector> vector = new AtomicReference<>(VersionVector.empty());
	private volatile String nodeId;
	private volatile boolean connected;
	private volatile String lastError;

	/**
	 * A link.
	 *
	 * @param address the peer's address
	 * @param direction {@code outbound} or {@code inbound}
	 */
	public PeerLink(String address, String direction) {
		this.address = address;
		this.direction = direction;
	}

	/**
	 * The peer's address.
	 *
	 * @return {@code host:port}
	 */
	public String address() {
		return address;
	}

	void connected(String peerNodeId, VersionVector peerVector) {
		this.nodeId = peerNodeId;
		this.connected = true;
		this.lastError = null;
		acked(peerVector);
	}

	void disconnected(Throwable error) {
		this.connected = false;
		if (error != null) {
			this.lastError = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
		}
	}

	void acked(VersionVector v) {
		vector.accumulateAndGet(v, VersionVector::merge);
	}

	void sent(int events) {
		sent.addAndGet(events);
	}

	void received(int events) {
		received.addAndGet(events);
	}

	/**
	 * Whether a session is up.
	 *
	 * @return true when connected
	 */
	public boolean isConnected() {
		return connected;
	}

	/**
	 * The peer's vector as last known.
	 *
	 * @return the vector
	 */
	public VersionVector vector() {
		return vector.get();
	}

	/**
	 * A snapshot for the API.
	 *
	 * @return the status
	 */
	public PeerStatus status() {
		return new PeerStatus(address, nodeId, direction, connected, vector.get(), sent.get(), received.get(), lastError);
	}
}
