package io.tributary.transport.peer;

import java.util.List;
import java.util.Set;

import io.tributary.Event;
import io.tributary.VersionVector;

/**
 * A decoded peer-protocol frame. See {@code docs/PROTOCOL.md} for the wire form of each.
 */
public sealed interface Frame {

	/**
	 * The frame's type.
	 *
	 * @return the type
	 */
	FrameType type();

	/**
	 * Opens a session.
	 *
	 * @param versions protocol versions the sender speaks
	 * @param nodeId the sender's node (origin) id
	 * @param token the shared secret, {@code null} when none
	 * @param vector the sender's vector: the receiver sends what it lacks
	 * @param types entity types the sender wants to receive, {@code null} for all
	 * @param mode the session's kind from version 2 on: {@code push} or {@code pull}; {@code null} for the
	 *        symmetric session of version 1
	 * @param policy the fingerprint of the sender's projection policy over {@code types}
	 *        ({@link io.tributary.ProjectionPolicy#fingerprint(Set)}), {@code null} when not compared
	 */
	record Hello(List<Integer> versions, String nodeId, String token, VersionVector vector, Set<String> types,
			String mode, String policy) implements Frame {

		/** A one-shot session that only sends events to the acceptor (version 2). */
		public static final String PUSH = "push";
		/** A one-shot session that only receives the acceptor's catch-up (version 2). */
		public static final String PULL = "pull";

		/**
		 * A HELLO of a symmetric session.
		 *
		 * @param versions protocol versions the sender speaks
		 * @param nodeId the sender's node id
		 * @param token the shared secret, {@code null} when none
		 * @param vector the sender's vector
		 * @param types entity types wanted, {@code null} for all
		 */
		public Hello(List<Integer> versions, String nodeId, String token, VersionVector vector, Set<String> types) {
			this(versions, nodeId, token, vector, types, null, null);
		}

		/**
		 * A HELLO whose policy is not compared.
		 *
		 * @param versions protocol versions the sender speaks
		 * @param nodeId the sender's node id
		 * @param token the shared secret, {@code null} when none
		 * @param vector the sender's vector
		 * @param types entity types wanted, {@code null} for all
		 * @param mode {@code push}, {@code pull} or {@code null}
		 */
		public Hello(List<Integer> versions, String nodeId, String token, VersionVector vector, Set<String> types,
				String mode) {
			this(versions, nodeId, token, vector, types, mode, null);
		}

		@Override
		public FrameType type() {
			return FrameType.HELLO;
		}

		@Override
		public String toString() {
			return "Hello[versions=" + versions + ", nodeId=" + nodeId + ", token=" + (token == null ? "none" : "****")
					+ ", vector=" + vector + ", types=" + types + ", mode=" + mode + ", policy=" + policy + "]";
		}
	}

	/**
	 * Accepts a session.
	 *
	 * @param version the chosen protocol version
	 * @param nodeId the acceptor's node id
	 * @param vector the acceptor's vector
	 * @param types entity types the acceptor wants to receive, {@code null} for all
	 * @param policy the fingerprint of the acceptor's projection policy over the types of the HELLO,
	 *        {@code null} when not compared
	 */
	record Welcome(int version, String nodeId, VersionVector vector, Set<String> types, String policy)
			implements Frame {

		/**
		 * A WELCOME whose policy is not compared.
		 *
		 * @param version the chosen protocol version
		 * @param nodeId the acceptor's node id
		 * @param vector the acceptor's vector
		 * @param types entity types the acceptor wants to receive, {@code null} for all
		 */
		public Welcome(int version, String nodeId, VersionVector vector, Set<String> types) {
			this(version, nodeId, vector, types, null);
		}

		@Override
		public FrameType type() {
			return FrameType.WELCOME;
		}
	}

	/**
	 * A batch of events.
	 *
	 * @param events the events, each origin's in sequence order; an event the decoder refused stands here as
	 *        a blank ({@link Event#blank()}) at its address
	 * @param refused the events the decoder refused (not decodable, or over a limit of {@link io.tributary.Limits}),
	 *        empty when encoding
	 */
	record Events(List<Event> events, List<Rejection> refused) implements Frame {

		/**
		 * A batch to send.
		 *
		 * @param events the events, each origin's in sequence order
		 */
		public Events(List<Event> events) {
			this(events, List.of());
		}

		@Override
		public FrameType type() {
			return FrameType.EVENTS;
		}
	}

	/**
	 * The receiver's vector after applying.
	 *
	 * @param vector the vector
	 */
	record Ack(VersionVector vector) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.ACK;
		}
	}

	/**
	 * Heartbeat request.
	 *
	 * @param nanos the sender's clock, echoed by the answer
	 */
	record Ping(long nanos) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.PING;
		}
	}

	/**
	 * Heartbeat answer.
	 *
	 * @param nanos the value of the ping answered
	 */
	record Pong(long nanos) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.PONG;
		}
	}

	/**
	 * Catch-up done.
	 *
	 * @param vector the sender's vector when catch-up ended
	 */
	record CaughtUp(VersionVector vector) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.CAUGHT_UP;
		}
	}

	/**
	 * Events of the last EVENTS frame that the receiver refused permanently (version 2); sent just before
	 * that frame's ACK. The receiver recorded each as a rejection stub, so its vector covers them.
	 *
	 * @param rejections the refused events
	 */
	record Rejected(List<Rejection> rejections) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.REJECTED;
		}
	}

	/**
	 * One permanently refused event.
	 *
	 * @param origin the event's origin
	 * @param seq the event's sequence
	 * @param code why, as a code: {@code FORBIDDEN} (row-level security) or {@code INVALID_EVENT}
	 * @param reason a human-readable explanation
	 */
	record Rejection(String origin, long seq, String code, String reason) {
	}

	/**
	 * A protocol error.
	 *
	 * @param code the code
	 * @param message a human-readable explanation
	 */
	@SuppressWarnings("JavaLangClash") // the protocol's ERROR frame, always named as Frame.Error
	record Error(ErrorCode code, String message) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.ERROR;
		}
	}
}
