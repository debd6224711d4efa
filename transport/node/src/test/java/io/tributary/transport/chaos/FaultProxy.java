package io.tributary.transport.chaos;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A TCP proxy in front of one port that injects network faults, for tests. Each accepted connection is
 * piped to the target through a new connection; bytes pass one chunk at a time in each direction, in
 * order, through the faults in force at that moment:
 * <ul>
 * <li>{@link #latency(Duration, Duration) latency} with random jitter, per chunk;</li>
 * <li>a {@link #bandwidth(int) bandwidth} limit (a chunk of n bytes waits n / rate);</li>
 * <li>{@link #slicing(int) slicing}: chunks split into small writes, each flushed on its own;</li>
 * <li>{@link #blackhole(boolean) blackhole}: nothing is delivered, connections stay open and silent;</li>
 * <li>{@link #cutMidFrame() a cut in the middle of a frame}: the next chunk is forwarded up to a random
 * byte inside a peer-protocol frame (the proxy follows the 4-byte length prefixes), then both connections
 * are reset;</li>
 * <li>{@link #resetAll() reset} of every open connection (TCP RST), and {@link #partition(boolean)
 * partition}: reset, and new connections reset as soon as they are accepted.</li>
 * </ul>
 * Randomness comes from the seed, so a schedule of faults replays; the timing of a real network does not.
 */
final class FaultProxy implements AutoCloseable {

	private static final Sinks.Empty<Void> OPEN = Sinks.empty();

	static {
		OPEN.emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
	}

	private final int targetPort;
	private final Random random;
	private final DisposableServer server;
	private final Set<Connection> open = ConcurrentHashMap.newKeySet();
	private final AtomicLong forwarded = new AtomicLong();
	private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

	private volatile Duration latency = Duration.ZERO;
	private volatile Duration jitter = Duration.ZERO;
	private volatile int bytesPerSecond;
	private volatile int sliceBytes;
	private volatile Sinks.Empty<Void> gate = OPEN;
	private volatile boolean partitioned;
	private volatile boolean cutArmed;

	FaultProxy(int targetPort, long seed) {
		this.targetPort = targetPort;
		this.random = new Random(seed);
		this.server = TcpServer.create().host("127.0.0.1").port(0).handle(this::accept).bindNow(Duration.ofSeconds(10));
	}

	/** The port to connect to instead of the target's. */
	int port() {
		return server.port();
	}

	/** The bytes forwarded so far from clients to the target, in order (one client at a time to be useful). */
	byte[] captured() {
		synchronized (captured) {
			return captured.toByteArray();
		}
	}

	/** Bytes forwarded so far, both directions. */
	long forwarded() {
		return forwarded.get();
	}

	/** Each chunk waits {@code base} plus a random part of up to {@code extra}. */
	FaultProxy latency(Duration base, Duration extra) {
		this.latency = base;
		this.jitter = extra;
		return this;
	}

	/** At most this many bytes a second in each direction of each connection; 0 for no limit. */
	FaultProxy bandwidth(int rate) {
		this.bytesPerSecond = rate;
		return this;
	}

	/** Splits chunks into writes of 1 to {@code maxBytes} bytes; 0 to forward chunks whole. */
	FaultProxy slicing(int maxBytes) {
		this.sliceBytes = maxBytes;
		return this;
	}

	/**
	 * While on, nothing is delivered in either direction and connections stay open: the proxy stops reading,
	 * so senders fill their TCP windows, as over a dead link. Off again, the held bytes flow on intact (as
	 * TCP would retransmit them), unless the peers gave up on the connection meanwhile.
	 */
	synchronized FaultProxy blackhole(boolean on) {
		if (on && gate == OPEN) {
			gate = Sinks.empty();
		}
		else if (!on && gate != OPEN) {
			Sinks.Empty<Void> held = gate;
			gate = OPEN;
			held.emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
		}
		return this;
	}

	/** The next chunk in either direction is cut inside a frame, then both connections are reset. */
	FaultProxy cutMidFrame() {
		this.cutArmed = true;
		return this;
	}

	/** Resets every open connection. */
	FaultProxy resetAll() {
		for (Connection c : List.copyOf(open)) {
			reset(c);
		}
		return this;
	}

	/** While on, every open and every new connection is reset. */
	FaultProxy partition(boolean on) {
		this.partitioned = on;
		if (on) {
			resetAll();
		}
		return this;
	}

	/** Takes every fault away; open connections are kept (a blackholed one recovers, or times out). */
	synchronized FaultProxy heal() {
		latency = Duration.ZERO;
		jitter = Duration.ZERO;
		bytesPerSecond = 0;
		sliceBytes = 0;
		blackhole(false);
		partitioned = false;
		cutArmed = false;
		return this;
	}

	@Override
	public void close() {
		resetAll();
		server.disposeNow(Duration.ofSeconds(5));
	}

	private Mono<Void> accept(NettyInbound in, NettyOutbound out) {
		Connection[] downstream = new Connection[1];
		in.withConnection(c -> downstream[0] = c);
		if (partitioned) {
			reset(downstream[0]);
			return Mono.empty();
		}
		open.add(downstream[0]);
		return Mono.usingWhen(
				TcpClient.create().host("127.0.0.1").port(targetPort).connect(),
				upstream -> {
					open.add(upstream);
					Pipe toTarget = new Pipe(downstream[0], upstream, true);
					Pipe toClient = new Pipe(upstream, downstream[0], false);
					Mono<Void> up = upstream.outbound().send(toTarget.forward(in.receive().asByteArray()), b -> true).then();
					Mono<Void> down = out.send(toClient.forward(upstream.inbound().receive().asByteArray()), b -> true).then();
					// when either side ends, both do
					return Mono.firstWithSignal(up, down).onErrorResume(e -> Mono.empty());
				},
				upstream -> Mono.fromRunnable(() -> {
					open.remove(upstream);
					upstream.dispose();
				}))
				.onErrorResume(e -> Mono.empty())
				.doFinally(s -> open.remove(downstream[0]));
	}

	// closing is fire and forget: the proxy only needs the peer to see the connection go
	@SuppressWarnings("FutureReturnValueIgnored")
	private static void reset(Connection c) {
		Channel ch = c.channel();
		if (!ch.isRegistered()) {
			// closed already, and taken off its event loop
			ch.close();
			return;
		}
		ch.eventLoop().execute(() -> {
			if (ch.isOpen()) {
				// SO_LINGER 0: close sends RST instead of FIN
				ch.config().setOption(ChannelOption.SO_LINGER, 0);
				ch.close();
			}
		});
	}

	private int nextInt(int bound) {
		synchronized (random) {
			return random.nextInt(bound);
		}
	}

	/** One direction of one connection: the faults applied in order, and where the frames begin. */
	private final class Pipe {
		private final Connection from;
		private final Connection to;
		private final boolean capture;
		/** Bytes left in the current frame, or -(header bytes read) while reading a length prefix. */
		private long frameLeft;
		private int header;
		private int headerRead;

		Pipe(Connection from, Connection to, boolean capture) {
			this.from = from;
			this.to = to;
			this.capture = capture;
		}

		Flux<ByteBuf> forward(Flux<byte[]> chunks) {
			return chunks.concatMap(this::apply, 1).map(Unpooled::wrappedBuffer);
		}

		private Flux<byte[]> apply(byte[] chunk) {
			// a held chunk stops reading (prefetch 1): TCP pushes back on the sender, as a dead link does
			return gate.asMono().thenMany(Flux.defer(() -> {
				if (cutArmed) {
					cutArmed = false;
					byte[] part = Arrays.copyOf(chunk, cutPoint(chunk));
					count(part);
					return Flux.just(part).concatWith(Mono.fromRunnable(() -> {
						reset(from);
						reset(to);
					}));
				}
				track(chunk, 0, chunk.length);
				count(chunk);
				return Flux.fromIterable(slice(chunk)).concatMap(s -> Mono.just(s).delayElement(delayFor(s.length)), 1);
			}));
		}

		private void count(byte[] bytes) {
			forwarded.addAndGet(bytes.length);
			if (capture) {
				synchronized (captured) {
					captured.writeBytes(bytes);
				}
			}
		}

		private Duration delayFor(int bytes) {
			Duration d = latency;
			Duration extra = jitter;
			if (!extra.isZero()) {
				d = d.plusNanos(nextInt((int) Math.min(Integer.MAX_VALUE, extra.toNanos())));
			}
			int rate = bytesPerSecond;
			if (rate > 0) {
				d = d.plusNanos(bytes * 1_000_000_000L / rate);
			}
			return d;
		}

		private List<byte[]> slice(byte[] chunk) {
			int max = sliceBytes;
			if (max <= 0 || chunk.length <= 1) {
				return List.of(chunk);
			}
			List<byte[]> out = new ArrayList<>();
			for (int at = 0; at < chunk.length;) {
				int n = Math.min(chunk.length - at, 1 + nextInt(max));
				out.add(Arrays.copyOfRange(chunk, at, at + n));
				at += n;
			}
			return out;
		}

		/** A cut point strictly inside a frame of this chunk (in its length prefix or its body), else 0. */
		private int cutPoint(byte[] chunk) {
			List<Integer> inside = new ArrayList<>();
			for (int at = 0; at < chunk.length - 1;) {
				at += track(chunk, at, 1);
				if (frameLeft > 0 || headerRead > 0) {
					inside.add(at);
				}
			}
			return inside.isEmpty() ? 0 : inside.get(nextInt(inside.size()));
		}

		/** Follows frame boundaries over {@code length} bytes from {@code at}; returns the bytes followed. */
		private int track(byte[] chunk, int at, int length) {
			int end = at + length;
			while (at < end) {
				if (frameLeft > 0) {
					int n = (int) Math.min(frameLeft, end - at);
					frameLeft -= n;
					at += n;
				}
				else {
					header = (header << 8) | (chunk[at++] & 0xFF);
					if (++headerRead == 4) {
						frameLeft = header & 0xFFFFFFFFL;
						header = 0;
						headerRead = 0;
					}
				}
			}
			return length;
		}
	}
}
