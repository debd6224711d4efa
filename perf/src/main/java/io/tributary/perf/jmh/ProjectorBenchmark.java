package io.tributary.perf.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.tributary.Event;
import io.tributary.ProjectionPolicy;
import io.tributary.internal.Projector;

/**
 * The projector's fold and merge: 1,000 events from three origins over 100 entities, puts and merge
 * patches, a third of them concurrent with the entity's head (each raises a conflict the policy resolves),
 * folded into a fresh projector. The score is per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProjectorBenchmark {

	private static final int EVENTS = 1000;

	private List<Event> events;

	/** Generates the events. */
	@Setup
	public void setUp() {
		events = BenchEvents.generate(EVENTS, 3, 100, 11);
	}

	/** {@return the projector after folding every event} */
	@Benchmark
	@OperationsPerInvocation(EVENTS)
	public Projector fold() {
		Projector projector = new Projector(ProjectionPolicy.defaults());
		for (Event e : events) {
			projector.apply(e);
		}
		return projector;
	}
}
