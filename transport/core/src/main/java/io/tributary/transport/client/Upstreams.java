package io.tributary.transport.client;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import io.tributary.SyncEngine;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import org.jspecify.annotations.Nullable;

/**
 * A node's upstreams: the configured one, and others named per request (the operator commands'
 * {@code --upstream}), each with its own {@link SyncClient} kept for the node's life so that its status
 * and drain lock persist between requests. Thread-safe.
 */
public final class Upstreams {

	/** The node's engine; {@code null} only in {@link #none()}, and then so is {@link #config}. */
	private final @Nullable SyncEngine engine;
	private final @Nullable PeerConfig config;
	private final @Nullable PeerAddress configured;
	private final @Nullable String token;
	private final Map<String, SyncClient> clients = new ConcurrentHashMap<>();
	private final AtomicReference<SyncClient> lastUsed = new AtomicReference<>();

	/**
	 * Upstreams of an engine.
	 *
	 * @param engine the node's engine
	 * @param config protocol settings for the sessions (frame size, timeouts, TLS)
	 * @param configured the configured upstream, {@code null} for none
	 * @param token the token presented to upstreams, {@code null} for none
	 */
	public Upstreams(SyncEngine engine, PeerConfig config, @Nullable PeerAddress configured, @Nullable String token) {
		this.engine = Objects.requireNonNull(engine, "engine");
		this.config = Objects.requireNonNull(config, "config");
		this.configured = configured;
		this.token = token;
	}

	private Upstreams() {
		this.engine = null;
		this.config = null;
		this.configured = null;
		this.token = null;
	}

	/**
	 * No upstream at all.
	 *
	 * @return an empty directory
	 */
	public static Upstreams none() {
		return new Upstreams();
	}

	/**
	 * The configured upstream.
	 *
	 * @return its address, empty when none is configured
	 */
	public Optional<PeerAddress> configured() {
		return Optional.ofNullable(configured);
	}

	/**
	 * The client of an upstream.
	 *
	 * @param address the upstream, {@code null} for the configured one
	 * @return the client, empty when {@code address} is {@code null} and none is configured, or this is
	 *         {@link #none()}
	 */
	public Optional<SyncClient> client(@Nullable PeerAddress address) {
		PeerAddress target = address != null ? address : configured;
		SyncEngine e = engine;
		PeerConfig c = config;
		// engine and config are null together, only in none()
		if (target == null || e == null || c == null) {
			return Optional.empty();
		}
		return Optional.of(clients.computeIfAbsent(target.toString(),
				k -> SyncClient.builder(e, target).peerConfig(c).token(token).manualDrain().build()));
	}

	/**
	 * The client of an upstream about to be synced with, remembered as the one {@link #latest()} reports.
	 *
	 * @param address the upstream, {@code null} for the configured one
	 * @return the client, empty as for {@link #client(PeerAddress)}
	 */
	public Optional<SyncClient> use(@Nullable PeerAddress address) {
		Optional<SyncClient> c = client(address);
		c.ifPresent(lastUsed::set);
		return c;
	}

	/**
	 * The client of the upstream last synced with through {@link #use(PeerAddress)}, whichever it was; before
	 * any sync, the configured upstream's.
	 *
	 * @return the client, empty when nothing was synced with and none is configured
	 */
	public Optional<SyncClient> latest() {
		SyncClient c = lastUsed.get();
		return c != null ? Optional.of(c) : client(null);
	}
}
