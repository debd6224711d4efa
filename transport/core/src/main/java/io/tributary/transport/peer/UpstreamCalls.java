package io.tributary.transport.peer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;

/**
 * The one-shot sessions of protocol version 2 that an offline-first client runs against its upstream
 * node: a <em>push</em> of this replica's own events that the upstream lacks, and a <em>pull</em> of what
 * this replica lacks. Each call dials, runs one session and closes it. See {@code docs/PROTOCOL.md}.
 * <p>
 * Inbound frames are handled one at a time in arrival order; engine and store work runs on the engine's
 * and the store's threads, never blocking the connection's event loop.
 */
public final class UpstreamCalls {

	private static final List<Integer> V2 = List.of(2);

	private final PeerConfig config;
	private final PeerAddress address;
	private final FrameCodec codec;

	/**
	 * Calls to one upstream.
	 *
	 * @param config protocol settings (frame size, timeouts, TLS); its token is not used, each call gets one
	 * @param address the upstream's peer address
	 */
	public UpstreamCalls(PeerConfig config, PeerAddress address) {
		this.config = Objects.requireNonNull(config, "config");
		this.address = Objects.requireNonNull(address, "address");
		this.codec = new FrameCodec(config.maxFrameBytes());
	}

	/**
	 * The upstream's address.
	 *
	 * @return the address
	 */
	public PeerAddress address() {
		return address;
	}

	/**
	 * What a push achieved.
	 *
	 * @param pushed events the upstream acknowledged, refused ones included
	 * @param rejected events the upstream refused permanently
	 * @param upstream the upstream's vector at the end
	 * @param stoppedOnRejection whether the push stopped early after a refused event
	 */
	public record PushResult(int pushed, int rejected, VersionVector upstream, boolean stoppedOnRejection) {
	}

	/**
	 * What a pull achieved.
	 *
	 * @param byType events with content received per entity type (stubs not counted)
	 * @param applied events newly stored
	 * @param upstream the upstream's vector when its catch-up ended
	 */
	public record PullResult(Map<String, Integer> byType, int applied, VersionVector upstream) {
	}

