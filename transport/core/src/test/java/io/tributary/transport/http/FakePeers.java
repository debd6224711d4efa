package io.tributary.transport.http;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import io.tributary.transport.PeerDirectory;
import io.tributary.transport.PeerStatus;
import io.tributary.transport.SyncReport;
import reactor.core.publisher.Mono;

/** A peer directory whose answers the test chooses. */
final class FakePeers implements PeerDirectory {

	private final Supplier<List<PeerStatus>> peers;
	private final Function<String, Mono<SyncReport>> sync;

	FakePeers(Supplier<List<PeerStatus>> peers, Function<String, Mono<SyncReport>> sync) {
		this.peers = peers;
		this.sync = sync;
	}

	@Override
	public List<PeerStatus> peers() {
		return peers.get();
	}

	@Override
	public Mono<SyncReport> syncNow(String hostPort) {
		return sync.apply(hostPort);
	}
}
