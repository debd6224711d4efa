package io.tributary;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * BlockHound watches every test of this module (installed by {@code blockhound-junit-platform}): a
 * blocking call on a non-blocking thread (Reactor's parallel and single schedulers) fails the test that
 * made it. This checks that it is on, and that the engine's write path, driven from non-blocking threads,
 * does not block.
 */
class BlockHoundTest {

	private static final Duration T = Duration.ofSeconds(10);

	@Test
	void aBlockingCallOnAParallelThreadIsCaught() {
		CountDownLatch never = new CountDownLatch(1);
		Mono.fromCallable(() -> never.await(1, TimeUnit.MILLISECONDS))
				.subscribeOn(Schedulers.parallel())
				.as(StepVerifier::create)
				.expectError(BlockingOperationError.class)
				.verify(T);
	}

	@Test
	void writesAndReadsFromParallelThreadsDoNotBlock() {
		SyncEngine engine = SyncEngine.builder().storage(new InMemoryStorage()).origin("a").open().block(T);
		try {
			Flux.range(0, 2000)
					.parallel(4).runOn(Schedulers.parallel())
					.flatMap(i -> engine.put("todo", "t" + (i % 50), "{\"i\":" + i + "}"))
					.sequential()
					.then(Mono.defer(() -> engine.query("todo").count()).subscribeOn(Schedulers.parallel()))
					.as(StepVerifier::create)
					.expectNext(50L)
					.verifyComplete();
			assertEquals(2000, engine.vector().get("a"));
		}
		finally {
			engine.closeAsync().block(T);
		}
	}
}
