package io.tributary.transport.peer;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.transport.SyncReport;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;
import reactor.util.retry.Retry;

/**
 * Dials one peer and keeps a session with it: after any end (error or close) it reconnects with jittered,
 * capped exponential backoff, and each new session resumes from the vectors exchanged in the handshake.
 */
public final class PeerConnector {

	private static final Logger log = LoggerFactory.getLogger(PeerConnector.class);

	private final SyncEngine engine;
	private final PeerConfig config;
	private final String host;
	private final int port;
	private final Backoff backoff;
	private final FrameCodec codec;
	private final PeerLink link;
	/** Runs the reconnect delays and the sessions' heartbeats and timeouts. */
	private final Scheduler timer;
	private final AtomicLong attempts = new AtomicLong();
	private final AtomicReference<PeerSession> current = new AtomicReference<>();
	private volatile Disposable running;

	/**
	 * A connector; call {@link #start()} to keep a session up, or {@link #syncOnce(Duration)}.
	 *
	 * @param engine the node's engine
	 * @param config protocol settings
	 * @param address the peer
	 * @param backoff reconnect delays
	 */
	public PeerConnector(SyncEngine engine, PeerConfig config, PeerAddress address, Backoff backoff) {
		this(engine, config, address, backoff, Schedulers.parallel());
	}

	/** A connector whose reconnect delays and sessions' heartbeats and timeouts run on {@code timer}. */
	PeerConnector(SyncEngine engine, PeerConfig config, PeerAddress address, Backoff backoff, Scheduler timer) {
		this.timer = timer;
		this.engine = engine;
		this.config = config;
		this.host = address.host();
		this.port = address.port();
		this.backoff = backoff;
		this.codec = new FrameCodec(config.maxFrameBytes());
		this.link = new PeerLink(address.toString(), "outbound");
	}

	/**
	 * The link's state.
	 *
	 * @return the link
	 */
	public PeerLink link() {
		return link;
	}

	private Mono<Connection> connect() {
		return connect(config, host, port);
	}

	/** Dials a peer with the protocol's frame handling installed. */
	static Mono<Connection> connect(PeerConfig config, String host, int port) {
		TcpClient client = TcpClient.create()
				.host(host)
				.port(port)
				.option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS,
						(int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis()))
				.doOnConnected(c -> Frames.install(c, config.maxFrameBytes()));
		if (config.tls() == null) {
			return client.connect().cast(Connection.class);
		}
		TcpClient plain = client;
		// the TLS files are read for each connection (a renewed certificate is picked up on reconnect), off
		// the event loops: reading a file blocks
		return Mono.fromCallable(() -> config.tls().clientContext())
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(context -> plain.secure(spec -> spec.sslContext(context)).connect())
				.cast(Connection.class);
	}

	private Mono<Void> session() {
		return connect().flatMap(connection -> {
			PeerSession session = new PeerSession(engine, config, codec, true, link, timer);
			current.set(session);
			session.peerCaughtUp().subscribe(v -> attempts.set(0));
			return session.run(connection.inbound(), connection.outbound())
					.doFinally(s -> {
						current.compareAndSet(session, null);
						connection.dispose();
					});
		});
	}

	/**
	 * Keeps a session with the peer until disposed, reconnecting after every end.
	 *
	 * @return a handle that stops it
	 */
	public synchronized Disposable start() {
		if (running == null || running.isDisposed()) {
			running = Mono.defer(this::session)
					.then(Mono.<Void>error(new IllegalStateException("peer closed the session")))
					.doOnError(e -> {
						link.disconnected(e);
						log.info("peer {} session ended: {}", link.address(), e.getMessage());
					})
					.retryWhen(reconnects(backoff, attempts, () -> ThreadLocalRandom.current().nextDouble(), timer))
					.subscribe();
		}
		return running;
	}

	/**
	 * Retries forever, each retry after the backoff's delay for the attempt count, which a caught-up session
	 * resets to 0.
	 */
	static Retry reconnects(Backoff backoff, AtomicLong attempts, DoubleSupplier random, Scheduler timer) {
		return Retry.from(signals -> signals.concatMap(signal -> Mono.delay(
				backoff.delay(attempts.getAndIncrement(), random), timer)));
	}

	/**
	 * Stops the connector and its session.
	 */
	public void stop() {
		Disposable r = running;
		if (r != null) {
			r.dispose();
		}
		PeerSession s = current.get();
		if (s != null) {
			s.shutdown(ErrorCode.SHUTTING_DOWN, "node is shutting down");
		}
	}

	/**
	 * Connects once, exchanges what each side lacks, waits until both hold each other's events as of the
	 * session's start, then closes.
	 *
	 * @param timeout how long it may take
	 * @return the report (never an error: failures are reported)
	 */
	public Mono<SyncReport> syncOnce(Duration timeout) {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			long sentBefore = link.eventsSent();
			long receivedBefore = link.eventsReceived();
			return connect().flatMap(connection -> {
				PeerSession session = new PeerSession(engine, config, codec, true, link, timer);
				Mono<VersionVector> done = Mono.zip(session.caughtUpSent(), session.peerCaughtUp())
						.flatMap(t -> waitUntil(session, t.getT1(), t.getT2()))
						.doFinally(s -> connection.dispose());
				return Mono.firstWithSignal(done, session.run(connection.inbound(), connection.outbound())
						.then(Mono.<VersionVector>error(new IllegalStateException("peer closed the session early"))));
			})
					.timeout(timeout)
					.map(remote -> new SyncReport(link.address(), true, link.eventsSent() - sentBefore,
							link.eventsReceived() - receivedBefore, engine.vector(), remote,
							(System.nanoTime() - start) / 1_000_000, null))
					.onErrorResume(e -> Mono.just(new SyncReport(link.address(), false,
							link.eventsSent() - sentBefore, link.eventsReceived() - receivedBefore,
							engine.vector(), link.vector(), (System.nanoTime() - start) / 1_000_000,
							e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
		});
	}

	/** Polls (cheaply, every 5 ms) until the peer acknowledged ours and we hold theirs. */
	private Mono<VersionVector> waitUntil(PeerSession session, VersionVector ours, VersionVector theirs) {
		return Mono.fromSupplier(() -> session.acked().covers(ours) && engine.vector().covers(theirs) && session.idle())
				.repeatWhen(r -> r.delayElements(Duration.ofMillis(5)))
				.takeUntil(b -> b)
				.last()
				.map(b -> session.acked());
	}
}
