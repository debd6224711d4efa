package io.tributary.transport.peer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.SyncEngine;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

/**
 * Accepts peer connections (Reactor Netty TCP, TLS optional) and runs a {@link PeerSession} on each.
 * A bad frame ends its own connection with an ERROR frame; the server keeps running.
 */
public final class PeerServer {

	private static final Logger log = LoggerFactory.getLogger(PeerServer.class);

	private final DisposableServer server;
	private final Map<PeerLink, PeerSession> sessions;

	private PeerServer(DisposableServer server, Map<PeerLink, PeerSession> sessions) {
		this.server = server;
		this.sessions = sessions;
	}

	/**
	 * Binds a server.
	 *
	 * @param engine the node's engine
	 * @param config protocol settings
	 * @param host address to bind
	 * @param port port to bind, 0 for any free one
	 * @return the bound server; errors with {@link IllegalStateException} when the TLS files cannot be read
	 */
	public static Mono<PeerServer> bind(SyncEngine engine, PeerConfig config, String host, int port) {
		return bind(engine, config, host, port, Schedulers.parallel());
	}

	/** Binds a server whose sessions run their heartbeats and timeouts on {@code timer}. */
	static Mono<PeerServer> bind(SyncEngine engine, PeerConfig config, String host, int port, Scheduler timer) {
		FrameCodec codec = new FrameCodec(config.maxFrameBytes());
		Map<PeerLink, PeerSession> sessions = new ConcurrentHashMap<>();
		TcpServer tcp = TcpServer.create()
				.host(host)
				.port(port)
				.doOnConnection(c -> Frames.install(c, config.maxFrameBytes()))
				.handle((in, out) -> {
					String[] remote = { "unknown" };
					in.withConnection(c -> remote[0] = String.valueOf(c.channel().remoteAddress()));
					PeerLink link = new PeerLink(remote[0], "inbound");
					PeerSession session = new PeerSession(engine, config, codec, false, link, timer);
					sessions.put(link, session);
					return session.run(in, out)
							.doOnError(e -> log.info("inbound peer session from {} ended: {}", link.address(), e.getMessage()))
							.onErrorResume(e -> Mono.empty())
							.doFinally(s -> sessions.remove(link));
				});
		if (config.tls() == null) {
			return tcp.bind().map(server -> new PeerServer(server, sessions));
		}
		TcpServer plain = tcp;
		// reading the TLS files blocks: off the event loops, and an unreadable file is this Mono's error
		return Mono.fromCallable(() -> config.tls().serverContext())
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(context -> plain.secure(spec -> spec.sslContext(context)).bind())
				.map(server -> new PeerServer(server, sessions));
	}

	/**
	 * The bound port.
	 *
	 * @return the port
	 */
	public int port() {
		return server.port();
	}

	/**
	 * The bound host.
	 *
	 * @return the host
	 */
	public String host() {
		return server.host();
	}

	/**
	 * The inbound links with a session now.
	 *
	 * @return a snapshot
	 */
	public List<PeerLink> links() {
		return sessions.keySet().stream().collect(Collectors.toList());
	}

	/**
	 * Tells every connected peer the node is shutting down, then closes the server and its connections.
	 *
	 * @param grace how long to wait for the connections to close
	 * @return completes when closed
	 */
	public Mono<Void> close(Duration grace) {
		return Mono.fromRunnable(() -> sessions.values()
				.forEach(s -> s.shutdown(ErrorCode.SHUTTING_DOWN, "node is shutting down")))
				.then(Mono.fromRunnable(server::dispose))
				.then(server.onDispose().timeout(grace, Mono.empty()));
	}
}
