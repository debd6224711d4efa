package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.memory.InMemoryStorage;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded ingress in front of a store that commits slowly: appends wait at a gate the test opens, and the
 * overload timeout runs on a virtual-time scheduler given to the engine as its timer, so no test waits on the wall
 * clock.
 */
class OverloadTest {

	private static final Duration OVERLOAD_TIMEOUT = Duration.ofSeconds(2);

	private final List<SyncEngine> engines = new ArrayList<>();
	private final List<GatedStorage> gates = new ArrayList<>();

	@AfterEach
	void tearDown() {
		gates.forEach(GatedStorage::openAll);
		for (SyncEngine e : engines) {
			try {
				// short, on the wall clock: a wedged engine must not hold up the suite
				e.closeAsync().onErrorResume(x -> Mono.empty()).block(Duration.ofSeconds(3));
			}
			catch (IllegalStateException timedOut) {
				// the failing test already reported why
			}
		}
	}

	/**
	 * Virtual time whose delayed {@code schedule} first runs a hook once: lets a test act at the moment the
	 * engine arms a waiting writer's timeout.
	 */
	private static final class HookedScheduler implements Scheduler {
		private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
		private final AtomicReference<Runnable> hook = new AtomicReference<>();

		@Override
		public Disposable schedule(Runnable task) {
			return time.schedule(task);
		}

		@Override
		public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
			Runnable h = hook.getAndSet(null);
			if (h != null) {
				h.run();
			}
			return time.schedule(task, delay, unit);
		}

