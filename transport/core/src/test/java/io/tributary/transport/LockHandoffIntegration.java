package io.tributary.transport;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound may let pass in these tests, with the reason. Loaded through {@code META-INF/services}.
 * <ul>
 * <li>{@code LinkedBlockingQueue.offer}: handing a task to a single-thread executor (the H2 store's threads,
 * which run H2's synchronous SQL off the event loops) takes the queue's lock for a few instructions; the
 * queue is unbounded, so {@code offer} never waits for room. The lock is never held across I/O. Reactor's
 * own integration lets its schedulers' queue hand-offs pass for the same reason.</li>
 * <li>{@code AdaptivePoolingAllocator}'s magazines: Netty 4.2's default allocator guards the resizing of
 * its per-thread magazines with a {@code StampedLock} held for a few instructions, on whatever thread
 * allocates or frees a buffer, event loops included.</li>
 * </ul>
 */
public final class LockHandoffIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("java.util.concurrent.LinkedBlockingQueue", "offer");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
	}
}
