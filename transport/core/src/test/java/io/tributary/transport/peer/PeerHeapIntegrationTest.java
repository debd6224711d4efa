package io.tributary.transport.peer;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.tributary.transport.GarbageCollection;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heap check of {@link PeerFaultTest#throttledReceiverSlowsTheSenderAndTakesBoundedBatches()}: a sender
 * whose peer falls behind buffers no copy of what the peer lacks. Heap figures after a collection depend on
 * the collector and on what else the JVM holds, so this runs in the {@code long} profile
 * ({@code -Dtributary.heap.checks=true}), not in the default build.
 */
@EnabledIfSystemProperty(named = "tributary.heap.checks", matches = "true")
class PeerHeapIntegrationTest extends PeerTestBase {

	@Test
	void throttledReceiversSenderHeapStaysBounded() {
		long[] before = new long[1];
		PeerFaultTest.throttledReceiver(this, () -> before[0] = GarbageCollection.heapUsedAfterCollection(T), () -> {
			long growthMb = (GarbageCollection.heapUsedAfterCollection(T) - before[0]) / (1024 * 1024);
			// the sender's own projection and store hold the data (a 1000-entity projection, an in-memory log of
			// ~100 MB): what must not be there is a second copy buffered for the slow peer
			assertTrue(growthMb < 100 + 64, "heap grew by " + growthMb + " MB");
		});
	}
}
