package io.tributary.transport.client;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.WriteRequest;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerServer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100,000 local writes drained to a node with bounded memory: the outbox is read from the log a frame at a
 * time, so the heap that survives garbage collection does not grow with the outbox.
 */
class OutsyncMemoryIntegrationTest extends ClientTestBase {

	private static final int WRITES = 100_000;
	/** What the drain may add to the live heap, both engines, projections and H2 caches included. */
	private static final long LIVE_HEAP_BOUND = 128L * 1024 * 1024;

	/** The heap that survived the most recent collection of each pool. */
	private static long liveHeap() {
		long sum = 0;
		for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
			MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
			if (after != null) {
				sum += after.getUsed();
			}
		}
		return sum;
	}

	@Test
	void hundredThousandWritesAreOutsyncedWithBoundedMemory() {
		SyncEngine device = engine("device");
		Flux.range(0, WRITES).map(i -> WriteRequest.put("todo", "t" + (i % 5000), "{\"n\":" + i + ",\"note\":\""
				+ "x".repeat(64) + "\"}")).buffer(2000).concatMap(device::writeAll).blockLast(T);
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncClient client = client(device, node).batchSize(1000).build();
		assertEquals(WRITES, client.pending());

		long before = liveHeap();
		AtomicLong peak = new AtomicLong(before);
		Disposable sampler = Flux.interval(Duration.ofMillis(25)).subscribe(t -> peak.accumulateAndGet(liveHeap(), Math::max));
		long start = System.nanoTime();
		DrainReport report;
		try {
			report = client.outsync().block(Duration.ofMinutes(5));
		}
		finally {
			sampler.dispose();
		}
		long millis = (System.nanoTime() - start) / 1_000_000;

		assertEquals(WRITES, report.pushed());
		assertEquals(0, client.pending());
		assertEquals(device.vector(), upstream.vector());
		assertEquals(WRITES, upstream.lastPosition());
		System.out.printf("outsync of %d events: %d ms; live heap after GC before %d MiB, peak %d MiB, max heap %d MiB%n",
				WRITES, millis, before >> 20, peak.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
		assertTrue(peak.get() - before < LIVE_HEAP_BOUND, "live heap grew by " + ((peak.get() - before) >> 20) + " MiB");
	}
}
