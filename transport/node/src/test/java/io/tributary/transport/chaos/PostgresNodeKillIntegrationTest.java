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

import io.tributary.storage.postgres.EmbeddedPostgresFixture;
import io.tributary.transport.cli.NodeProcess;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of a node process on PostgreSQL while it takes writes, with a second node on the same database
 * (in this JVM) taking writes all along. Each round writes to both over HTTP, kills the child with SIGKILL while its
 * writes are in flight, writes more to the other node while the child is down, and restarts the child on the same
 * data directory: it must come back with the same node id, both nodes must converge (same vector and
 * {@code /api/convergence} hash) and both logs must hold every acknowledged write exactly once. A node on H2 files
 * that syncs with the shared database's nodes over the peer protocol folds the log from scratch: its hash equal to
 * theirs means the projection kept in PostgreSQL equals the fold of the log.
 * <p>
 * {@code -Dtributary.pgkill.rounds=N} (default 20; the {@code long} profile runs 50), {@code -Dtributary.seed=S}
 * replays a run.
 */
class PostgresNodeKillIntegrationTest {

	private static final int ROUNDS = Integer.getInteger("tributary.pgkill.rounds", 20);
	private static final String TOKEN = "pg-kill-token";
	private static final Duration CONVERGE = Duration.ofSeconds(90);
	/** The child is started many times: the client compiler alone and one GC thread start it sooner. */
	private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
			"-Xshare:auto");

	@TempDir
	Path dir;

	private SyncNode other;
	private SyncNode fold;
	private NodeProcess child;
	private NodeHttp childHttp;
	private String childId;
	private String uri;

	@AfterEach
	void stop() throws InterruptedException {
		if (child != null) {
			child.close();
		}
		for (SyncNode n : new SyncNode[] { other, fold }) {
			if (n != null) {
				n.close(Duration.ofSeconds(2)).block(NodeHttp.T);
			}
		}
	}

	@Test
	void acknowledgedWritesSurviveKillNineOfANodeOnASharedDatabase() throws Exception {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		String context = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
		Random random = new Random(seed);
		String db = EmbeddedPostgresFixture.freshDatabase();
		uri = "postgresql://" + EmbeddedPostgresFixture.USER + "@localhost:" + EmbeddedPostgresFixture.server().getPort()
				+ "/" + db;
		other = SyncNode.builder().dataDir(dir.resolve("other")).httpPort(0).peerPort(0).token(TOKEN)
				.postgres(uri, null, 4, true, Duration.ofMillis(500)).start().block(NodeHttp.T);
		NodeHttp otherHttp = new NodeHttp("other", other.httpPort(), TOKEN);
		fold = SyncNode.builder().dataDir(dir.resolve("fold")).nodeId("fold").httpPort(0).peerPort(0).token(TOKEN)
				.peer(PeerAddress.parse("127.0.0.1:" + other.peerPort()))
				.backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5)).start().block(NodeHttp.T);
		NodeHttp foldHttp = new NodeHttp("fold", fold.httpPort(), TOKEN);
		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		child = startChild(0);
		for (int round = 1; round <= ROUNDS; round++) {
			String where = "round " + round + ", " + context;
			try {
				runRound(round, random, otherHttp, acknowledged, where);
			}
			catch (RuntimeException | AssertionError e) {
				throw new AssertionError(where + ": " + e, e);
			}
		}
		List<NodeHttp> all = List.of(otherHttp, childHttp, foldHttp);
		NodeHttp.awaitConvergence(all, total -> total >= acknowledged.size(), CONVERGE);
		NodeHttp.assertLogsHoldEachOnce(all, acknowledged, false, "after " + ROUNDS + " rounds, " + context);
		System.out.printf("node kill on PostgreSQL: %d rounds, %d acknowledged writes, %s%n", ROUNDS,
				acknowledged.size(), context);
	}

	/** One round: writes to both nodes, SIGKILL of the child mid-write, writes to the other, restart, checks. */
	private void runRound(int round, Random random, NodeHttp otherHttp, Set<String> acknowledged, String where)
			throws Exception {
		NodeHttp writeTo = childHttp;
		int killAfter = 5 + random.nextInt(60);
		AtomicInteger childAcked = new AtomicInteger();
		AtomicBoolean killed = new AtomicBoolean();
		List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
		Sinks.Empty<Void> enough = Sinks.empty();
		Flux<List<String>> childWriters = Flux.range(0, 3).flatMap(w -> {
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
		Random otherRandom = new Random(random.nextLong());
		Mono<List<String>> otherWriter = Mono.defer(() -> otherHttp.write(NodeHttp.randomChanges(otherRandom, 20)))
				.doOnNext(acknowledged::addAll).repeat(() -> !killed.get()).last();
		Mono<Void> writing = Mono.when(childWriters, otherWriter).cache();
		writing.subscribe(v -> { }, failures::add);
		enough.asMono().block(NodeHttp.T);
		killed.set(true);
		child.kill();
		writing.block(NodeHttp.T);
		assertTrue(failures.isEmpty(), "writes failed before the kill: " + failures + ", " + where);
		for (int i = random.nextInt(3); i > 0; i--) {
			acknowledged.addAll(otherHttp.write(NodeHttp.randomChanges(random, 20)).block(NodeHttp.T));
		}
		child = startChild(round);
		List<NodeHttp> both = List.of(otherHttp, childHttp);
		NodeHttp.awaitConvergence(both, total -> total >= acknowledged.size(), CONVERGE);
		NodeHttp.assertLogsHoldEachOnce(both, acknowledged, false, where);
	}

	/** Starts the node command as a child JVM on the same data directory and database each time. */
	private NodeProcess startChild(int round) throws Exception {
		NodeProcess p = NodeProcess.start(dir.resolve("child-" + round + ".err"), Map.of("TRIBUTARY_TOKEN", TOKEN),
				QUICK_START, "--data", dir.resolve("child").toString(), "--http-port", "0", "--peer-port", "0", "--postgres", uri,
				"--postgres-pool-size", "4");
		var ready = p.awaitReady();
		if (childId == null) {
			childId = ready.group(1);
		}
		assertEquals(childId, ready.group(1), "the node keeps its id (its origin) across restarts");
		childHttp = new NodeHttp("child", Integer.parseInt(ready.group(2)), TOKEN);
		return p;
	}
}
