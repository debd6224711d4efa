package io.tributary.transport;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoop;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;
import reactor.test.StepVerifier;

/**
 * BlockHound watches every test of this module (installed by {@code blockhound-junit-platform}, with
 * Netty's and Reactor's integrations): a blocking call on a Netty event loop or a Reactor non-blocking
 * thread fails the test that made it. This checks that it is on for event loops; the peer, HTTP and node
 * tests then run under it.
 */
class BlockHoundTest {

	@Test
	void aBlockingCallOnANettyEventLoopIsCaught() {
		LoopResources loops = LoopResources.create("blockhound-check", 1, true);
		try {
			EventLoop loop = loops.onServer(false).next();
			CountDownLatch never = new CountDownLatch(1);
			Mono.fromFuture(() -> {
				CompletableFuture<Boolean> result = new CompletableFuture<>();
				loop.execute(() -> {
					try {
						result.complete(never.await(1, TimeUnit.MILLISECONDS));
					}
					catch (Throwable t) {
						result.completeExceptionally(t);
					}
				});
				return result;
			})
					.as(StepVerifier::create)
					.expectError(BlockingOperationError.class)
					.verify(Duration.ofSeconds(10));
		}
		finally {
			loops.disposeLater().block(Duration.ofSeconds(10));
		}
	}
}
