package io.tributary.perf;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import org.HdrHistogram.Histogram;

import io.tributary.Event;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Pairs each event the source acknowledged with its arrival on one receiving node, by event id, and records
 * the time between the write's submission and the arrival. The source learns an event's id only from its
 * acknowledgement, which may come after the receiver already saw the event: whichever half comes first
 * waits in a map for the other. Thread-safe: the source's acknowledging thread and the receiver's
 * delivery thread call it concurrently.
 */
final class LatencyMatcher {

	/** The source's half: when the write was submitted and when the schedule wanted it, in nanoseconds. */
	private record Start(long submitted, long intended, boolean measured) {
	}

	/** Values are a {@link Start} or the arrival's {@code Long} nanoseconds. */
	private final ConcurrentHashMap<UUID, Object> pending = new ConcurrentHashMap<>();
	private final Histogram latency;
	private final Histogram fromSchedule;
	private final LongAdder matched = new LongAdder();
	private final LongAdder measuredMatched = new LongAdder();

	/**
	 * A matcher recording into shared histograms.
	 *
	 * @param latency where submission-to-arrival times of measured events go, in microseconds
	 * @param fromSchedule where scheduled-time-to-arrival times of measured events go, in microseconds
	 */
	LatencyMatcher(Histogram latency, Histogram fromSchedule) {
		this.latency = latency;
		this.fromSchedule = fromSchedule;
	}

	/**
	 * The source acknowledged an event.
	 *
	 * @param id the event's id
	 * @param submitted {@link System#nanoTime()} just before the write was submitted
	 * @param intended when the schedule wanted it submitted, same clock
	 * @param measured whether its latency counts (false during the warmup)
	 */
	void started(UUID id, long submitted, long intended, boolean measured) {
		Start start = new Start(submitted, intended, measured);
		pending.compute(id, (k, arrival) -> {
			if (arrival == null) {
				return start;
			}
			match(start, (Long) arrival);
			return null;
		});
	}

	/**
	 * The receiver emitted the event's change.
	 *
	 * @param id the event's id
	 * @param nanos {@link System#nanoTime()} at the emission
	 */
	void arrived(UUID id, long nanos) {
		pending.compute(id, (k, v) -> {
			if (v instanceof Start) {
				match((Start) v, nanos);
				return null;
			}
			// a second arrival of an unmatched event keeps the first
			return v == null ? Long.valueOf(nanos) : v;
		});
	}

	private void match(Start start, long arrived) {
		if (start.measured()) {
			latency.recordValue(Math.max(0, (arrived - start.submitted()) / 1000));
			fromSchedule.recordValue(Math.max(0, (arrived - start.intended()) / 1000));
			measuredMatched.increment();
		}
		matched.increment();
	}

	/**
	 * Watches a receiving node's entity changes and matches each as it arrives.
	 *
	 * @param receiver the node
	 * @param streamError where the stream's failure goes, the first one kept
	 * @return the subscription
	 */
	Disposable watch(Node receiver, AtomicReference<Throwable> streamError) {
		return watch(receiver, e -> true, streamError);
	}

	/**
	 * Watches a receiving node's entity changes and matches those of the events chosen as they arrive.
	 *
	 * @param receiver the node
	 * @param counted which events are matched (the others, such as the node's own writes, are not waited for)
	 * @param streamError where the stream's failure goes, the first one kept
	 * @return the subscription
	 */
	Disposable watch(Node receiver, Predicate<Event> counted, AtomicReference<Throwable> streamError) {
		return receiver.engine().changes(Workload.TYPE)
				.filter(c -> counted.test(c.event()))
				.subscribe(c -> arrived(c.event().id(), System.nanoTime()), e -> streamError.compareAndSet(null, e));
	}

	/**
	 * A writer's listener that starts each acknowledged event on every matcher.
	 *
	 * @param matchers one per receiving node
	 * @return the listener
	 */
	static PacedWriter.Acknowledged starter(List<LatencyMatcher> matchers) {
		return (e, index, submitted, intended, measured) -> {
			for (LatencyMatcher m : matchers) {
				m.started(e.id(), submitted, intended, measured);
			}
		};
	}

	/**
	 * Waits until every write was answered and every acknowledged event reached every matcher's node, or
	 * the grace period ends, and says how long that took. Blocking.
	 *
	 * @param matchers one per receiving node
	 * @param writer the writer
	 * @param total writes the writer submitted
	 * @param grace the longest wait
	 * @param scenario for the message
	 * @param err where the message goes
	 */
	static void awaitAll(List<LatencyMatcher> matchers, PacedWriter writer, long total, Duration grace,
			String scenario, PrintWriter err) {
		long start = System.nanoTime();
		Flux.interval(Duration.ofMillis(5), JvmStats.MONITOR)
				.filter(t -> writer.acked() + writer.writeErrors() == total
						&& matchers.stream().allMatch(m -> m.matched() == writer.acked()))
				.next()
				.timeout(grace, Mono.just(-1L))
				.block();
		err.printf("[%s] last deliveries after %,d ms%n", scenario, (System.nanoTime() - start) / 1_000_000);
	}

	/** Events matched so far, warmup included. */
	long matched() {
		return matched.sum();
	}

	/** Measured events matched so far. */
	long measuredMatched() {
		return measuredMatched.sum();
	}
}
