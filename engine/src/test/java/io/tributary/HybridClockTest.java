package io.tributary;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HybridClockTest {

	private static final long T0 = 1_700_000_000_000L;

	@Test
	void stampsNeverDecreaseWhenTheWallClockJumpsBack() {
		MutableClock wall = new MutableClock(T0);
		HybridClock clock = new HybridClock(wall);
		long first = clock.now();

		wall.set(T0 - 60_000);
		long second = clock.now();
		long third = clock.now();

		assertTrue(second > first, "stamp after a backward jump must still grow: " + Hlc.toString(first) + " then "
				+ Hlc.toString(second));
		assertTrue(third > second);
		assertEquals(T0, Hlc.millis(second), "millis stay at the highest seen while the wall clock is behind");
		assertEquals(T0, Hlc.millis(third));

		wall.set(T0 + 5);
		long caughtUp = clock.now();
		assertEquals(Hlc.pack(T0 + 5, 0), caughtUp, "once the wall clock passes the stamps, they follow it again");
	}

	@Test
	void counterIncrementsWithinOneMillisecond() {
		HybridClock clock = new HybridClock(new MutableClock(T0));

		long a = clock.now();
		long b = clock.now();
		long c = clock.now();

		assertEquals(Hlc.pack(T0, 0), a);
		assertEquals(Hlc.pack(T0, 1), b);
		assertEquals(Hlc.pack(T0, 2), c);
	}

	@Test
	void counterOverflowBorrowsTheNextMillisecondAndStaysIncreasing() {
		HybridClock clock = new HybridClock(new MutableClock(T0));
		long previous = clock.now();
		for (int i = 0; i < Hlc.MAX_COUNTER + 10; i++) {
			long next = clock.now();
			assertTrue(next > previous, "stamp " + i + " did not increase");
			previous = next;
		}
		assertEquals(T0 + 1, Hlc.millis(previous));
	}

	@Test
	void remoteStampAheadIsExceededByTheNextLocalStamp() {
		HybridClock clock = new HybridClock(new MutableClock(T0));
		clock.now();
		long remote = Hlc.pack(T0 + 30_000, 7);

		clock.update(remote);
		assertEquals(remote, clock.last(), "the received stamp is now the last one");
		long next = clock.now();

		assertTrue(next > remote, "local stamp " + Hlc.toString(next) + " must exceed remote " + Hlc.toString(remote));
		assertEquals(Hlc.pack(T0 + 30_000, 8), next);
	}

	@Test
	void remoteStampBehindDoesNotMoveTheClockBack() {
		HybridClock clock = new HybridClock(new MutableClock(T0));
		long local = clock.now();

		clock.update(Hlc.pack(T0 - 1_000, 3));

		assertEquals(local, clock.last());
		assertTrue(clock.now() > local);
	}

	@Test
	void concurrentStampsAreUniqueAndIncreasingPerThread() throws Exception {
		HybridClock clock = new HybridClock(new MutableClock(T0));
		int threads = 4;
		int perThread = 20_000;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<long[]>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				Callable<long[]> task = () -> {
					assertTrue(start.await(10, TimeUnit.SECONDS));
					long[] stamps = new long[perThread];
					for (int i = 0; i < perThread; i++) {
						stamps[i] = clock.now();
					}
					return stamps;
				};
				futures.add(pool.submit(task));
			}
			start.countDown();
			Set<Long> all = new HashSet<>();
			for (Future<long[]> f : futures) {
				long[] stamps = f.get(10, TimeUnit.SECONDS);
				for (int i = 0; i < stamps.length; i++) {
					if (i > 0) {
						assertTrue(stamps[i] > stamps[i - 1], "stamps of one thread must increase");
					}
					all.add(stamps[i]);
				}
			}
			assertEquals(threads * perThread, all.size(), "every stamp must be unique");
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void packRejectsOutOfRangeParts() {
		assertThrows(IllegalArgumentException.class, () -> Hlc.pack(-1, 0));
		assertThrows(IllegalArgumentException.class, () -> Hlc.pack(1L << 48, 0));
		assertThrows(IllegalArgumentException.class, () -> Hlc.pack(T0, Hlc.MAX_COUNTER + 1));
		long stamp = Hlc.pack(T0, 42);
		assertEquals(T0, Hlc.millis(stamp));
		assertEquals(42, Hlc.counter(stamp));
		assertEquals(T0 + ".42", Hlc.toString(stamp));
	}
}
