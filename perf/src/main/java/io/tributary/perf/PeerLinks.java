package io.tributary.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerConnector;
import io.tributary.transport.peer.PeerServer;
import reactor.core.publisher.Flux;

/**
 * A source node's peer server on loopback and the connectors that dial it, closed together. Blocking: use
 * it from the scenario's thread, never on a Reactor thread.
 */
final class PeerLinks implements AutoCloseable {

	private static final String HOST = "127.0.0.1";
	private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(10);
	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

	private final PeerConfig config;
	private final PeerServer server;
	private final List<PeerConnector> connectors = new ArrayList<>();

	private PeerLinks(PeerConfig config, PeerServer server) {
		this.config = config;
		this.server = server;
	}

	/**
	 * Binds a peer server for a node on a free loopback port.
	 *
	 * @param source the node served
	 * @param batchEvents most events per EVENTS frame
	 * @return the links, with no connector yet
	 */
	static PeerLinks serve(Node source, int batchEvents) {
		PeerConfig config = PeerConfig.defaults().withBatching(batchEvents);
		PeerServer server = Objects.requireNonNull(
				PeerServer.bind(source.engine(), config, HOST, 0).block(SERVER_TIMEOUT), "server");
		return new PeerLinks(config, server);
	}

	/**
	 * A connector from a node to the server, not started; closed with the links.
	 *
	 * @param receiver the dialling node
	 * @return the connector
	 */
	PeerConnector connector(Node receiver) {
		PeerConnector connector = new PeerConnector(receiver.engine(), config, new PeerAddress(HOST, server.port()),
				Backoff.defaults());
		connectors.add(connector);
		return connector;
	}

	/**
	 * Starts a live session from a node to the server; closed with the links.
	 *
	 * @param receiver the dialling node
	 * @return the started connector
	 */
	PeerConnector live(Node receiver) {
		PeerConnector connector = connector(receiver);
		connector.start();
		return connector;
	}

	/** Waits until the server holds a session for each started connector and each says it is connected. */
	void awaitConnected(List<PeerConnector> started) {
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> server.links().size() >= started.size()
						&& started.stream().allMatch(c -> c.link().isConnected()))
				.next()
				.timeout(CONNECT_TIMEOUT)
				.block();
	}

	/** Stops every connector, then closes the server. */
	@Override
	public void close() {
		connectors.forEach(PeerConnector::stop);
		server.close(SERVER_TIMEOUT).block(SERVER_TIMEOUT.multipliedBy(2));
	}
}
