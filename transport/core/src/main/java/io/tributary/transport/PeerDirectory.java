package io.tributary.transport;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * The node's peers, as the HTTP API and the operator commands see them.
 */
public interface PeerDirectory {

	/**
	 * A directory of no peers, for an API served without a peer transport.
	 *
	 * @return the empty directory
	 */
	static PeerDirectory none() {
		return new PeerDirectory() {
			@Override
			public List<PeerStatus> peers() {
				return List.of();
			}

			@Override
			public Mono<SyncReport> syncNow(String hostPort) {
				return Mono.error(new IllegalStateException("this node has no peer transport"));
			}
		};
	}

	/**
	 * The peers now.
	 *
	 * @return a snapshot
	 */
	List<PeerStatus> peers();

	/**
	 * Connects to a peer now (or uses the open session), exchanges what each side lacks and reports.
	 *
	 * @param hostPort the peer's {@code host:port}
	 * @return the report; errors with {@link IllegalArgumentException} for a malformed address
	 */
	Mono<SyncReport> syncNow(String hostPort);
}
