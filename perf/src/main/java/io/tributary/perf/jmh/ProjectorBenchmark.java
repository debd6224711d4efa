package io.tributary.perf.jmh;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.tributary.Event;
import io.tributary.ProjectionPolicy;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;

/**
 * The projector's fold and merge: 1,000 events from three origins over 100 entities, puts and merge
 * patches, a third of them concurrent with the entity's head (each raises a conflict the policy resolves),
 * applied as one peer batch to a fresh engine on in-memory storage. The score is per event.
 * <p>
 * The projector is the engine's own (not API), so the benchmark drives it as every replica does, through
 * {@link SyncEngine#apply(List)}: besides the fold, each event is validated and appended to the in-memory log,
 * and the batch passes once through the engine's commit loop. The events, their order and the policy are those
 * of the earlier version, which called the projector directly event by event; docs/PERFORMANCE.md has both
 * versions' scores from one sitting. Opening and closing the engine is outside the measured time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProjectorBenchmark {

	private static final int EVENTS = 1000;
	private static final Duration T = Duration.ofSeconds(30);

	private List<Event> events;
	private SyncEngine engine;

	/** Generates the events. */
	@Setup(Level.Trial)
	public void setUp() {
		events = BenchEvents.generate(EVENTS, 3, 100, 11);
	}

	/** Opens a fresh engine on in-memory storage: every invocation folds into empty state. */
	@Setup(Level.Invocation)
	public void openEngine() {
		engine = SyncEngine.builder().storage(new InMemoryStorage()).projection(ProjectionPolicy.defaults())
				.open().block(T);
	}

	/** Closes the invocation's engine. */
	@TearDown(Level.Invocation)
	public void closeEngine() {
		engine.closeAsync().block(T);
	}

	/**
	 * Applies every event.
	 *
	 * @return what the engine reports (every event applied)
	 * @throws IllegalStateException when an event was not applied, so a broken run cannot pass for a fast one
	 */
	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public SyncEngine.ApplyResult fold() {
		SyncEngine.ApplyResult result = engine.apply(events).block(T);
		if (result == null || result.applied() != EVENTS) {
			throw new IllegalStateException("not every event was applied: " + result);
		}
		return result;
	}
}
