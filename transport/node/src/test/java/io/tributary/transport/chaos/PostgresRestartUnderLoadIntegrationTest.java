package io.tributary.transport.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.storage.postgres.EmbeddedPostgresFixture;
import io.tributary.transport.node.SyncNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL stopped and started again under load: two nodes on one database take writes over HTTP all along. While
 * the database is down every write is answered, with an error that names the database, within the pool's timeouts
 * (none hangs); once it is back both nodes take writes again by themselves (no restart of theirs), their commit feeds
 * reconnect (they converge on each other's writes), and every write acknowledged before, during or after the outage
 * is in both logs exactly once.
 */
class PostgresRestartUnderLoadIntegrationTest {

	private static final String TOKEN = "restart-token";
	/**
	 * A write must be answered within this, success or error. The documented bound while the database is down is
	 * about twice the acquire timeout ({@link #ACQUIRE}): the commit in front of the write and its own each fail
	 * within it, and a fold of the other node's commits that keeps failing does not hold the write back
	 * (docs/STORAGE.md); the rest is room for a loaded machine.
	 */
	private static final Duration ANSWER = Duration.ofSeconds(30);
	/** The nodes' acquire timeout, below the 10 s default, as {@code --postgres-acquire-timeout} sets it. */
	private static final Duration ACQUIRE = Duration.ofSeconds(5);

	@TempDir
	Path dir;

	private EmbeddedPostgres postgres;
	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stop() throws Exception {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(2)).block(NodeHttp.T);
		}
		if (postgres != null) {
			postgres.close();
		}
	}

	@Test
	void nodesWorkAgainByThemselvesAfterPostgresRestartsAndLoseNothingAcknowledged() throws Exception {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		String context = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + ")";
		Random random = new Random(seed);
		Path data = dir.resolve("postgres");
		postgres = EmbeddedPostgresFixture.start(data, 0);
		int port = postgres.getPort();
		String db = EmbeddedPostgresFixture.freshDatabase(postgres);
		String uri = "postgresql://" + EmbeddedPostgresFixture.USER + "@localhost:" + port + "/" + db;
		List<NodeHttp> http = new ArrayList<>();
		for (String name : List.of("a", "b")) {
			SyncNode n = SyncNode.builder().dataDir(dir.resolve(name)).httpPort(0).peerPort(0).token(TOKEN)
					.postgres(uri, null, 4, true, Duration.ofMillis(200)).postgresAcquireTimeout(ACQUIRE).start()
					.block(NodeHttp.T);
			nodes.add(n);
			http.add(new NodeHttp(name, n.httpPort(), TOKEN));
		}

		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		List<String> refusals = Collections.synchronizedList(new ArrayList<>());
		List<Throwable> hangs = Collections.synchronizedList(new ArrayList<>());
		AtomicInteger[] acks = { new AtomicInteger(), new AtomicInteger() };
		AtomicInteger[] refused = { new AtomicInteger(), new AtomicInteger() };
		AtomicBoolean done = new AtomicBoolean();
		Mono<Void> writing = Flux.range(0, 2).flatMap(i -> {
			Random r = new Random(random.nextLong());
			NodeHttp n = http.get(i);
			return Mono.defer(() -> n.write(NodeHttp.randomChanges(r, 10)).timeout(ANSWER)
					.doOnNext(cids -> {
						acknowledged.addAll(cids);
						acks[i].addAndGet(cids.size());
					})
					.onErrorResume(e -> {
						if (e instanceof TimeoutException) {
							hangs.add(e);
						}
						else {
							refusals.add(e.getMessage());
							refused[i].incrementAndGet();
						}
						// an answered refusal: the writer tries again shortly, as a client with a retry loop would
						return Mono.delay(Duration.ofMillis(100)).then(Mono.empty());
					})).repeat(() -> !done.get() && hangs.isEmpty());
		}).then().cache();
		writing.subscribe();

		awaitAtLeast(acks, 50, "writes before the outage");
		postgres.close();
		awaitAtLeast(refused, 1, "refused writes while PostgreSQL is down");
		int[] before = { acks[0].get(), acks[1].get() };
		postgres = EmbeddedPostgresFixture.start(data, port);
		Flux.interval(Duration.ZERO, Duration.ofMillis(50)).onBackpressureDrop()
				.filter(t -> acks[0].get() >= before[0] + 50 && acks[1].get() >= before[1] + 50).next()
				.block(Duration.ofSeconds(60));
		done.set(true);
		writing.block(NodeHttp.T);

		assertTrue(hangs.isEmpty(), "writes unanswered within " + ANSWER + ": " + hangs + ", " + context);
		for (String refusal : refusals) {
			assertTrue(refusal.contains("503") && refusal.contains("PostgreSQL"),
					"a refusal names the database: " + refusal + ", " + context);
		}
		NodeHttp.awaitConvergence(http, total -> total >= acknowledged.size(), Duration.ofSeconds(60));
		NodeHttp.assertLogsHoldEachOnce(http, acknowledged, false, context);
	}

	private static void awaitAtLeast(AtomicInteger[] counters, int least, String what) {
		boolean reached = Flux.interval(Duration.ZERO, Duration.ofMillis(20)).onBackpressureDrop()
				.filter(t -> {
					for (AtomicInteger c : counters) {
						if (c.get() < least) {
							return false;
						}
					}
					return true;
				}).next().blockOptional(Duration.ofSeconds(60)).isPresent();
		assertTrue(reached, "no " + what);
	}
}
