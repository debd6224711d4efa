package io.tributary.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.tributary.Event;
import io.tributary.transport.peer.Frame;
import io.tributary.transport.peer.FrameCodec;
import io.tributary.transport.peer.PeerConfig;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * The raw Reactor Netty TCP baseline of the transport scenarios: the bytes of the same EVENTS frames the
 * peer protocol would send, encoded beforehand, streamed over loopback from one server to each receiver,
 * which only splits them into frames (the protocol's length prefix) and counts them. No engine, no store,
 * no decoding of events: what the network stack and Reactor Netty alone manage on this machine.
 * Blocking: run from the scenario's thread.
 */
final class TcpBaseline {

	private static final String HOST = "127.0.0.1";

	/** Frames to stream and how many events they carry. */
	record Frames(List<byte[]> frames, long events, long bytes) {
	}

	/** How long the stream took. */
	record Run(long nanos, long framesPerReceiver, long bytesPerReceiver) {
	}

	private TcpBaseline() {
	}

	/**
	 * Encodes a node's stored events into EVENTS frames of at most {@code batchEvents} events, split further
	 * where a frame would exceed the protocol's largest frame, as the peer sender does.
	 *
	 * @param source the node
	 * @param batchEvents most events per frame
	 * @return the frames, with their length prefixes
	 */
	static Frames frames(Node source, int batchEvents) {
		FrameCodec codec = new FrameCodec(PeerConfig.defaults().maxFrameBytes());
		List<byte[]> frames = new ArrayList<>();
		List<Event> batch = new ArrayList<>(batchEvents);
		long[] counts = new long[2];
		source.forEachEvent(e -> {
			batch.add(e);
			if (batch.size() == batchEvents) {
				encode(codec, batch, frames, counts);
				batch.clear();
			}
		});
		if (!batch.isEmpty()) {
			encode(codec, batch, frames, counts);
		}
		return new Frames(frames, counts[0], counts[1]);
	}

	private static void encode(FrameCodec codec, List<Event> batch, List<byte[]> frames, long[] counts) {
		byte[] frame;
		try {
			frame = codec.encode(new Frame.Events(List.copyOf(batch)));
		}
		catch (IllegalArgumentException tooLarge) {
			if (batch.size() == 1) {
				throw tooLarge;
			}
			int half = batch.size() / 2;
			encode(codec, new ArrayList<>(batch.subList(0, half)), frames, counts);
			encode(codec, new ArrayList<>(batch.subList(half, batch.size())), frames, counts);
			return;
		}
		frames.add(frame);
		counts[0] += batch.size();
		counts[1] += frame.length;
	}

	/**
	 * Streams every frame to each of {@code receivers} clients at once, timed from the first connect until
	 * the last receiver counted the last frame.
	 *
	 * @param frames what to send
	 * @param receivers clients
	 * @param timeout the longest it may take
	 * @return the run
	 */
	static Run stream(Frames frames, int receivers, Duration timeout) {
		int maxFrame = PeerConfig.defaults().maxFrameBytes();
		DisposableServer server = TcpServer.create().host(HOST).port(0)
				.handle((in, out) -> out.send(Flux.fromIterable(frames.frames()).map(Unpooled::wrappedBuffer)))
				.bindNow();
		try {
			long n = frames.frames().size();
			long start = System.nanoTime();
			List<Long> counted = Flux.range(0, receivers)
					.flatMap(r -> TcpClient.create().host(HOST).port(server.port())
							.doOnConnected(c -> c.addHandlerLast(new LengthFieldBasedFrameDecoder(maxFrame + 4, 0, 4, 0, 4)))
							.connect()
							.flatMap(c -> c.inbound().receive().take(n).count()
									.doFinally(s -> c.dispose())))
					.collectList()
					.block(timeout);
			long nanos = System.nanoTime() - start;
			if (counted == null || counted.size() != receivers || counted.stream().anyMatch(c -> c != n)) {
				throw new IllegalStateException("raw TCP receivers counted " + counted + " frames, expected " + n);
			}
			return new Run(nanos, n, frames.bytes());
		}
		finally {
			server.disposeNow();
		}
	}
}
