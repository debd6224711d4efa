package io.tributary;

import java.time.Duration;

import io.tributary.memory.InMemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedulers given to the builder: the timer runs the checkpoint interval (here in virtual time), the
 * completion scheduler answers writers, and the engine leaves both running when it closes.
 */
class EngineSchedulersTest {

	private final OpenEngines engines = new OpenEngines();

	@AfterEach
	void closeEngines() {
		engines.closeAll();
	}

	@Test
	void theProjectionIsCheckpointedEveryIntervalOfTheInjectedTimer() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryStorage storage = new InMemoryStorage();
		SyncEngine engine = engines.open(SyncEngine.builder().storage(storage).origin("a").timer(time)
				.checkpointInterval(Duration.ofSeconds(10)));
		await(engine.put("doc", "x", "{\"v\":1}"));

		time.advanceTimeBy(Duration.ofSeconds(9));
		assertEquals(0L, await(storage.projections().checkpoint()), "nothing saved before the interval");

		time.advanceTimeBy(Duration.ofSeconds(1));
		assertEquals(1L, await(storage.projections().checkpoint()), "saved when the interval ticked");

		await(engine.put("doc", "y", "{\"v\":2}"));
		time.advanceTimeBy(Duration.ofSeconds(10));
		assertEquals(2L, await(storage.projections().checkpoint()), "and again at the next tick");
		assertEquals(2L, await(storage.projections().entities().count()));
	}

	@Test
	void writersHearBackOnTheInjectedCompletionSchedulerWhichCloseLeavesRunning() {
		Scheduler completions = Schedulers.newSingle("app-completions");
		Scheduler timer = Schedulers.newSingle("app-timer");
		try {
			SyncEngine engine = engines.open(SyncEngine.builder().storage(new InMemoryStorage()).origin("a")
					.completions(completions).timer(timer).checkpointInterval(Duration.ofHours(1)));

			String thread = await(engine.put("doc", "x", "{}").map(e -> Thread.currentThread().getName()));
			assertTrue(thread.startsWith("app-completions"), thread);

			engines.close(engine);
			assertFalse(completions.isDisposed(), "the application's scheduler is the application's to dispose");
			assertFalse(timer.isDisposed());
			assertEquals("still running",
					Mono.just("still running").publishOn(completions).block(TIMEOUT));
		}
		finally {
			completions.dispose();
			timer.dispose();
		}
	}
}