		@Override
		public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
			return time.schedulePeriodically(task, initialDelay, period, unit);
		}

		@Override
		public long now(TimeUnit unit) {
			return time.now(unit);
		}

		@Override
		public Worker createWorker() {
			return time.createWorker();
		}

		@Override
		public void dispose() {
			time.dispose();
		}
	}

	private SyncEngine engine(GatedStorage storage, int capacity, SimpleMeterRegistry registry, Scheduler timer) {
		gates.add(storage);
		SyncEngine e = await(SyncEngine.builder().storage(storage).origin("a").ingressCapacity(capacity)
				.overloadTimeout(OVERLOAD_TIMEOUT).checkpointInterval(Duration.ofHours(1)).meterRegistry(registry)
				.timer(timer).open());
		engines.add(e);
		return e;
	}

	private static Set<String> storedEntityIds(InMemoryStorage memory) {
		List<Event> events = memory.events().read(0, Integer.MAX_VALUE).collectList().block(TIMEOUT);
		Set<String> ids = new HashSet<>();
		for (Event e : events) {
			assertTrue(ids.add(e.entityId()), "stored twice: " + e);
		}
		return ids;
	}

	private static boolean rejected(CompletableFuture<Event> f) {
		return f.isCompletedExceptionally();
	}

	private static Throwable cause(CompletableFuture<Event> f) {
		try {
			f.get(0, TimeUnit.SECONDS);
			throw new AssertionError("not failed");
		}
		catch (ExecutionException e) {
			return e.getCause();
		}
		catch (Exception e) {
			throw new AssertionError(e);
		}
	}

	@Test
	void writersWaitThenGetOverloadedAndOnlyAcceptedWritesAreStored() throws Exception {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = engine(gated, 4, registry, time);

		int threads = 8;
		int perThread = 5;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		List<Future<List<CompletableFuture<Event>>>> submitted = new ArrayList<>();
		CountDownLatch start = new CountDownLatch(1);
		try {
			for (int t = 0; t < threads; t++) {
				int thread = t;
				submitted.add(pool.submit(() -> {
					assertTrue(start.await(10, TimeUnit.SECONDS));
					List<CompletableFuture<Event>> writes = new ArrayList<>();
					for (int i = 0; i < perThread; i++) {
						writes.add(engine.put("doc", "w" + thread + "-" + i, "{}").toFuture());
					}
					return writes;
				}));
			}
			start.countDown();
			List<CompletableFuture<Event>> writes = new ArrayList<>();
			for (Future<List<CompletableFuture<Event>>> f : submitted) {
				// subscribing returns at once: a waiting writer holds no thread
				writes.addAll(f.get(10, TimeUnit.SECONDS));
			}
			assertTrue(writes.stream().noneMatch(CompletableFuture::isDone), "the store has committed nothing yet");

			time.advanceTimeBy(OVERLOAD_TIMEOUT);

			List<CompletableFuture<Event>> refused = writes.stream().filter(OverloadTest::rejected).toList();
			List<CompletableFuture<Event>> waiting = writes.stream().filter(f -> !f.isDone()).toList();
			assertFalse(refused.isEmpty(), "some writers waited the whole timeout");
			assertFalse(waiting.isEmpty(), "the writes in the ingress are still waiting for the store");
			for (CompletableFuture<Event> f : refused) {
				OverloadedException e = assertInstanceOf(OverloadedException.class, cause(f));
				assertTrue(e.getMessage().contains("not stored"), e.getMessage());
			}
			assertEquals(refused.size(), registry.get("tributary.writes.rejected").tag("reason", "overload").counter()
					.count());

			gated.openAll();

			Set<String> accepted = new HashSet<>();
			for (CompletableFuture<Event> f : waiting) {
				accepted.add(f.get(10, TimeUnit.SECONDS).entityId());
			}
			assertEquals(accepted, storedEntityIds(memory), "exactly the accepted writes are stored, once each");
			assertEquals(accepted.size() + refused.size(), threads * perThread);
			assertEquals(accepted.size(), engine.vector().get("a"), "refused writes used no origin sequence");
			assertEquals(0.0, registry.get("tributary.ingress.queued").gauge().value());
			assertEquals(0.0, registry.get("tributary.ingress.waiting").gauge().value());
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void waitingWritersAreAdmittedWhenCommitsCatchUpBeforeTheTimeout() throws Exception {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SyncEngine engine = engine(gated, 2, new SimpleMeterRegistry(), time);

		List<CompletableFuture<Event>> writes = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			writes.add(engine.put("doc", "w" + i, "{}").toFuture());
		}
		time.advanceTimeBy(OVERLOAD_TIMEOUT.minusMillis(1));
		assertTrue(writes.stream().noneMatch(CompletableFuture::isDone));

		gated.openAll();
		time.advanceTimeBy(OVERLOAD_TIMEOUT);

		Set<String> accepted = new HashSet<>();
		for (CompletableFuture<Event> f : writes) {
			accepted.add(f.get(10, TimeUnit.SECONDS).entityId());
		}
		assertEquals(10, accepted.size());
		assertEquals(accepted, storedEntityIds(memory));
	}

	@Test
	void waitingWriterIsAdmittedAsSoonAsTheIngressHasRoom() throws Exception {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SyncEngine engine = engine(gated, 2, new SimpleMeterRegistry(), time);

		CompletableFuture<Event> inFlight = engine.put("doc", "w1", "{}").toFuture();
		List<CompletableFuture<Event>> queued = List.of(engine.put("doc", "w2", "{}").toFuture(),
				engine.put("doc", "w3", "{}").toFuture());
		CompletableFuture<Event> waiter = engine.put("doc", "w4", "{}").toFuture();
		assertEquals(1, gated.appendsCalled());

		gated.open(0); // w1 commits; w2 and w3 leave the ingress for the next commit, which the store holds
		assertEquals(2, gated.appendsCalled());
		assertEquals(1, inFlight.get(10, TimeUnit.SECONDS).position());

		// the ingress has been empty since: w4 has room and must not time out
		time.advanceTimeBy(OVERLOAD_TIMEOUT);
		assertFalse(rejected(waiter), () -> "refused although the ingress had room: " + cause(waiter));

		gated.openAll();
		assertEquals(4, waiter.get(10, TimeUnit.SECONDS).position());
		for (CompletableFuture<Event> f : queued) {
			f.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void writerPromotedWhileItsTimeoutIsBeingArmedIsStillCommitted() throws Exception {
		HookedScheduler timer = new HookedScheduler();
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SyncEngine engine = engine(gated, 1, new SimpleMeterRegistry(), timer);
		CompletableFuture<Event> first = engine.put("doc", "w1", "{}").toFuture(); // at the store
		CompletableFuture<Event> second = engine.put("doc", "w2", "{}").toFuture(); // fills the ingress

		// the third writer must wait; just as the engine arms its timeout, the store catches up
		timer.hook.set(gated::openAll);
		CompletableFuture<Event> third = engine.put("doc", "w3", "{}").toFuture();
		assertNull(timer.hook.get(), "the third writer waited for room");

		first.get(5, TimeUnit.SECONDS);
		second.get(5, TimeUnit.SECONDS);
		assertEquals(3, third.get(5, TimeUnit.SECONDS).position());
		assertEquals(4, engine.put("doc", "w4", "{}").toFuture().get(5, TimeUnit.SECONDS).position(),
				"the engine keeps committing afterwards");
	}

	@Test
	void cancelledWaitingWriterLeavesTheIngressAndIsNotStored() throws Exception {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryStorage memory = new InMemoryStorage();
		GatedStorage gated = new GatedStorage(memory);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = engine(gated, 1, registry, time);

		CompletableFuture<Event> first = engine.put("doc", "w1", "{}").toFuture();
		CompletableFuture<Event> second = engine.put("doc", "w2", "{}").toFuture();
		Disposable cancelled = engine.put("doc", "cancelled", "{}").subscribe();
		assertEquals(1.0, registry.get("tributary.ingress.waiting").gauge().value());

		cancelled.dispose();
		assertEquals(0.0, registry.get("tributary.ingress.waiting").gauge().value());

		gated.openAll();
		first.get(10, TimeUnit.SECONDS);
		second.get(10, TimeUnit.SECONDS);
		assertEquals(Set.of("w1", "w2"), storedEntityIds(memory));
	}

	@Test
	void manyConcurrentWritersOnATinyIngressAllGetAnAnswer() throws Exception {
		SyncEngine engine = await(SyncEngine.builder().storage(new InMemoryStorage()).origin("a").ingressCapacity(1)
				.overloadTimeout(Duration.ofSeconds(5)).checkpointInterval(Duration.ofHours(1)).open());
		engines.add(engine);
		int threads = 4;
		int perThread = 5_000;
		CountDownLatch answered = new CountDownLatch(threads * perThread);
		AtomicInteger succeeded = new AtomicInteger();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			for (int t = 0; t < threads; t++) {
				int thread = t;
				pool.execute(() -> {
					for (int i = 0; i < perThread; i++) {
						engine.put("doc", "w" + thread + "-" + (i % 50), "{}").subscribe(e -> {
							succeeded.incrementAndGet();
							answered.countDown();
						}, e -> {
							errors.add(e);
							answered.countDown();
						});
					}
				});
			}
			boolean allAnswered = answered.await(15, TimeUnit.SECONDS);
			List<Throwable> unexpected = errors.stream().filter(e -> !(e instanceof OverloadedException)).toList();
			unexpected.forEach(Throwable::printStackTrace);
			assertTrue(allAnswered && unexpected.isEmpty(), "writes left without an answer: " + answered.getCount()
					+ "; unexpected errors: " + unexpected);
			assertEquals(succeeded.get(), engine.vector().get("a"));
		}
		finally {
			pool.shutdownNow();
		}
	}
}
