package io.tributary.transport.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.tributary.transport.GarbageCollection;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow consumer over a slow network: node B syncs from node A through a {@link FaultProxy} that lets
 * 128 KiB a second through, while A takes 1 KiB events as fast as it commits them. B falls about a
 * hundred megabytes behind; A's heap must not hold what B lacks (the session reads it from A's store at B's pace),
 * only A's bounded live buffer. Then the link opens and B catches up with every event, once.
 * <p>
 * {@code -Dtributary.soak.events=N} (default 100,000; the {@code long} profile writes 400,000).
 * {@code -Dtributary.heap.checks=true} (the {@code long} profile) also bounds A's heap growth.
 */
class SlowConsumerSoakIntegrationTest {

	private static final int EVENTS = Integer.getInteger("tributary.soak.events", 100_000);
	/** The system property that turns on the heap variant (the {@code long} profile sets it). */
	private static final String HEAP_CHECKS = "tributary.heap.checks";
	private static final String TOKEN = "soak-token";
	/**
	 * What the heap may gain, whatever the lag: A's live buffer (16,384 events of ~1 KiB) and both stores'
	 * page caches fill; a copy of what B lacks would not fit.
	 */
	private static final long HEAP_BOUND_MB = 64;
	/** Memory of every Netty buffer in this JVM (the sockets' outbound queues among them). */
	private static final long NETTY_BOUND_MB = 64;
	/** B must lag by more than this for the bounds to mean anything. */
	private static final long MIN_LAG_MB = 80;

	@TempDir
	Path dir;

	private SyncNode a;
	private SyncNode b;
	private FaultProxy proxy;

	@AfterEach
	void stop() {
		for (SyncNode n : new SyncNode[] { b, a }) {
			if (n != null) {
				n.close(Duration.ofSeconds(2)).block(NodeHttp.T);
			}
		}
		if (proxy != null) {
			proxy.close();
		}
	}

	/**
	 * With {@code -Dtributary.heap.checks=true} (the {@code long} profile) the soak also bounds the heap after a
	 * collection before and after the writes: heap figures depend on the collector and on what else the JVM holds,
	 * so the default build checks the lag, the Netty buffers and the catch-up only.
	 */
	@Test
	void aLaggingPeerIsServedFromTheStoreAndCatchesUpOnce() {
		soak(Boolean.getBoolean(HEAP_CHECKS));
	}

	private void soak(boolean checkHeap) {
		a = SyncNode.builder().dataDir(dir.resolve("a")).nodeId("a").httpPort(0).peerPort(0).token(TOKEN).start()
				.block(NodeHttp.T);
		proxy = new FaultProxy(a.peerPort(), 5).bandwidth(128 * 1024);
		b = SyncNode.builder().dataDir(dir.resolve("b")).nodeId("b").httpPort(0).peerPort(0).token(TOKEN)
				.peer(new PeerAddress("127.0.0.1", proxy.port()))
				.backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5)).start().block(NodeHttp.T);
		long before = checkHeap ? GarbageCollection.heapUsedAfterCollection(NodeHttp.T) : 0;
		String pad = "x".repeat(1000);
		AtomicLong nettyPeak = new AtomicLong();
		ByteBufAllocatorMetric netty = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
		Disposable sampling = Flux.interval(Duration.ofMillis(20))
				.subscribe(t -> nettyPeak.accumulateAndGet(netty.usedDirectMemory() + netty.usedHeapMemory(), Math::max));
		try {
			Flux.range(0, EVENTS)
					.flatMap(i -> a.engine().put("doc", "d" + (i % 500), "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}"), 256)
					.blockLast(Duration.ofMinutes(10));
		}
		finally {
			sampling.dispose();
		}
		long lagMb = (EVENTS - b.engine().vector().get("a")) * 1024L / (1024 * 1024);
		long nettyMb = nettyPeak.get() / (1024 * 1024);
		System.out.printf("slow consumer: %d events written, B %d MB behind, Netty buffers peaked at %d MB%n", EVENTS,
				lagMb, nettyMb);
		assertTrue(lagMb > MIN_LAG_MB, "B lagged far behind: " + lagMb + " MB");
		if (checkHeap) {
			long growthMb = (GarbageCollection.heapUsedAfterCollection(NodeHttp.T) - before) / (1024 * 1024);
			System.out.printf("slow consumer: heap grew by %d MB%n", growthMb);
			assertTrue(growthMb < HEAP_BOUND_MB, "the heap grew by " + growthMb + " MB while B lagged " + lagMb + " MB");
		}
		assertTrue(nettyMb < NETTY_BOUND_MB, "Netty buffers peaked at " + nettyMb + " MB while B lagged " + lagMb + " MB");

		proxy.heal();
		List<NodeHttp> both = List.of(new NodeHttp("a", a.httpPort(), TOKEN), new NodeHttp("b", b.httpPort(), TOKEN));
		NodeHttp.awaitConvergence(both, total -> total == EVENTS, Duration.ofMinutes(5));
		Set<String> all = new HashSet<>();
		for (int seq = 1; seq <= EVENTS; seq++) {
			all.add("a:" + seq);
		}
		NodeHttp.assertLogsHoldEachOnce(both, all, true, "slow consumer soak");
	}
}
