package io.tributary.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leak check that guards every test class: a buffer dropped without release is reported to
 * {@link LeakRecordingDetector}, which {@link LeakCheckExtension} turns into a failure.
 */
class LeakCheckTest {

	@Test
	void testsRunWithParanoidLeakDetection() {
		assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
	}

	@Test
	void anUnreleasedBufferIsReported() {
		leak();
		List<String> reports = new ArrayList<>();
		for (int round = 0; round < 10 && reports.isEmpty(); round++) {
			GarbageCollection.collect(Duration.ofSeconds(30));
			PooledByteBufAllocator.DEFAULT.heapBuffer(8).release();
			reports.addAll(LeakRecordingDetector.drain());
		}
		// drained here, so this class itself does not fail the check
		assertFalse(reports.isEmpty(), "the leak was reported");
		assertTrue(reports.get(0).contains("ByteBuf"), reports.get(0));
	}

	private static void leak() {
		ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(64);
		b.writeLong(42);
		assertEquals(8, b.readableBytes());
	}
}
