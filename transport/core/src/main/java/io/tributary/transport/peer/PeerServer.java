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
	private final Totals totals;

	private PeerServer(DisposableServer server, Map<PeerLink, PeerSession> sessions, Totals totals) {
		this.server = server;
		this.sessions = sessions;
		this.totals = totals;
	}

	/**
	 * What the inbound links of a server carried, ended sessions included: counts that only grow. The links of
	 * ended sessions are added in and removed from the open ones under one lock, so that a sum never counts a
	 * link twice or not at all.
	 */
	private static final class Totals {
		private final long[] ended = new long[4];

		synchronized void end(Map<PeerLink, PeerSession> sessions, PeerLink link) {
			if (sessions.remove(link) != null) {
				ended[0] += link.eventsSent();
				ended[1] += link.eventsReceived();
				ended[2] += link.bytesSent();
				ended[3] += link.bytesReceived();
			}
		}

		synchronized long[] sum(Map<PeerLink, PeerSession> sessions) {
			long[] out = ended.clone();
			for (PeerLink l : sessions.keySet()) {
				out[0] += l.eventsSent();
				out[1] += l.eventsReceived();
				out[2] += l.bytesSent();
				out[3] += l.bytesReceived();
			}
			return out;
		}
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
		Totals totals = new Totals();
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
							.doFinally(s -> totals.end(sessions, link));
				});
		if (config.tls() == null) {
			return tcp.bind().map(server -> new PeerServer(server, sessions, totals));
		}
		TcpServer plain = tcp;
		// reading the TLS files blocks: off the event loops, and an unreadable file is this Mono's error
		return Mono.fromCallable(() -> config.tls().serverContext())
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(context -> plain.secure(spec -> spec.sslContext(context)).bind())
				.map(server -> new PeerServer(server, sessions, totals));
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
	 * What every inbound link carried since the server started, ended sessions included: events sent, events
	 * received, bytes sent, bytes received. Each only grows.
	 *
	 * @return the four totals, in that order
	 */
	public long[] inboundTotals() {
		return totals.sum(sessions);
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
