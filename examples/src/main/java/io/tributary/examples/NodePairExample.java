package io.tributary.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Mono;

/**
 * Two standalone nodes started from Java, in this process: each is a {@link SyncNode} on its own H2 files with an HTTP
 * API and a peer port, as {@code tributary-node.jar node} runs one; node b keeps a peer link to node a. Each takes a
 * write of its own, both converge on both writes, and the program prints what each holds.
 * <p>
 * Run it with {@code mvn -B -q -pl examples -am package exec:java@node-pair -DskipTests}; pass a directory to keep
 * the data ({@code -Dexec.args=DIR}).
 */
public final class NodePairExample {

	private static final String TOKEN = "node-pair-example-token";

	private NodePairExample() {
	}

	/**
	 * Runs the example.
	 *
	 * @param args optional data directory
	 * @throws IOException when the data directory cannot be made or removed
	 */
	public static void main(String[] args) throws IOException {
		Path data = Examples.dataDirectory(args, "tributary-node-pair");
		try {
			run(data, System.out::println);
		}
		finally {
			Examples.cleanUp(args, data);
		}
	}

	/**
	 * Starts the two nodes, writes on each, waits until they converge, prints and stops them.
	 *
	 * @param data where the nodes keep their files
	 * @param out where the lines go
	 * @return what node a and node b hold of type {@code todo}, in this order
	 */
	static List<List<EntityState>> run(Path data, Consumer<String> out) {
		SyncNode a = SyncNode.builder().dataDir(data.resolve("a")).nodeId("a").httpPort(0).peerPort(0).token(TOKEN)
				.start().block(Examples.TIMEOUT);
		try {
			SyncNode b = SyncNode.builder().dataDir(data.resolve("b")).nodeId("b").httpPort(0).peerPort(0).token(TOKEN)
					.peer(new PeerAddress("127.0.0.1", a.peerPort()))
					.start().block(Examples.TIMEOUT);
			try {
				out.accept("node a: http 127.0.0.1:" + a.httpPort() + ", peers 127.0.0.1:" + a.peerPort());
				out.accept("node b: http 127.0.0.1:" + b.httpPort() + ", peers 127.0.0.1:" + b.peerPort()
						+ ", linked to a");
				a.engine().put("todo", "milk", "{\"title\":\"Buy milk\"}").block(Examples.TIMEOUT);
				b.engine().put("todo", "bread", "{\"title\":\"Buy bread\"}").block(Examples.TIMEOUT);
				out.accept("a wrote todo/milk, b wrote todo/bread");

				Examples.await("both nodes hold both todos", () -> holds(a.engine(), 2).zipWith(holds(b.engine(), 2), Boolean::logicalAnd));
				List<EntityState> onA = todos(a.engine());
				List<EntityState> onB = todos(b.engine());
				for (SyncNode n : List.of(a, b)) {
					out.accept("node " + n.engine().origin() + " holds, at vector " + n.engine().vector() + ":");
					todos(n.engine()).forEach(s -> out.accept("  " + s.entityId() + " = " + s.json()));
				}
				out.accept("converged: " + onA.equals(onB));
				return List.of(onA, onB);
			}
			finally {
				b.close(Duration.ofSeconds(5)).block(Examples.TIMEOUT);
			}
		}
		finally {
			a.close(Duration.ofSeconds(5)).block(Examples.TIMEOUT);
		}
	}

	private static Mono<Boolean> holds(SyncEngine engine, int todos) {
		return engine.query("todo").count().map(n -> n == todos);
	}

	private static List<EntityState> todos(SyncEngine engine) {
		return engine.query("todo").collectList().block(Examples.TIMEOUT);
	}
}
