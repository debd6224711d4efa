package io.tributary.transport.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.transport.node.SyncNode;
import io.tributary.transport.cli.NodeCli;
import io.tributary.transport.cli.NodeProcess;
import io.tributary.transport.peer.Backoff;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of a whole node process while it takes writes and syncs with a peer. The node is a child
 * JVM running the real command line ({@link NodeCli} {@code node}) on H2 files, with a session to an
 * in-process peer node over loopback TCP. Each round writes to both nodes over HTTP, kills the child with
 * SIGKILL while writes are in flight, writes more to the peer while the child is down, and restarts the
 * child on the same data directory. After each restart both nodes must converge (same vector and
 * {@code /api/convergence} hash) and each log must hold every acknowledged write exactly once.
 * <p>
 * {@code -Dtributary.nodekill.rounds=N} (default 2; the {@code long} profile runs 50),
 * {@code -Dtributary.seed=S} replays a run.
 */
class NodeKillIntegrationTest {

	private static final int ROUNDS = Integer.getInteger("tributary.nodekill.rounds", 2);
	private static final String TOKEN = "kill-token";
	private static final Duration CONVERGE = Duration.ofSeconds(90);

	@TempDir
	Path dir;

	private SyncNode peer;
	private NodeProcess child;
	private NodeHttp childHttp;

	@AfterEach
	void stop() throws InterruptedException {
		if (child != null) {
			child.close();
		}
		if (peer != null) {
			peer.close(Duration.ofSeconds(2)).block(NodeHttp.T);
		}
	}

	@Test
	void acknowledgedWritesSurviveKillNineOfANodeThatSyncs() throws Exception {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		String context = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
		Random random = new Random(seed);
		peer = SyncNode.builder().dataDir(dir.resolve("peer")).nodeId("peer").httpPort(0).peerPort(0).token(TOKEN)
				.backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5)).start().block(NodeHttp.T);
		NodeHttp peerHttp = new NodeHttp("peer", peer.httpPort(), TOKEN);
		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		child = startChild(0);
		for (int round = 1; round <= ROUNDS; round++) {
			String where = "round " + round + ", " + context;
			try {
				runRound(round, random, peerHttp, acknowledged, where);
			}
			catch (RuntimeException | AssertionError e) {
				throw new AssertionError(where + ": " + e, e);
			}
		}
		long unacknowledged = peer.engine().vector().total() - acknowledged.size();
		System.out.printf("node kill: %d rounds, %d acknowledged writes, %d stored but unacknowledged (cut off by the"
				+ " kill), %s%n", ROUNDS, acknowledged.size(), unacknowledged, context);
	}

	/** One round: writes to both nodes, SIGKILL of the child mid-write, writes to the peer, restart, checks. */
	private void runRound(int round, Random random, NodeHttp peerHttp, Set<String> acknowledged, String where)
			throws Exception {
		NodeHttp writeTo = childHttp;
		int killAfter = 20 + random.nextInt(400);
		AtomicInteger childAcked = new AtomicInteger();
		AtomicBoolean killed = new AtomicBoolean();
		List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
		Sinks.Empty<Void> enough = Sinks.empty();
		// four writers on the child, one on the peer: the kill lands while child writes are in flight
		Flux<List<String>> childWriters = Flux.range(0, 4).flatMap(w -> {
			Random r = new Random(random.nextLong());
			return Mono.defer(() -> writeTo.write(NodeHttp.randomChanges(r, 20))).doOnNext(cids -> {
				acknowledged.addAll(cids);
				if (childAcked.addAndGet(cids.size()) >= killAfter) {
					enough.tryEmitEmpty();
				}
			}).repeat(() -> !killed.get()).onErrorResume(e -> {
				if (!killed.get()) {
					failures.add(e);
				}
				return Mono.empty();
			});
		});
		Random peerRandom = new Random(random.nextLong());
		Mono<List<String>> peerWriter = Mono.defer(() -> peerHttp.write(NodeHttp.randomChanges(peerRandom, 20)))
				.doOnNext(acknowledged::addAll).repeat(() -> !killed.get()).last();
		Mono<Void> writing = Mono.when(childWriters, peerWriter).cache();
		writing.subscribe(v -> { }, failures::add);
		enough.asMono().block(NodeHttp.T);
		killed.set(true);
		child.kill();
		writing.block(NodeHttp.T);
		assertTrue(failures.isEmpty(), "writes failed before the kill: " + failures + ", " + where);
		// more writes while the child is down: it must catch up after its restart
		for (int i = random.nextInt(5); i > 0; i--) {
			acknowledged.addAll(peerHttp.write(NodeHttp.randomChanges(random, 20)).block(NodeHttp.T));
		}
		child = startChild(round);
		List<NodeHttp> both = List.of(peerHttp, childHttp);
		NodeHttp.awaitConvergence(both, total -> total >= acknowledged.size(), CONVERGE);
		NodeHttp.assertLogsHoldEachOnce(both, acknowledged, false, where);
	}

	/** Starts the node command as a child JVM on the same data directory each time. */
	private NodeProcess startChild(int round) throws Exception {
		NodeProcess p = NodeProcess.start(dir.resolve("child-" + round + ".err"), Map.of("TRIBUTARY_TOKEN", TOKEN),
				"--data", dir.resolve("child").toString(), "--node-id", "child", "--http-port", "0", "--peer-port", "0",
				"--peer", "127.0.0.1:" + peer.peerPort());
		childHttp = new NodeHttp("child", p.awaitHttpPort(), TOKEN);
		return p;
	}
}
