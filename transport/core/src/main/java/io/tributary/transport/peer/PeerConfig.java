package io.tributary.transport.peer;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the peer protocol, shared by the server and the connectors of a node. Immutable; the
 * {@code with...} methods return copies. {@link #toString()} hides the token.
 *
 * @param token shared secret peers must present, {@code null} for none
 * @param types entity types this node wants from peers, {@code null} for all
 * @param maxFrameBytes largest frame accepted or sent
 * @param batchEvents most events per EVENTS frame
 * @param heartbeat interval between pings
 * @param idleTimeout how long a session may receive nothing before it is closed
 * @param handshakeTimeout how long the handshake may take
 * @param tls TLS settings, {@code null} for plain TCP
 * @param users tokens that each authenticate one user (row-level security on push), {@code null} for none
 */
public record PeerConfig(String token, Set<String> types, int maxFrameBytes, int batchEvents, Duration heartbeat,
		Duration idleTimeout, Duration handshakeTimeout, PeerTls tls, UserTokens users) {

	/** The default largest frame: 16 MiB. */
	public static final int DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

	/**
	 * Checks the settings.
	 */
	public PeerConfig {
		types = types == null ? null : Set.copyOf(types);
		if (maxFrameBytes < 1024) {
			throw new IllegalArgumentException("maxFrameBytes must be at least 1024: " + maxFrameBytes);
		}
		if (batchEvents < 1) {
			throw new IllegalArgumentException("batchEvents must be at least 1: " + batchEvents);
		}
		Objects.requireNonNull(heartbeat, "heartbeat");
		Objects.requireNonNull(idleTimeout, "idleTimeout");
		Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
		if (idleTimeout.compareTo(heartbeat) <= 0) {
			throw new IllegalArgumentException("idleTimeout must exceed the heartbeat interval");
		}
	}

	/**
	 * The defaults: no token, all types, 16 MiB frames, at most 1000 events per frame, 5 s heartbeat,
	 * 30 s idle timeout, 10 s handshake timeout, plain TCP.
	 *
	 * @return the defaults
	 */
	public static PeerConfig defaults() {
		return new PeerConfig(null, null, DEFAULT_MAX_FRAME, 1000, Duration.ofSeconds(5),
				Duration.ofSeconds(30), Duration.ofSeconds(10), null, null);
	}

	/**
	 * A copy with a token.
	 *
	 * @param newToken the shared secret, {@code null} for none
	 * @return the copy
	 */
	public PeerConfig withToken(String newToken) {
		return new PeerConfig(newToken, types, maxFrameBytes, batchEvents, heartbeat, idleTimeout,
				handshakeTimeout, tls, users);
	}

	/**
	 * A copy with a type filter.
	 *
	 * @param newTypes types wanted from peers, {@code null} for all
	 * @return the copy
	 */
	public PeerConfig withTypes(Set<String> newTypes) {
		return new PeerConfig(token, newTypes, maxFrameBytes, batchEvents, heartbeat, idleTimeout,
				handshakeTimeout, tls, users);
	}

	/**
	 * A copy with timings.
	 *
	 * @param newHeartbeat ping interval
	 * @param newIdleTimeout idle timeout
	 * @return the copy
	 */
	public PeerConfig withTimings(Duration newHeartbeat, Duration newIdleTimeout) {
		return new PeerConfig(token, types, maxFrameBytes, batchEvents, newHeartbeat, newIdleTimeout,
				handshakeTimeout, tls, users);
	}

	/**
	 * A copy with a frame size limit.
	 *
	 * @param bytes largest frame
	 * @return the copy
	 */
	public PeerConfig withMaxFrameBytes(int bytes) {
		return new PeerConfig(token, types, bytes, batchEvents, heartbeat, idleTimeout, handshakeTimeout, tls, users);
	}

	/**
	 * A copy with another frame size in events (frames also stay within half the maximum frame size).
	 *
	 * @param events most events per frame
	 * @return the copy
	 */
	public PeerConfig withBatching(int events) {
		return new PeerConfig(token, types, maxFrameBytes, events, heartbeat, idleTimeout, handshakeTimeout, tls, users);
	}

	/**
	 * A copy with TLS.
	 *
	 * @param newTls TLS settings, {@code null} for plain TCP
	 * @return the copy
	 */
	public PeerConfig withTls(PeerTls newTls) {
		return new PeerConfig(token, types, maxFrameBytes, batchEvents, heartbeat, idleTimeout, handshakeTimeout,
				newTls, users);
	}

	/**
	 * A copy with per-user tokens. A peer is admitted with the shared {@link #token()} (unrestricted) or with
	 * one of these (restricted to its user); with neither configured every peer is admitted.
	 *
	 * @param newUsers the tokens, {@code null} for none
	 * @return the copy
	 */
	public PeerConfig withUsers(UserTokens newUsers) {
		return new PeerConfig(token, types, maxFrameBytes, batchEvents, heartbeat, idleTimeout, handshakeTimeout, tls,
				newUsers);
	}

	@Override
	public String toString() {
		return "PeerConfig[token=" + (token == null ? "none" : "****") + ", types=" + (types == null ? "all" : types)
				+ ", maxFrameBytes=" + maxFrameBytes + ", batchEvents=" + batchEvents
				+ ", heartbeat=" + heartbeat + ", idleTimeout=" + idleTimeout + ", tls=" + (tls != null)
				+ ", users=" + (users == null ? "none" : users) + "]";
	}
}
