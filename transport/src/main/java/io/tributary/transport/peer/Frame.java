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
	 */
	record Hello(List<Integer> versions, String nodeId, String token, VersionVector vector, Set<String> types)
			implements Frame {
		@Override
		public FrameType type() {
			return FrameType.HELLO;
		}

		@Override
		public String toString() {
			return "Hello[versions=" + versions + ", nodeId=" + nodeId + ", token=" + (token == null ? "none" : "****")
					+ ", vector=" + vector + ", types=" + types + "]";
		}
	}

	/**
	 * Accepts a session.
	 *
	 * @param version the chosen protocol version
	 * @param nodeId the acceptor's node id
	 * @param vector the acceptor's vector
	 * @param types entity types the acceptor wants to receive, {@code null} for all
	 */
	record Welcome(int version, String nodeId, VersionVector vector, Set<String> types) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.WELCOME;
		}
	}

	/**
	 * A batch of events.
	 *
	 * @param events the events, each origin's in sequence order
	 */
	record Events(List<Event> events) implements Frame {
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
	 * A protocol error.
	 *
	 * @param code the code
	 * @param message a human-readable explanation
	 */
	record Error(ErrorCode code, String message) implements Frame {
		@Override
		public FrameType type() {
			return FrameType.ERROR;
		}
	}
}
