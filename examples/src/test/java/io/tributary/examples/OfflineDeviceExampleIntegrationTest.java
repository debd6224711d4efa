package io.tributary.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;

/**
 * {@link OfflineDeviceExample}: a device's writes made while its upstream node is down reach the node once it is
 * back, the node's own write reaches the device, and the client's signals are printed.
 */
class OfflineDeviceExampleIntegrationTest {

	@TempDir
	Path dir;

	@Test
	void writesMadeOfflineReachTheNodeAfterItReturns() {
		List<String> lines = new CopyOnWriteArrayList<>();
		OfflineDeviceExample.Result result = OfflineDeviceExample.run(dir, lines::add);

		assertFalse(result.failedSync().ok(), "the sync while the node is down fails: " + lines);
		assertEquals(2, result.pendingWhileDown(), "the two offline writes wait in the outbox");
		assertTrue(result.finalSync().ok(), () -> "the sync after the node returned: " + result.finalSync());
		assertEquals(2, result.finalSync().outsync().pushed(), "both offline writes pushed");

		List<String> ids = result.device().stream().map(EntityState::entityId).toList();
		assertEquals(List.of("bread", "eggs", "milk"), ids, "the node's own write pulled");
		assertEquals(result.device(), result.upstream(), "device and node hold the same");
		EntityState milk = result.upstream().get(2);
		assertTrue(milk.json().contains("\"done\":true"), "the offline patch reached the node: " + milk.json());

		assertTrue(lines.stream().anyMatch(l -> l.startsWith("  signal: DrainComplete")), lines.toString());
		assertTrue(lines.stream().anyMatch(l -> l.startsWith("  signal: SyncError") || l.startsWith("  signal: RetryScheduled")),
				"the failure while offline is signalled: " + lines);
		assertTrue(lines.contains("  pending in the outbox: 0"), lines.toString());
	}
}
