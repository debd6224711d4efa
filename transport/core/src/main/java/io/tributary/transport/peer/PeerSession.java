package io.tributary.transport.peer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tributary.EngineClosedException;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.VersionVector;
import io.tributary.spi.EngineAdmin;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;

/**
 * One peer connection, from handshake to close. Symmetric once established: each side streams what the
 * other lacks (catch-up by vector, then the live tail) and applies what it receives, acknowledging with
 * its vector.
 * <p>
 * Backpressure: inbound frames are applied in order, a few at once ({@code flatMapSequential}); Netty stops reading
 * the socket while the engine commits, so a slow receiver slows its sender through TCP. The sender reads
 * the live tail through {@link SyncEngine#events(long)}, which serves a reader that falls behind from the
 * store; nothing here buffers without bound.
 */
final class PeerSession {

	private static final Logger log = LoggerFactory.getLogger(PeerSession.class);

	/** Frames applied at once; more wait in the socket (TCP backpressure). */
	private static final int APPLY_CONCURRENCY = 8;

	private final SyncEngine engine;
	private final EngineAdmin admin;
	private final PeerConfig config;
	private final FrameCodec codec;
	private final boolean initiator;
	private final PeerLink link;
	/** Runs the heartbeats and the handshake and idle timeouts. */
	private final Scheduler timer;

	private final Sinks.Many<Frame> control = Sinks.many().unicast().onBackpressureBuffer();
	private final Sinks.One<Established> established = Sinks.one();
	private final Sinks.Empty<Void> stop = Sinks.empty();
	/** What the peer is known to hold: its vector, its acks, what it sent and what was sent to it. */
	private final AtomicReference<VersionVector> known = new AtomicReference<>(VersionVector.empty());
	private final AtomicReference<VersionVector> acked = new AtomicReference<>(VersionVector.empty());
	private final java.util.concurrent.atomic.AtomicInteger applying = new java.util.concurrent.atomic.AtomicInteger();
	private final Sinks.One<VersionVector> peerCaughtUp = Sinks.one();
	private final Sinks.One<VersionVector> caughtUpSent = Sinks.one();
	private volatile Throwable failure;
	private volatile Established peer;
	/** Per origin, the first sequence this side holds only as a stub and so cannot serve to this peer. */
	private final Map<String, Long> blocked = new java.util.concurrent.ConcurrentHashMap<>();

	/**
	 * The peer as the handshake established it.
	 *
	 * @param version the negotiated protocol version
	 * @param mode {@code push}, {@code pull} or {@code null} for a symmetric session
	 * @param user the user the peer's token authenticates, {@code null} when unrestricted
	 * @param token the token the peer presented (re-checked per EVENTS frame when it names a user)
	 */
	private record Established(String nodeId, VersionVector vector, Set<String> types, int version, String mode,
			String user, String token) {
	}

	PeerSession(SyncEngine engine, PeerConfig config, FrameCodec codec, boolean initiator, PeerLink link,
			Scheduler timer) {
		this.engine = engine;
		this.admin = EngineAdmin.of(engine);
		this.config = config;
		this.codec = codec;
		this.initiator = initiator;
		this.link = link;
		this.timer = timer;
	}

	/** Completes with the vector the peer reported when its catch-up ended. */
	Mono<VersionVector> peerCaughtUp() {
		return peerCaughtUp.asMono();
	}

	/** Completes with this node's vector when its catch-up to the peer was sent. */
	Mono<VersionVector> caughtUpSent() {
		return caughtUpSent.asMono();
	}

	/** What the peer is known to hold now, including what was sent to it and not yet acknowledged. */
	VersionVector known() {
		return known.get();
	}

	/** Whether no received frame is being applied now. */
	boolean idle() {
		return applying.get() == 0;
	}

	/** What the peer acknowledged holding (its handshake vector and its acks). */
	VersionVector acked() {
		return acked.get();
	}

	/** Ends the session from this side: an ERROR frame with the code, then close. */
	void shutdown(ErrorCode code, String message) {
		emitControl(new Frame.Error(code, message));
		finish();
	}

