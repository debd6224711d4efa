package io.tributary.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test class
 * of this module through {@code META-INF/services} and extension auto-detection.
 * <p>
 * Netty reports a leak when a buffer that was never released has been garbage collected and a later
 * buffer is tracked. After each class this collects garbage and allocates a few buffers, so that leaks
 * of the class are reported now rather than during a later class.
 */
public final class LeakCheckExtension implements AfterAllCallback {

	private static final Duration COLLECTION = Duration.ofSeconds(30);

	@Override
	public void afterAll(ExtensionContext context) {
		if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
			throw new AssertionError("tests run with -Dio.netty.leakDetection.level=paranoid, found "
					+ ResourceLeakDetector.getLevel());
		}
		List<String> reports = new ArrayList<>();
		for (int round = 0; round < 3; round++) {
			// the collector enqueues the references of dead buffers on its own thread: waited for
			GarbageCollection.collect(COLLECTION);
			touchDetectors();
			reports.addAll(LeakRecordingDetector.drain());
		}
		if (!reports.isEmpty()) {
			throw new AssertionError(reports.size() + " Netty buffer leak(s) reported while "
					+ context.getDisplayName() + " ran:\n" + String.join("\n", reports));
		}
	}

	/** Tracking a new buffer is what makes a detector report the leaks collected so far. */
	private static void touchDetectors() {
		for (ByteBuf b : List.of(PooledByteBufAllocator.DEFAULT.directBuffer(16), PooledByteBufAllocator.DEFAULT.heapBuffer(16),
				UnpooledByteBufAllocator.DEFAULT.directBuffer(16), UnpooledByteBufAllocator.DEFAULT.heapBuffer(16))) {
			b.release();
		}
	}
}
