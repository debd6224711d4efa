package io.tributary.perf;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Garbage-collection counters and a sampler of the heap in use, read from the JVM's management beans.
 */
final class JvmStats {

	/**
	 * The harness's own daemon thread for sampling and progress lines, so that printing never runs on a
	 * Reactor scheduler the engine uses.
	 */
	static final Scheduler MONITOR = Schedulers.newSingle("tributary-perf-monitor", true);

	private JvmStats() {
	}

	/** Milliseconds spent in garbage collection since the JVM started, summed over the collectors. */
	static long gcMillis() {
		long sum = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			sum += Math.max(0, gc.getCollectionTime());
		}
		return sum;
	}

	/** Collections since the JVM started, summed over the collectors. */
	static long gcCount() {
		long sum = 0;
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			sum += Math.max(0, gc.getCollectionCount());
		}
		return sum;
	}

	/** The system's one-minute load average, -1 where the platform does not tell. */
	static double loadAverage() {
		return Figures.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
	}

	/** CPU time the whole process has used, in nanoseconds; -1 where the platform does not tell. */
	static long processCpuNanos() {
		java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		return os instanceof com.sun.management.OperatingSystemMXBean
				? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime()
				: -1;
	}

	/** The JVM's arguments. */
	static List<String> jvmArgs() {
		return List.copyOf(ManagementFactory.getRuntimeMXBean().getInputArguments());
	}

	/** The heap limit in bytes. */
	static long heapMax() {
		return Runtime.getRuntime().maxMemory();
	}

	/** Processors available to the JVM. */
	static int cores() {
		return Runtime.getRuntime().availableProcessors();
	}

	/** Bytes of heap in use now, live or not. */
	static long heapUsed() {
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/**
	 * Samples the heap in use every 50 ms, keeping the highest value, until stopped.
	 */
	static final class HeapSampler {
		private final MaxSampler sampler = new MaxSampler(JvmStats::heapUsed);

		/** Stops sampling. @return the highest heap in use seen, in bytes */
		long stop() {
			return sampler.stop();
		}
	}

	/**
	 * Samples a value every 50 ms, keeping the highest, until stopped.
	 */
	static final class MaxSampler {
		private final LongSupplier value;
		private final AtomicLong max;
		private final Disposable ticker;

		MaxSampler(LongSupplier value) {
			this.value = value;
			this.max = new AtomicLong(value.getAsLong());
			this.ticker = Flux.interval(Duration.ofMillis(50), MONITOR)
					.subscribe(tick -> max.accumulateAndGet(value.getAsLong(), Math::max));
		}

		/** Stops sampling. @return the highest value seen */
		long stop() {
			ticker.dispose();
			return max.accumulateAndGet(value.getAsLong(), Math::max);
		}
	}

	/**
	 * Starts measuring a phase: collections, process CPU and the heap's high-water mark from now on.
	 *
	 * @return the running window; {@link Window#stop()} it when the phase ends
	 */
	static Window window() {
		return new Window();
	}

	/** What the JVM did during a phase; see {@link JvmStats#window()}. */
	static final class Window {
		private final long gcMillis0 = gcMillis();
		private final long gcCount0 = gcCount();
		private final long cpu0 = processCpuNanos();
		private final HeapSampler heap = new HeapSampler();

		private Window() {
		}

		/** Stops the window. @return what happened in it */
		Usage stop() {
			long heapMax = heap.stop();
			return new Usage(gcMillis() - gcMillis0, gcCount() - gcCount0, processCpuNanos() - cpu0, heapMax);
		}
	}

	/**
	 * What the JVM did during a phase.
	 *
	 * @param gcMillis time spent in garbage collection
	 * @param gcCount collections
	 * @param cpuNanos CPU time of the whole process (all threads, GC included)
	 * @param heapMaxUsedBytes highest heap in use, live or not
	 */
	record Usage(long gcMillis, long gcCount, long cpuNanos, long heapMaxUsedBytes) {

		double cpuSeconds() {
			return Figures.seconds(cpuNanos);
		}

		long heapMaxUsedMb() {
			return heapMaxUsedBytes >> 20;
		}
	}
}