	/**
	 * Runs the session until either side closes it.
	 *
	 * @param in the connection's inbound
	 * @param out the connection's outbound
	 * @return completes when the connection is done; errors with the reason it ended abnormally
	 */
	Mono<Void> run(NettyInbound in, NettyOutbound out) {
		if (initiator) {
			emitControl(new Frame.Hello(FrameCodec.VERSIONS, engine.origin(), config.token(), engine.vector(),
					config.types(), null, engine.projection().fingerprint(config.types())));
		}
		Flux<Frame> events = established.asMono().flatMapMany(this::sender).takeUntilOther(stop.asMono());
		Flux<Frame> heartbeats = established.asMono()
				.flatMapMany(e -> Flux.interval(config.heartbeat(), config.heartbeat(), timer))
				.map(i -> (Frame) new Frame.Ping(System.nanoTime()))
				.takeUntilOther(stop.asMono());
		Flux<byte[]> frames = Flux.merge(control.asFlux(), events, heartbeats).map(codec::encode)
				.doOnNext(bytes -> link.bytesSent(bytes.length));
		Mono<Void> outbound = out.sendByteArray(frames).then();

		Mono<Void> handshakeTimer = Mono.delay(config.handshakeTimeout(), timer)
				.takeUntilOther(established.asMono())
				.flatMap(t -> Mono.<Void>error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
						"no handshake within " + config.handshakeTimeout().toMillis() + " ms", false)));
		Mono<Void> inbound = Mono.when(
				in.receive().asByteArray()
						.doOnNext(bytes -> link.bytesReceived(bytes.length + 4))
						.timeout(config.idleTimeout(), timer)
						// frames are applied in order (inner Monos are subscribed, so submitted, in arrival order), a
						// few at a time so that the group committer can take them in one commit; at most that many
						// frames wait here, and the socket is not read meanwhile
						.flatMapSequential(bytes -> onFrame(codec.decode(bytes)), APPLY_CONCURRENCY, 1)
						.then(),
				handshakeTimer)
				.onErrorResume(this::onInboundError)
				.doFinally(s -> finish());
		return Mono.when(inbound, outbound)
				.then(Mono.defer(() -> failure == null ? Mono.<Void>empty() : Mono.<Void>error(failure)))
				.doFinally(s -> link.disconnected(failure));
	}

	private Mono<Void> onInboundError(Throwable e) {
		Frame.Error reply = null;
		if (e instanceof PeerProtocolException) {
			PeerProtocolException p = (PeerProtocolException) e;
			if (!p.remote()) {
				reply = new Frame.Error(p.code(), p.getMessage());
			}
		}
		else if (e instanceof io.netty.handler.codec.TooLongFrameException
				|| e.getCause() instanceof io.netty.handler.codec.TooLongFrameException) {
			e = new PeerProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame exceeds the maximum of "
					+ config.maxFrameBytes() + " bytes", false);
			reply = new Frame.Error(ErrorCode.FRAME_TOO_LARGE, e.getMessage());
		}
		else if (e instanceof io.netty.handler.codec.DecoderException) {
			e = new PeerProtocolException(ErrorCode.BAD_FRAME, String.valueOf(e.getMessage()), false);
			reply = new Frame.Error(ErrorCode.BAD_FRAME, e.getMessage());
		}
		else if (e instanceof TimeoutException) {
			e = new PeerProtocolException(ErrorCode.IDLE_TIMEOUT, "nothing received for "
					+ config.idleTimeout().toMillis() + " ms", false);
			reply = new Frame.Error(ErrorCode.IDLE_TIMEOUT, e.getMessage());
		}
		else if (e instanceof ValidationException) {
			reply = new Frame.Error(ErrorCode.INVALID_EVENT, e.getMessage());
		}
		else if (e instanceof EngineClosedException) {
			reply = new Frame.Error(ErrorCode.SHUTTING_DOWN, "node is shutting down");
		}
		else if (!(e instanceof java.io.IOException)) {
			log.warn("peer session with {} failed", link.address(), e);
			reply = new Frame.Error(ErrorCode.INTERNAL, "internal error");
		}
		failure = e;
		if (reply != null) {
			emitControl(reply);
		}
		return Mono.empty();
	}

	private void finish() {
		stop.tryEmitEmpty();
		synchronized (control) {
			control.tryEmitComplete();
		}
	}

	private void emitControl(Frame frame) {
		synchronized (control) {
			control.tryEmitNext(frame);
		}
	}

	private Mono<Void> onFrame(Frame frame) {
		if (peer == null) {
			return handshake(frame);
		}
		switch (frame.type()) {
			case EVENTS:
				Frame.Events received = (Frame.Events) frame;
				List<Event> events = received.events();
				markKnown(events);
				if (config.types() == null) {
					// a full replica does not take stubs: it waits for the content from a peer that holds it
					events = withoutStubs(events);
				}
				if (peer.user() != null && !peer.user().equals(config.users().userOf(peer.token()))) {
					return Mono.error(new PeerProtocolException(ErrorCode.UNAUTHORIZED, "token no longer valid", false));
				}
				applying.incrementAndGet();
				List<Frame.Rejection> rejections = new ArrayList<>();
				// events the decoder refused stand in the frame as blanks: even a version 1 peer's link goes on
				Mono<SyncEngine.ApplyResult> applied = peer.version() >= 2
						? Rejections.applyScreened(engine, new Frame.Events(events, received.refused()), peer.user(),
								rejections)
						: admin.applyChecked(events);
				return applied.doOnNext(r -> {
					link.received(r.applied());
					if (!rejections.isEmpty()) {
						log.info("refused {} events from {}: first {}", rejections.size(), link.address(), rejections.get(0));
						emitControl(new Frame.Rejected(List.copyOf(rejections)));
					}
					emitControl(new Frame.Ack(engine.vector()));
				}).doFinally(s -> applying.decrementAndGet()).then();
			case REJECTED:
				// the peer recorded these as rejection stubs; the events stay in this log, and are kept as dead
				// letters with the peer's reason for an operator to see, replay or delete
				List<Frame.Rejection> refused = ((Frame.Rejected) frame).rejections();
				log.warn("peer {} refused events: {}", link.address(), refused);
				return Rejections.deadLetter(engine, refused);
			case ACK:
				VersionVector ack = ((Frame.Ack) frame).vector();
				known.accumulateAndGet(ack, VersionVector::merge);
				acked.accumulateAndGet(ack, VersionVector::merge);
				link.acked(ack);
				return Mono.empty();
			case PING:
				emitControl(new Frame.Pong(((Frame.Ping) frame).nanos()));
				return Mono.empty();
			case PONG:
				return Mono.empty();
			case CAUGHT_UP:
				peerCaughtUp.tryEmitValue(((Frame.CaughtUp) frame).vector());
				return Mono.empty();
			case ERROR:
				Frame.Error err = (Frame.Error) frame;
				return Mono.error(new PeerProtocolException(err.code(), err.message(), true));
			default:
				return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
						frame.type() + " after the handshake", false));
		}
	}

	private Mono<Void> handshake(Frame frame) {
		if (frame instanceof Frame.Error) {
			Frame.Error err = (Frame.Error) frame;
			return Mono.error(new PeerProtocolException(err.code(), err.message(), true));
		}
		if (!initiator && frame instanceof Frame.Hello) {
			Frame.Hello hello = (Frame.Hello) frame;
			int version = hello.versions().contains(2) ? 2 : hello.versions().contains(1) ? 1 : 0;
			if (version == 0) {
				return Mono.error(new PeerProtocolException(ErrorCode.UNSUPPORTED_VERSION,
						"this node speaks protocol versions " + FrameCodec.VERSIONS + ", peer offered " + hello.versions(),
						false));
			}
			String user = null;
			if (!tokenMatches(hello.token())) {
				user = config.users() == null ? null : config.users().userOf(hello.token());
				if (user == null) {
					return Mono.error(new PeerProtocolException(ErrorCode.UNAUTHORIZED, "missing or wrong token", false));
				}
			}
			if (user != null && version < 2) {
				return Mono.error(new PeerProtocolException(ErrorCode.UNSUPPORTED_VERSION,
						"a user's token needs protocol version 2", false));
			}
			if (hello.mode() != null && (version < 2
					|| !(Frame.Hello.PUSH.equals(hello.mode()) || Frame.Hello.PULL.equals(hello.mode())))) {
				return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
						"session mode " + hello.mode() + " in protocol version " + version, false));
			}
			if (hello.nodeId().equals(engine.origin())) {
				return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
						"peer has this node's own id " + hello.nodeId(), false));
			}
			// the policies must agree on the types both sides fold from this session: those both receive, or
			// in a pull those the dialler receives; a push is not compared (its dialler folds what it pulls)
			Set<String> compared = Frame.Hello.PULL.equals(hello.mode()) ? hello.types()
					: common(hello.types(), config.types());
			String policy = Frame.Hello.PUSH.equals(hello.mode()) ? null : engine.projection().fingerprint(compared);
			// the HELLO's fingerprint is over what the dialler receives: comparable here when that is all compared
			if (policy != null && hello.policy() != null && java.util.Objects.equals(compared, hello.types())
					&& !hello.policy().equals(policy)) {
				return Mono.error(policyMismatch(hello.nodeId(), hello.policy(), compared));
			}
			emitControl(new Frame.Welcome(version, engine.origin(), engine.vector(), config.types(), policy));
			establish(new Established(hello.nodeId(), hello.vector(), hello.types(), version, hello.mode(), user,
					hello.token()));
			return Mono.empty();
		}
		if (initiator && frame instanceof Frame.Welcome) {
			Frame.Welcome welcome = (Frame.Welcome) frame;
			if (!FrameCodec.VERSIONS.contains(welcome.version())) {
				return Mono.error(new PeerProtocolException(ErrorCode.UNSUPPORTED_VERSION,
						"peer chose version " + welcome.version(), false));
			}
			Set<String> compared = common(config.types(), welcome.types());
			if (welcome.policy() != null && !welcome.policy().equals(engine.projection().fingerprint(compared))) {
				return Mono.error(policyMismatch(welcome.nodeId(), welcome.policy(), compared));
			}
			establish(new Established(welcome.nodeId(), welcome.vector(), welcome.types(), welcome.version(), null,
					null, null));
			return Mono.empty();
		}
		return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
				frame.type() + " before the handshake completed", false));
	}

	/** The types two sides both receive, {@code null} for all. */
	private static Set<String> common(Set<String> a, Set<String> b) {
		if (a == null || b == null) {
			return a == null ? b : a;
		}
		Set<String> both = new java.util.HashSet<>(a);
		both.retainAll(b);
		return both;
	}

	/** Replicas whose policies differ cannot converge: the session is refused, and said why on both sides. */
	private PeerProtocolException policyMismatch(String peerId, String peerPolicy, Set<String> types) {
		String own = engine.projection().fingerprint(types);
		String message = "projection policies differ: peer " + peerId + " has fingerprint " + peerPolicy + ", this node "
				+ engine.origin() + " has " + own + " (" + engine.projection().describe(types)
				+ "); replicas that fold events differently cannot converge: give both the same policy";
		log.error("refusing peer {}: {}", link.address(), message);
		return new PeerProtocolException(ErrorCode.POLICY_MISMATCH, message, false);
	}

	private boolean tokenMatches(String offered) {
		if (config.token() == null) {
			// without a shared token a peer is admitted only by a user's token, when any are configured
			return config.users() == null || config.users().isEmpty();
		}
		return UserTokens.matches(config.token(), offered);
	}

	private void establish(Established e) {
		peer = e;
		known.accumulateAndGet(e.vector(), VersionVector::merge);
		acked.accumulateAndGet(e.vector(), VersionVector::merge);
		link.connected(e.nodeId(), e.vector());
		established.tryEmitValue(e);
	}

	/** Records that the peer holds these events (it sent them, or they were sent to it). */
	private void markKnown(List<Event> events) {
		if (events.isEmpty()) {
			return;
		}
		Map<String, Long> max = new HashMap<>();
		for (Event e : events) {
			max.merge(e.origin(), e.originSeq(), Math::max);
		}
		// events travel in sequence order per origin from the peer's vector on, so the highest sequence
		// sent or received per origin is a contiguous advance of what the peer holds
		known.accumulateAndGet(VersionVector.of(max), VersionVector::merge);
	}

	/** What this side sends once the session is established. */
	private Flux<Frame> sender(Established remote) {
		long livePosition = engine.lastPosition();
		// a peer admitted by a user's token reads through that user's view: other users' events as blanks
		io.tributary.UserView view = remote.user() == null ? null : engine.forUser(remote.user());
		// each page continues after the last one: everything the peer lacks up to there was in a page
		java.util.concurrent.atomic.AtomicLong pagedTo = new java.util.concurrent.atomic.AtomicLong();
		Flux<Frame> catchUp = Mono.defer(() -> (view == null
				? engine.lacking(catchUpVector(), pagedTo.get(), config.batchEvents())
				: view.lacking(catchUpVector(), pagedTo.get(), config.batchEvents()))
				.collectList())
				.repeat()
				.takeWhile(page -> !page.isEmpty())
				.doOnNext(page -> pagedTo.set(page.get(page.size() - 1).position()))
				.concatMap(this::framesOf);
		Flux<Frame> caughtUp = Mono.fromSupplier(() -> {
			VersionVector v = engine.vector();
			caughtUpSent.tryEmitValue(v);
			return (Frame) new Frame.CaughtUp(v);
		}).flux();
		// one frame per group commit (split when large): no lingering for a batch to fill up
		if (Frame.Hello.PUSH.equals(remote.mode())) {
			// a push session only receives
			return Flux.empty();
		}
		if (Frame.Hello.PULL.equals(remote.mode())) {
			// a pull session ends with the catch-up: the dialler closes once it applied it
			return Flux.concat(catchUp, caughtUp);
		}
		Flux<Frame> live = (view == null ? engine.eventBatches(livePosition) : view.eventBatches(livePosition))
				.concatMap(this::framesOf);
		return Flux.concat(catchUp, caughtUp, live);
	}

	/** The events without stubs other than rejection stubs: what a full replica takes. */
	static List<Event> withoutStubs(List<Event> events) {
		List<Event> out = null;
		for (int i = 0; i < events.size(); i++) {
			Event e = events.get(i);
			boolean drop = e.isStub() && !e.isBlank();
			if (drop && out == null) {
				out = new ArrayList<>(events.subList(0, i));
			}
			else if (!drop && out != null) {
				out.add(e);
			}
		}
		return out == null ? events : out;
	}

	/**
	 * What of these events goes to the peer: those it does not hold, as stubs when it did not ask for their
	 * type. An event held here only as a stub cannot be served to a peer that wants its content: its origin
	 * is blocked for the rest of the session (the peer gets it from a replica that holds it).
	 */
	private List<Event> unsent(List<Event> events) {
		VersionVector k = known.get();
		Set<String> wanted = peer.types();
		List<Event> out = new ArrayList<>(events.size());
		for (Event e : events) {
			if (k.covers(e.origin(), e.originSeq()) || isBlocked(e)) {
				continue;
			}
			boolean wantsType = wanted == null || wanted.contains(e.type());
			if (!wantsType) {
				out.add(e.stub());
			}
			else if (e.isBlank()) {
				// no replica holds content for a rejection stub: it travels as is
				out.add(e);
			}
			else if (e.isStub()) {
				blocked.putIfAbsent(e.origin(), e.originSeq());
			}
			else {
				out.add(e);
			}
		}
		return out;
	}

	private boolean isBlocked(Event e) {
		Long from = blocked.get(e.origin());
		return from != null && e.originSeq() >= from;
	}

	/** The peer's known vector with blocked origins treated as fully held, so catch-up moves past them. */
	private VersionVector catchUpVector() {
		VersionVector k = known.get();
		if (blocked.isEmpty()) {
			return k;
		}
		Map<String, Long> v = new HashMap<>(k.entries());
		blocked.keySet().forEach(o -> v.put(o, Long.MAX_VALUE));
		return VersionVector.of(v);
	}

	/**
	 * The frames of a batch; an event that cannot be sent at all goes as its blank and is kept as a dead
	 * letter first, so that one damaged event never stops the link.
	 */
	private Flux<Frame> framesOf(List<Event> batch) {
		List<Frame.Rejection> unsendable = new ArrayList<>(0);
		List<Frame> frames = toFrames(batch, unsendable);
		if (unsendable.isEmpty()) {
			return Flux.fromIterable(frames);
		}
		log.warn("{} events cannot be sent to {}; sent as blanks and kept as dead letters: first {}",
				unsendable.size(), link.address(), unsendable.get(0));
		return Rejections.deadLetter(engine, unsendable).thenMany(Flux.fromIterable(frames));
	}

	/** What of a batch goes to the peer, marked as known, in frames within the count and size limits. */
	private List<Frame> toFrames(List<Event> batch, List<Frame.Rejection> unsendable) {
		List<Event> unsent = Rejections.sendable(codec, unsent(batch), unsendable);
		if (unsent.isEmpty()) {
			return List.of();
		}
		markKnown(unsent);
		link.sent(unsent.size());
		List<Frame> frames = new ArrayList<>(1);
		long budget = config.maxFrameBytes() / 2;
		int from = 0;
		long size = 0;
		for (int i = 0; i < unsent.size(); i++) {
			long estimate = FrameEncoder.maxEncodedSize(unsent.get(i));
			if (i > from && (i - from >= config.batchEvents() || size + estimate > budget)) {
				frames.add(new Frame.Events(unsent.subList(from, i)));
				from = i;
				size = 0;
			}
			size += estimate;
		}
		frames.add(new Frame.Events(unsent.subList(from, unsent.size())));
		return frames;
	}
}
