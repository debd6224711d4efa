package io.tributary.transport.chaos;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.Frame;
import io.tributary.transport.peer.FrameCodec;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A captured peer session, replayed byte for byte, changes nothing that already happened: the bytes one
 * node sent another in a real session (recorded by a {@link FaultProxy} between them) are sent again to
 * the node that received them, and twice to a fresh node. Each replay is acknowledged frame by frame; the
 * receivers' vectors, logs and convergence hashes show every event stored once.
 */
class ReplayedStreamTest {

	private static final String TOKEN = "replay-token";

	@TempDir
	Path dir;

	private final List<SyncNode> nodes = new ArrayList<>();
	private FaultProxy proxy;

	@AfterEach
	void stop() {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(2)).block(NodeHttp.T);
		}
		if (proxy != null) {
			proxy.close();
		}
	}

	private SyncNode start(String name, PeerAddress... peers) {
		SyncNode.Builder b = SyncNode.builder().dataDir(dir.resolve(name)).nodeId(name).httpPort(0).peerPort(0)
				.token(TOKEN).backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5));
		for (PeerAddress p : peers) {
			b.peer(p);
		}
		SyncNode node = b.start().block(NodeHttp.T);
		nodes.add(node);
		return node;
	}

	private static NodeHttp http(SyncNode n) {
		return new NodeHttp(n.engine().origin(), n.httpPort(), TOKEN);
	}

	@Test
	void replayedFramesAndEventsAreNoOps() {
		SyncNode a = start("a");
		proxy = new FaultProxy(a.peerPort(), 1);
		SyncNode b = start("b", new PeerAddress("127.0.0.1", proxy.port()));
		Random random = new Random(7);
		Set<String> acknowledged = new HashSet<>();
		for (int i = 0; i < 30; i++) {
			acknowledged.addAll(http(i % 3 == 0 ? a : b).write(NodeHttp.randomChanges(random, 20)).block(NodeHttp.T));
		}
		NodeHttp.awaitConvergence(List.of(http(a), http(b)), total -> total == acknowledged.size(), NodeHttp.T);
		long fromB = b.engine().vector().get("b");
		nodes.remove(b);
		b.close(Duration.ofSeconds(2)).block(NodeHttp.T);
		// the session as b sent it, but for the ERROR (SHUTTING_DOWN) that ended it
		ByteArrayOutputStream kept = new ByteArrayOutputStream();
		int eventFrames = 0;
		for (byte[] frame : frames(proxy.captured())) {
			eventFrames += frame[4] == 3 ? 1 : 0;
			if (frame[4] != 7) {
				kept.writeBytes(frame);
			}
		}
		byte[] session = kept.toByteArray();
		assertTrue(eventFrames > 0, "the session carried events");

		String hash = NodeHttp.awaitConvergence(List.of(http(a)), total -> true, NodeHttp.T);
		long position = a.engine().lastPosition();
		assertEquals(eventFrames, replay(a.peerPort(), session, eventFrames), "every replayed EVENTS frame acknowledged");
		assertEquals(position, a.engine().lastPosition(), "the receiver stored nothing again");
		assertEquals(hash, NodeHttp.awaitConvergence(List.of(http(a)), total -> true, NodeHttp.T));
		NodeHttp.assertLogsHoldEachOnce(List.of(http(a)), acknowledged, true, "after the replay to a");

		SyncNode c = start("c");
		replay(c.peerPort(), session, eventFrames);
		assertEquals(fromB, c.engine().vector().get("b"), "a fresh node takes the events once");
		String first = NodeHttp.awaitConvergence(List.of(http(c)), total -> total == fromB, NodeHttp.T);
		replay(c.peerPort(), session, eventFrames);
		assertEquals(fromB, c.engine().lastPosition(), "the second replay stored nothing");
		assertEquals(first, NodeHttp.awaitConvergence(List.of(http(c)), total -> total == fromB, NodeHttp.T));
	}

	/** The frames of a captured byte stream, each with its length prefix. */
	private static List<byte[]> frames(byte[] stream) {
		List<byte[]> out = new ArrayList<>();
		for (int at = 0; at + 5 <= stream.length;) {
			int length = ((stream[at] & 0xFF) << 24) | ((stream[at + 1] & 0xFF) << 16) | ((stream[at + 2] & 0xFF) << 8)
					| (stream[at + 3] & 0xFF);
			out.add(Arrays.copyOfRange(stream, at, at + 4 + length));
			at += 4 + length;
		}
		return out;
	}

	/** Sends the bytes to a peer port and waits for an ACK of each EVENTS frame; returns the ACKs counted. */
	private static int replay(int port, byte[] session, int eventFrames) {
		FrameCodec codec = new FrameCodec(PeerConfig.DEFAULT_MAX_FRAME);
		Connection c = TcpClient.create().host("127.0.0.1").port(port)
				.doOnConnected(conn -> conn.addHandlerLast(
						new LengthFieldBasedFrameDecoder(PeerConfig.DEFAULT_MAX_FRAME + 4, 0, 4, 0, 4, true)))
				.connectNow(NodeHttp.T);
		try {
			// listen before sending: the answers start with the handshake
			Mono<Long> acks = c.inbound().receive().asByteArray().map(codec::decode)
					.filter(f -> f instanceof Frame.Ack).take(eventFrames).count();
			Mono<Void> send = c.outbound().sendByteArray(Flux.just(session)).then();
			return Mono.zip(acks, send.thenReturn(true)).map(t -> t.getT1().intValue()).block(NodeHttp.T);
		}
		finally {
			c.dispose();
		}
	}
}
