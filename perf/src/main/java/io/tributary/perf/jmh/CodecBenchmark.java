package io.tributary.perf.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.tributary.Event;
import io.tributary.spi.EventCodec;
import io.tributary.transport.peer.Frame;
import io.tributary.transport.peer.FrameCodec;
import io.tributary.transport.peer.PeerConfig;

/**
 * The codecs every event passes through: the store's binary {@link EventCodec} (one event) and the peer
 * protocol's {@link FrameCodec} (an EVENTS frame of 1,000 events), each way.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

	private Event event;
	private byte[] encoded;
	private Frame.Events frame;
	private byte[] frameBytes;
	private FrameCodec frameCodec;

	/** Prepares one event and one frame, and their encodings. */
	@Setup
	public void setUp() {
		List<Event> events = BenchEvents.generate(1000, 2, 500, 7);
		event = events.get(0);
		encoded = EventCodec.encode(event);
		frameCodec = new FrameCodec(PeerConfig.defaults().maxFrameBytes());
		frame = new Frame.Events(events);
		byte[] prefixed = frameCodec.encode(frame);
		// the decoder gets a frame without its length prefix, as the connection's frame splitter hands it on
		frameBytes = java.util.Arrays.copyOfRange(prefixed, 4, prefixed.length);
	}

	/** {@return one event in the store's format} */
	@Benchmark
	public byte[] encodeEvent() {
		return EventCodec.encode(event);
	}

	/** {@return one event read back from the store's format} */
	@Benchmark
	public Event decodeEvent() {
		return EventCodec.decode(encoded, 1);
	}

	/** {@return an EVENTS frame of 1,000 events, with its length prefix} */
	@Benchmark
	public byte[] encodeFrame() {
		return frameCodec.encode(frame);
	}

	/** {@return an EVENTS frame of 1,000 events read back} */
	@Benchmark
	public Frame decodeFrame() {
		return frameCodec.decode(frameBytes);
	}
}