	/**
	 * Pushes this replica's own events that the upstream lacks, a frame at a time, each sent after the
	 * previous one was acknowledged; the outbox is read from the log by the upstream's vector, so nothing is
	 * queued beside the log.
	 *
	 * @param engine this replica
	 * @param token the token to present, {@code null} for none
	 * @param batchEvents most events per frame (frames also stay within half the maximum frame size)
	 * @param stopOnRejection whether to stop after the first frame with a refused event
	 * @param onVector called with the upstream's vector at the handshake and after each acknowledgement
	 * @param onRejected called with each frame's refusals before the next frame is sent; the push waits for
	 *        the returned {@code Mono}
	 * @return the result; errors with {@link PeerProtocolException} when the upstream ends the session
	 *         ({@link ErrorCode#UNAUTHORIZED} for a bad token), or with the connection's error
	 */
	public Mono<PushResult> push(SyncEngine engine, String token, int batchEvents, boolean stopOnRejection,
			Consumer<VersionVector> onVector, Function<List<Frame.Rejection>, Mono<Void>> onRejected) {
		return Mono.defer(() -> {
			int[] counts = new int[3]; // pushed, rejected, size of the frame in flight
			VersionVector[] upstream = { VersionVector.empty() };
			return session(new Frame.Hello(V2, engine.origin(), token, engine.vector(), Set.of(), Frame.Hello.PUSH),
					(frame, out) -> {
						switch (frame.type()) {
							case WELCOME:
								upstream[0] = ((Frame.Welcome) frame).vector();
								onVector.accept(upstream[0]);
								return nextBatch(engine, upstream[0], batchEvents, counts, out, onRejected);
							case REJECTED:
								List<Frame.Rejection> rejections = ((Frame.Rejected) frame).rejections();
								counts[1] += rejections.size();
								return onRejected.apply(rejections).then(Mono.empty());
							case ACK:
								upstream[0] = upstream[0].merge(((Frame.Ack) frame).vector());
								onVector.accept(upstream[0]);
								counts[0] += counts[2];
								if (stopOnRejection && counts[1] > 0) {
									return Mono.just(new PushResult(counts[0], counts[1], upstream[0], true));
								}
								return nextBatch(engine, upstream[0], batchEvents, counts, out, onRejected);
							default:
								return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
										frame.type() + " in a push session", false));
						}
					});
		});
	}

	private Mono<PushResult> nextBatch(SyncEngine engine, VersionVector upstream, int batchEvents, int[] counts,
			Consumer<Frame> out, Function<List<Frame.Rejection>, Mono<Void>> onRejected) {
		String own = engine.origin();
		Map<String, Long> have = new HashMap<>();
		engine.vector().entries().keySet().forEach(o -> have.put(o, Long.MAX_VALUE));
		have.put(own, upstream.get(own));
		return engine.lacking(VersionVector.of(have), batchEvents).collectList().flatMap(page -> {
			if (page.isEmpty()) {
				return Mono.just(new PushResult(counts[0], counts[1], upstream, false));
			}
			// an event that cannot travel at all goes as its blank, refused here as the upstream would refuse it
			List<Frame.Rejection> unsendable = new java.util.ArrayList<>(0);
			List<Event> frame = Rejections.sendable(codec, withinBudget(page), unsendable);
			counts[2] = frame.size();
			counts[1] += unsendable.size();
			Mono<Void> kept = unsendable.isEmpty() ? Mono.empty() : onRejected.apply(unsendable);
			return kept.then(Mono.fromRunnable(() -> out.accept(new Frame.Events(frame))));
		});
	}

	/** A prefix of the page within half the maximum frame (at least one event); the rest goes next. */
	private List<Event> withinBudget(List<Event> page) {
		long budget = config.maxFrameBytes() / 2;
		long size = 0;
		for (int i = 0; i < page.size(); i++) {
			size += FrameEncoder.maxEncodedSize(page.get(i));
			if (size > budget && i > 0) {
				return page.subList(0, i);
			}
		}
		return page;
	}

	/**
	 * Pulls what this replica lacks of the upstream's events: the upstream sends its catch-up for this
	 * replica's vector (events of types not in {@code types} as stubs) and ends it with CAUGHT_UP; every
	 * frame is applied and acknowledged before the next is read.
	 *
	 * @param engine this replica
	 * @param token the token to present, {@code null} for none
	 * @param types entity types wanted, {@code null} for all
	 * @param onVector called with the upstream's vector at the handshake and at the end of its catch-up
	 * @return the result; errors as {@link #push}
	 */
	public Mono<PullResult> pull(SyncEngine engine, String token, Set<String> types, Consumer<VersionVector> onVector) {
		return Mono.defer(() -> pullSession(engine, token, engine.vector(), types, onVector, (frame, tally, out) -> {
			List<Event> events = types == null ? PeerSession.withoutStubs(frame.events()) : frame.events();
			for (Event e : events) {
				if (!e.isStub()) {
					tally.byType.merge(e.type(), 1, Integer::sum);
				}
			}
			// an event this replica cannot take is refused alone, as a blank, and the upstream told why
			List<Frame.Rejection> rejections = new java.util.ArrayList<>(0);
			return Rejections.applyScreened(engine, new Frame.Events(events, frame.refused()), null, rejections)
					.map(r -> {
						tally.count += r.applied();
						if (!rejections.isEmpty()) {
							out.accept(new Frame.Rejected(List.copyOf(rejections)));
						}
						return engine.vector();
					});
		}));
	}

	/** Takes one EVENTS frame of a pull session; answers the vector to acknowledge. */
	private interface FrameHandler {
		Mono<VersionVector> apply(Frame.Events frame, Tally tally, Consumer<Frame> out);
	}

	/** What a pull counted: events per type, and in all. */
	private static final class Tally {
		final Map<String, Integer> byType = new java.util.TreeMap<>();
		int count;
	}

	/**
	 * One pull session from a vector: each EVENTS frame goes to {@code onEvents}, whose vector is acknowledged
	 * before the next frame is read; the result comes at CAUGHT_UP.
	 */
	private Mono<PullResult> pullSession(SyncEngine engine, String token, VersionVector from, Set<String> types,
			Consumer<VersionVector> onVector, FrameHandler onEvents) {
		Tally tally = new Tally();
		return session(new Frame.Hello(V2, engine.origin(), token, from, types, Frame.Hello.PULL,
				engine.projection().fingerprint(types)), (frame, out) -> {
			switch (frame.type()) {
				case WELCOME:
					// the upstream compared the policy fingerprint over the types pulled, and refuses a mismatch
					onVector.accept(((Frame.Welcome) frame).vector());
					return Mono.empty();
				case EVENTS:
					return onEvents.apply((Frame.Events) frame, tally, out).flatMap(ack -> {
						out.accept(new Frame.Ack(ack));
						return Mono.<PullResult>empty();
					});
				case CAUGHT_UP:
					VersionVector v = ((Frame.CaughtUp) frame).vector();
					onVector.accept(v);
					return Mono.just(new PullResult(Map.copyOf(tally.byType), tally.count, v));
				default:
					return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
							frame.type() + " in a pull session", false));
			}
		});
	}

	/**
	 * Pulls the upstream's whole log for this replica and puts what it sends with content in the place of the
	 * blanks and stubs this replica holds at those addresses ({@link SyncEngine#fill}): how a client gets back
	 * the content of a type it starts syncing, or a user's data after logging in again. The session asks from
	 * an empty vector, so the upstream sends every event (those of types not in {@code types} as stubs, which
	 * are not filled); events this replica lacks are left to {@link #pull}. Each frame is filled, a type at a
	 * time, before the next is read.
	 *
	 * @param engine this replica
	 * @param token the token to present, {@code null} for none
	 * @param types entity types wanted, {@code null} for all
	 * @param onVector called with the upstream's vector at the handshake and at the end of its catch-up
	 * @return the result: {@code byType} and {@code applied} count the events filled; errors as {@link #push}
	 */
	public Mono<PullResult> refill(SyncEngine engine, String token, Set<String> types, Consumer<VersionVector> onVector) {
		return Mono.defer(() -> {
			// what this session received: acknowledging the local vector would make the upstream skip the rest
			Map<String, Long> received = new HashMap<>();
			return pullSession(engine, token, VersionVector.empty(), types, onVector, (frame, tally, out) -> {
				Map<String, List<Event>> content = new java.util.TreeMap<>();
				for (Event e : frame.events()) {
					received.merge(e.origin(), e.originSeq(), Math::max);
					if (!e.isStub()) {
						content.computeIfAbsent(e.type(), t -> new java.util.ArrayList<>()).add(e);
					}
				}
				return Flux.fromIterable(content.entrySet())
						.concatMap(t -> engine.fill(t.getValue()).doOnNext(n -> {
							if (n > 0) {
								tally.byType.merge(t.getKey(), n, Integer::sum);
								tally.count += n;
							}
						}))
						.then(Mono.fromSupplier(() -> VersionVector.of(received)));
			});
		});
	}

	/** Handles one inbound frame; emits the session's result when it is done. */
	private interface Handler<T> {
		Mono<T> on(Frame frame, Consumer<Frame> out);
	}

	private <T> Mono<T> session(Frame.Hello hello, Handler<T> handler) {
		return Mono.usingWhen(PeerConnector.connect(config, address.host(), address.port()),
				connection -> converse(connection, hello, handler),
				connection -> Mono.fromRunnable(connection::dispose));
	}

	private <T> Mono<T> converse(Connection connection, Frame.Hello hello, Handler<T> handler) {
		Sinks.Many<Frame> outbound = Sinks.many().unicast().onBackpressureBuffer();
		Consumer<Frame> out = frame -> {
			synchronized (outbound) {
				Sinks.EmitResult r = outbound.tryEmitNext(frame);
				if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED && r != Sinks.EmitResult.FAIL_CANCELLED) {
					throw new IllegalStateException("cannot queue a " + frame.type() + " frame: " + r);
				}
			}
		};
		out.accept(hello);
		boolean[] welcomed = { false };
		Mono<T> send = connection.outbound().sendByteArray(outbound.asFlux().map(codec::encode)).then().then(Mono.empty());
		Flux<T> receive = connection.inbound().receive().asByteArray()
				.timeout(config.idleTimeout())
				.map(codec::decode)
				.concatMap(frame -> {
					switch (frame.type()) {
						case PING:
							out.accept(new Frame.Pong(((Frame.Ping) frame).nanos()));
							return Mono.empty();
						case PONG:
							return Mono.empty();
						case ERROR:
							Frame.Error err = (Frame.Error) frame;
							return Mono.error(new PeerProtocolException(err.code(), err.message(), true));
						case WELCOME:
							if (welcomed[0] || ((Frame.Welcome) frame).version() < 2) {
								return Mono.error(new PeerProtocolException(ErrorCode.UNSUPPORTED_VERSION,
										"the upstream does not speak protocol version 2", false));
							}
							welcomed[0] = true;
							return handler.on(frame, out);
						default:
							if (!welcomed[0]) {
								return Mono.error(new PeerProtocolException(ErrorCode.PROTOCOL_VIOLATION,
										frame.type() + " before WELCOME", false));
							}
							return handler.on(frame, out);
					}
				}, 1);
		return Flux.merge(send, receive)
				.next()
				.switchIfEmpty(Mono.error(() -> new java.io.IOException("the upstream closed the session")))
				.doFinally(s -> {
					synchronized (outbound) {
						outbound.tryEmitComplete();
					}
				});
	}
}
