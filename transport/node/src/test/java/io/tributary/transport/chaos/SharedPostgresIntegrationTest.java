package io.tributary.transport.chaos;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.storage.postgres.EmbeddedPostgresFixture;
import io.tributary.transport.cli.NodeProcess;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three node processes ({@code node --postgres}) on one PostgreSQL database, written to through each over HTTP: each
 * event is stored once, under three distinct origins; every node serves every event on {@code /api/changes} (paged)
 * and on its live SSE stream, whichever node took it; a fourth node on H2 files that syncs with one of them over the
 * peer protocol gets them all; all four report the same {@code /api/convergence} hash. Once with {@code NOTIFY}
 * waking the nodes, once with polling alone (what CockroachDB would run).
 * <p>
 * {@code -Dtributary.seed=S} replays a run.
 */
class SharedPostgresIntegrationTest {

	private static final String TOKEN = "shared-token";
	private static final Duration CONVERGE = Duration.ofSeconds(90);

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();
	private final List<Disposable> streams = new ArrayList<>();
	private SyncNode replica;

	@AfterEach
	void stop() throws InterruptedException {
		streams.forEach(Disposable::dispose);
		for (NodeProcess child : children) {
			child.close();
		}
		if (replica != null) {
			replica.close(Duration.ofSeconds(2)).block(NodeHttp.T);
		}
	}

	@Test
	void threeNodesOnOneDatabaseStoreEachEventOnceAndEveryNodeServesEveryEvent() throws Exception {
		threeNodesConverge(List.of());
	}

	@Test
	void withNotificationsOffPollingAloneCarriesEveryEventToEveryNode() throws Exception {
		threeNodesConverge(List.of("--postgres-notify", "false", "--postgres-poll", "50ms"));
	}

	private void threeNodesConverge(List<String> extra) throws Exception {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		String context = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
		Random random = new Random(seed);
		String db = EmbeddedPostgresFixture.freshDatabase();
		String uri = "postgresql://" + EmbeddedPostgresFixture.USER + "@localhost:"
				+ EmbeddedPostgresFixture.server().getPort() + "/" + db;
		List<NodeHttp> shared = new ArrayList<>();
		int firstPeerPort = 0;
		for (int i = 0; i < 3; i++) {
			List<String> args = new ArrayList<>(List.of("--data", dir.resolve("n" + i).toString(), "--http-port", "0",
					"--peer-port", "0", "--postgres", uri));
			args.addAll(extra);
			NodeProcess child = NodeProcess.start(dir.resolve("n" + i + ".err"), Map.of("TRIBUTARY_TOKEN", TOKEN),
					args.toArray(new String[0]));
			children.add(child);
			var ready = child.awaitReady();
			shared.add(new NodeHttp("n" + i, Integer.parseInt(ready.group(2)), TOKEN));
			if (i == 0) {
				firstPeerPort = Integer.parseInt(ready.group(3));
			}
		}
		replica = SyncNode.builder().dataDir(dir.resolve("replica")).nodeId("replica").httpPort(0).peerPort(0)
				.token(TOKEN).peer(PeerAddress.parse("127.0.0.1:" + firstPeerPort)).start().block(NodeHttp.T);
		NodeHttp replicaHttp = new NodeHttp("replica", replica.httpPort(), TOKEN);

		// each node's live stream, open before the first write
		List<List<String>> streamed = new ArrayList<>();
		for (NodeHttp n : shared) {
			List<String> cids = Collections.synchronizedList(new ArrayList<>());
			streamed.add(cids);
			streams.add(n.streamedChangeIds().subscribe(cids::add));
		}

		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		Flux.fromIterable(shared).flatMap(n -> Flux.range(0, 3).flatMap(w -> {
			Random r = new Random(random.nextLong());
			return Flux.range(0, 15).concatMap(b -> n.write(NodeHttp.randomChanges(r, 20)));
		})).doOnNext(acknowledged::addAll).blockLast(NodeHttp.T);

		List<NodeHttp> all = new ArrayList<>(shared);
		all.add(replicaHttp);
		NodeHttp.awaitConvergence(all, total -> total >= acknowledged.size(), CONVERGE);
		NodeHttp.assertLogsHoldEachOnce(all, acknowledged, true, context);

		JsonNode vector = shared.get(0).convergence().block(NodeHttp.T).get("vector");
		assertEquals(3, vector.size(), "one origin per node: " + vector + ", " + context);
		try (Connection c = EmbeddedPostgresFixture.jdbc(db); Statement s = c.createStatement();
				ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT (origin, origin_seq)) FROM tributary_event")) {
			r.next();
			assertEquals(acknowledged.size(), r.getLong(1), "events stored, " + context);
			assertEquals(acknowledged.size(), r.getLong(2), "distinct events stored, " + context);
		}

		for (int i = 0; i < shared.size(); i++) {
			List<String> cids = streamed.get(i);
			Flux.interval(Duration.ZERO, Duration.ofMillis(50)).onBackpressureDrop()
					.filter(t -> cids.size() >= acknowledged.size()).next().block(NodeHttp.T);
			List<String> copy;
			synchronized (cids) {
				copy = new ArrayList<>(cids);
			}
			Set<String> once = new HashSet<>(copy);
			assertEquals(copy.size(), once.size(), shared.get(i).name() + " streamed a change twice, " + context);
			assertEquals(acknowledged, once, shared.get(i).name() + " streamed every change, " + context);
		}
		for (NodeProcess child : children) {
			assertEquals(0, child.terminate(), "a node on PostgreSQL stops cleanly, " + context);
		}
	}
}
