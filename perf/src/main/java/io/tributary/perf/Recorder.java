package io.tributary.perf;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import org.HdrHistogram.Histogram;

/**
 * Records a scenario's measured phase: the progress line and throughput series ({@link Progress}), the
 * JVM's figures ({@link JvmStats#window()}), the highest ingress queue of the scenario's nodes, their
 * dropped-signal counters and the source node's served counters from the phase's start. Blocking parts: none; start and stop it from
 * the scenario's thread.
 */
final class Recorder {

	private final List<Node> nodes;
	private final Progress progress;
	private final JvmStats.Window window;
	private final JvmStats.MaxSampler occupancy;
	private final long start = System.nanoTime();
	private final long live0;
	private final long store0;
	private final long dropped0;
	// the ended phase
	private JvmStats.Usage usage;
	private List<Progress.Sample> series;
	private long nanos;
	private long occupancyMax;
	private long live;
	private long store;
	private long dropped;

	private Recorder(String phase, long total, LongSupplier done, PrintWriter err, List<Node> nodes) {
		this.nodes = List.copyOf(nodes);
		this.live0 = source().served("live");
		this.store0 = source().served("store");
		this.dropped0 = sum(Node::tapSignalsDropped);
		this.occupancy = new JvmStats.MaxSampler(() -> this.nodes.stream().mapToLong(Node::ingressQueued).max().orElse(0));
		this.window = JvmStats.window();
		this.progress = Progress.start(phase, total, done, err);
	}

	/**
	 * Starts recording a phase.
	 *
	 * @param phase the phase's name, for the progress lines
	 * @param total events the phase is to do (for the progress line)
	 * @param done events done so far
	 * @param err where the progress lines go
	 * @param nodes the scenario's nodes, whose meters are read, the source (the node that serves the others)
	 *        first
	 * @return the running recorder
	 */
	static Recorder start(String phase, long total, LongSupplier done, PrintWriter err, List<Node> nodes) {
		return new Recorder(phase, total, done, err, nodes);
	}

	/**
	 * Ends the phase and builds its measures from a latency histogram complete by now.
	 *
	 * @param latency the phase's latency histogram, in microseconds; {@code null} when the scenario has none
	 * @param errors errors during the phase
	 * @return the phase's measures
	 */
	Measures stop(Histogram latency, long errors) {
		end();
		return measures(latency, errors);
	}

	/** Ends the phase: its progress, JVM figures, occupancy and counters stop here. Idempotent. */
	synchronized void end() {
		if (usage != null) {
			return;
		}
		series = progress.stop();
		nanos = System.nanoTime() - start;
		usage = window.stop();
		occupancyMax = occupancy.stop();
		live = source().served("live") - live0;
		store = source().served("store") - store0;
		dropped = sum(Node::tapSignalsDropped) - dropped0;
	}

	/**
	 * The measures of an ended phase, with latencies that may have been recorded after its end (deliveries
	 * of the phase's last events).
	 *
	 * @param latency the phase's latency histogram, in microseconds; {@code null} when the scenario has none
	 * @param errors errors during the phase
	 * @return the measures
	 */
	synchronized Measures measures(Histogram latency, long errors) {
		if (usage == null) {
			throw new IllegalStateException("the phase has not ended");
		}
		// a copy: deliveries may still be recording into the histogram
		Histogram h = latency == null ? new Histogram(3) : latency.copy();
		return new Measures(series, Figures.seconds(nanos), Latency.ofMicros(h), Measures.distribution(h),
				usage.heapMaxUsedMb(), usage.gcMillis(), usage.gcCount(), usage.cpuSeconds(), occupancyMax, live, store,
				dropped, errors);
	}

	/** What the JVM did during the phase; valid after {@link #end()}. */
	JvmStats.Usage usage() {
		return usage;
	}

	/**
	 * The node whose served counts are reported: the scenario's source. A receiving node serves too, but
	 * only to its own session back to the source, which skips what the source holds.
	 */
	private Node source() {
		return nodes.get(0);
	}

	private long sum(ToLongFunction<Node> meter) {
		return nodes.stream().mapToLong(meter).sum();
	}
}
