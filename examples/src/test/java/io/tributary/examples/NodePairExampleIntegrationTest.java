package io.tributary.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;

/** {@link NodePairExample}: two nodes on H2 files, linked over a real peer socket, converge on each one's write. */
class NodePairExampleIntegrationTest {

	@TempDir
	Path dir;

	@Test
	void bothNodesHoldBothWritesAndSaySo() {
		List<String> lines = new CopyOnWriteArrayList<>();
		List<List<EntityState>> held = NodePairExample.run(dir, lines::add);

		List<EntityState> onA = held.get(0);
		List<EntityState> onB = held.get(1);
		assertEquals(List.of("bread", "milk"), onA.stream().map(EntityState::entityId).toList(), lines.toString());
		assertEquals(onA, onB, "the same state on both nodes");
		assertTrue(onA.get(1).json().contains("Buy milk"), onA.get(1).json());
		assertTrue(onB.get(0).json().contains("Buy bread"), onB.get(0).json());
		assertEquals("converged: true", lines.get(lines.size() - 1), lines.toString());
		assertTrue(lines.contains("  milk = {\"title\":\"Buy milk\"}"), lines.toString());
	}
}
