package io.tributary.transport;

import java.lang.management.ManagementFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * A full garbage collection whose end the checks wait for by a signal rather than a pause: a sentinel made
 * before the collection is enqueued on its reference queue once the collector's reference processing has
 * run. Used by the Netty leak check (leaked buffers are found through their collected references) and by the
 * heap checks of the {@code long} profile.
 */
public final class GarbageCollection {

	/** How long one collection may take to enqueue its references before {@link System#gc()} runs again. */
	private static final long ROUND_MILLIS = 50;

	private GarbageCollection() {
	}

	/**
	 * Collects garbage and waits until the collector's reference processing has run. Two sentinels, one after
	 * the other: the second is enqueued only after the references the first collection found were handed
	 * to their queues, so every object unreachable at the call has had its reference enqueued.
	 *
	 * @param timeout how long it may take
	 * @throws AssertionError when the collector does not collect within the timeout (explicit collections
	 *         disabled, for example)
	 */
	public static void collect(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		awaitCollected(deadline);
		awaitCollected(deadline);
	}

	/**
	 * The heap in use after {@link #collect(Duration)}: what is live, as near as the JVM can tell.
	 *
	 * @param timeout how long the collection may take
	 * @return bytes in use
	 */
	public static long heapUsedAfterCollection(Duration timeout) {
		collect(timeout);
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static void awaitCollected(long deadline) {
		ReferenceQueue<Object> queue = new ReferenceQueue<>();
		WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
		try {
			do {
				System.gc();
				if (queue.remove(ROUND_MILLIS) != null) {
					return;
				}
			}
			while (System.nanoTime() < deadline);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError("interrupted while waiting for a garbage collection", e);
		}
		throw new AssertionError("no garbage collection enqueued " + sentinel + " in time");
	}
}
