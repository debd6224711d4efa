package io.tributary.transport.peer;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.tributary.VersionVector;
import io.tributary.transport.PeerStatus;

/**
 * The live state of one peer link (an outbound connector or an inbound connection), updated by its
 * sessions: connected or not and since when, the peer's vector, events and bytes each way, the last error, and
 * since when the peer has lacked events this node holds. Thread-safe.
 */
public final class PeerLink {

	private static final long NOT_LAGGING = Long.MIN_VALUE;

	private final String address;
	private final String direction;
	private final Clock clock;
	private final AtomicLong sent = new AtomicLong();
	private final AtomicLong received = new AtomicLong();
	private final AtomicLong bytesSent = new AtomicLong();
	private final AtomicLong bytesReceived = new AtomicLong();
	private final AtomicLong laggingSince = new AtomicLong(NOT_LAGGING);
	private final AtomicReference<VersionVector> vector = new AtomicReference<>(VersionVector.empty());
	private volatile String nodeId;
	private volatile boolean connected;
	private volatile Instant since;
	private volatile String lastError;
	private volatile Instant lastErrorAt;

	/**
	 * A link.
	 *
	 * @param address the peer's address
	 * @param direction {@code outbound} or {@code inbound}
	 */
	public PeerLink(String address, String direction) {
		this(address, direction, Clock.systemUTC());
	}

	PeerLink(String address, String direction, Clock clock) {
		this.address = address;
		this.direction = direction;
		this.clock = clock;
		this.since = clock.instant();
	}

	/**
	 * The peer's address.
	 *
	 * @return {@code host:port}
	 */
	public String address() {
		return address;
	}

	/**
	 * Whether the peer dialled this node or this node the peer.
	 *
	 * @return {@code outbound} or {@code inbound}
	 */
	public String direction() {
		return direction;
	}

	void connected(String peerNodeId, VersionVector peerVector) {
		this.nodeId = peerNodeId;
		this.connected = true;
		this.since = clock.instant();
		acked(peerVector);
	}

	void disconnected(Throwable error) {
		if (connected) {
			this.since = clock.instant();
		}
		this.connected = false;
		if (error != null) {
			this.lastError = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
			this.lastErrorAt = clock.instant();
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

	void bytesSent(int bytes) {
		bytesSent.addAndGet(bytes);
	}

	void bytesReceived(int bytes) {
		bytesReceived.addAndGet(bytes);
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
	 * Events sent to the peer since this node started.
	 *
	 * @return the count
	 */
	public long eventsSent() {
		return sent.get();
	}

	/**
	 * Events received from the peer since this node started.
	 *
	 * @return the count
	 */
	public long eventsReceived() {
		return received.get();
	}

	/**
	 * Peer-protocol bytes sent on the link, frames with their length prefix.
	 *
	 * @return the count
	 */
	public long bytesSent() {
		return bytesSent.get();
	}

	/**
	 * Peer-protocol bytes received on the link, frames with their length prefix.
	 *
	 * @return the count
	 */
	public long bytesReceived() {
		return bytesReceived.get();
	}

	/**
	 * Compares the peer's vector with this node's and keeps since when the peer has lacked events: call it often
	 * (the node does every second, and every {@link #status(VersionVector)} does), as the lag in seconds is as
	 * fine as these observations.
	 *
	 * @param local this node's vector now
	 * @return the events this node holds that the peer is not known to hold
	 */
	public long observe(VersionVector local) {
		long lag = ahead(local, vector.get());
		if (lag == 0) {
			laggingSince.set(NOT_LAGGING);
		}
		else {
			laggingSince.compareAndSet(NOT_LAGGING, clock.millis());
		}
		return lag;
	}

	/**
	 * A snapshot for the API, with the lag against this node's vector.
	 *
	 * @param local this node's vector now
	 * @return the status
	 */
	public PeerStatus status(VersionVector local) {
		long lag = observe(local);
		VersionVector peer = vector.get();
		long lagging = laggingSince.get();
		return new PeerStatus(address, nodeId, direction, connected, peer, sent.get(), received.get(), lastError, since,
				bytesSent.get(), bytesReceived.get(), lastErrorAt, lag, ahead(peer, local),
				lagging == NOT_LAGGING ? null : Instant.ofEpochMilli(lagging));
	}

	/** How many events {@code a} holds that {@code b} does not: per origin, a's sequence above b's. */
	static long ahead(VersionVector a, VersionVector b) {
		long n = 0;
		for (Map.Entry<String, Long> e : a.entries().entrySet()) {
			n += Math.max(0, e.getValue() - b.get(e.getKey()));
		}
		return n;
	}
}
