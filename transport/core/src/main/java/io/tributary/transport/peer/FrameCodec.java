package io.tributary.transport.peer;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;

import io.tributary.Event;
import io.tributary.Limits;

/**
 * Encodes and decodes peer-protocol frames. Wire form: a 4-byte big-endian length (of what follows), a
 * type byte, then a UTF-8 JSON body. Event payloads travel as embedded JSON objects and are sliced back
 * out byte for byte, so a replica stores exactly the bytes the writer stored. Slicing a payload out checks it
 * against {@link Limits} ({@link Limits#checkPayload(JsonParser)}), so it is not parsed a second time
 * ({@link io.tributary.spi.EngineAdmin#applyChecked(List)}). An event that is over a limit, or whose fields cannot
 * be decoded, is refused alone: it stands in the decoded frame as a blank at its address, listed in
 * {@link Frame.Events#refused()}, and the rest of the frame decodes. Stateless, thread-safe.
 * <p>
 * The writing side is {@link FrameEncoder}, the reading side {@link FrameDecoder}; this class holds what they
 * share: the frame size and how deep a frame's JSON may nest.
 */
public final class FrameCodec {

	/** The protocol versions this implementation speaks. */
	public static final List<Integer> VERSIONS = List.of(1, 2);

	private final int maxFrameBytes;
	private final FrameEncoder encoder;
	private final FrameDecoder decoder;

	/**
	 * A codec for frames up to a size.
	 *
	 * @param maxFrameBytes the largest frame (type byte and body) accepted or produced
	 */
	public FrameCodec(int maxFrameBytes) {
		this.maxFrameBytes = maxFrameBytes;
		this.encoder = new FrameEncoder(maxFrameBytes);
		this.decoder = new FrameDecoder(maxFrameBytes);
	}

	/**
	 * The JSON of a frame's body: a payload sits three levels down (frame, events, event); the factory is wider
	 * than the payload limits, which the decoder checks event by event ({@link Limits#checkPayload(JsonParser)}),
	 * so one event over a limit is refused alone and the rest of its frame applies.
	 */
	static JsonFactory frameJson(int maxFrameBytes) {
		return Limits.jsonFactory(3, maxFrameBytes);
	}

	/**
	 * The largest frame accepted or produced.
	 *
	 * @return bytes of type and body
	 */
	public int maxFrameBytes() {
		return maxFrameBytes;
	}

	/**
	 * Encodes a frame with its length prefix.
	 *
	 * @param frame the frame
	 * @return the bytes to write
	 * @throws IllegalArgumentException when the frame exceeds the maximum size
	 */
	public byte[] encode(Frame frame) {
		return encoder.encode(frame);
	}

	/**
	 * Decodes a frame without its length prefix (as the length-field decoder hands it over).
	 *
	 * @param frame the type byte and the body
	 * @return the frame
	 * @throws PeerProtocolException with {@link ErrorCode#BAD_FRAME} when it cannot be decoded, with
	 *         {@link ErrorCode#FRAME_TOO_LARGE} when it is over the maximum size
	 */
	public Frame decode(byte[] frame) {
		return decoder.decode(frame);
	}

	/**
	 * Which events of a batch cannot travel in a frame at all ({@link #unsendable(Event)}), checked with one
	 * non-blocking parser fed one payload after the other, so that a batch costs one parser rather than one per
	 * event; only after a payload it cannot read does it start a new one.
	 *
	 * @param events events to send
	 * @return the reason for each index that cannot be sent; empty when all can
	 */
	public Map<Integer, String> unsendable(List<Event> events) {
		return encoder.unsendable(events);
	}

	/**
	 * Why an event cannot travel in a frame at all, if it cannot: its payload is not well-formed JSON (what a
	 * store damaged beneath the engine may hold) or nests deeper than any receiver's frame parser reads, or the
	 * event does not fit a frame. Limits a receiver may refuse the event for are its to decide, event by event.
	 *
	 * @param e an event to send
	 * @return the reason, {@code null} when it can be sent
	 */
	public String unsendable(Event e) {
		return unsendable(List.of(e)).get(0);
	}
}
