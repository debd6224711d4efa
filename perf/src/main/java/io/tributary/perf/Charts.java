package io.tributary.perf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG charts of a run, drawn from its {@link Measures}: {@code <scenario>-throughput.png} (events per
 * second over the measured phase) and {@code <scenario>-latency.png} (latency by percentile, the
 * percentile axis stretched towards the tail as HdrHistogram's plots do).
 */
final class Charts {

	private static final int WIDTH = 800;
	private static final int HEIGHT = 450;
	/** Where the maximum sits on the stretched percentile axis: past 99.999. */
	private static final double MAX_X = 6;

	private Charts() {
	}

	/**
	 * Writes both charts.
	 *
	 * @param out the directory
	 * @param scenario the scenario's name, which names the files
	 * @param measures what to draw
	 * @return the files' names, throughput first; the latency chart only when latencies were recorded
	 * @throws IOException when a file cannot be written
	 */
	static List<String> write(Path out, String scenario, Measures measures) throws IOException {
		// charts render off-screen: no display is needed or wanted
		System.setProperty("java.awt.headless", "true");
		List<String> files = new ArrayList<>();
		String throughput = scenario + "-throughput.png";
		BitmapEncoder.saveBitmap(throughput(scenario, measures), out.resolve(throughput).toString(),
				BitmapEncoder.BitmapFormat.PNG);
		files.add(throughput);
		if (!measures.latencyDistribution().isEmpty()) {
			String latency = scenario + "-latency.png";
			BitmapEncoder.saveBitmap(latency(scenario, measures), out.resolve(latency).toString(),
					BitmapEncoder.BitmapFormat.PNG);
			files.add(latency);
		}
		return files;
	}

	private static XYChart throughput(String scenario, Measures measures) {
		XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(scenario + ": throughput")
				.xAxisTitle("seconds").yAxisTitle("events/s").build();
		chart.getStyler().setLegendVisible(false);
		List<Double> x = new ArrayList<>();
		List<Double> y = new ArrayList<>();
		for (Progress.Sample s : measures.throughput()) {
			x.add(s.second());
			y.add(s.eventsPerSecond());
		}
		if (x.isEmpty() || x.get(0) > 0) {
			x.add(0, 0.0);
			y.add(0, y.isEmpty() ? 0.0 : y.get(0));
		}
		chart.addSeries("events/s", x, y).setMarker(SeriesMarkers.NONE);
		// explicit, never empty ranges: the tick calculator does not end on a range of zero width
		chart.getStyler().setXAxisMin(0.0);
		chart.getStyler().setXAxisMax(Math.max(1.0, x.get(x.size() - 1)));
		fitY(chart, y);
		return chart;
	}

	private static XYChart latency(String scenario, Measures measures) {
		XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(scenario + ": latency by percentile")
				.xAxisTitle("percentile as log10(1 / (1 - p)): 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99, 6 = max")
				.yAxisTitle("milliseconds").build();
		chart.getStyler().setLegendVisible(false);
		List<Double> x = new ArrayList<>();
		List<Double> y = new ArrayList<>();
		for (Measures.Percentile p : measures.latencyDistribution()) {
			x.add(stretch(p.percentile()));
			y.add(p.millis());
		}
		XYSeries series = chart.addSeries("latency", x, y);
		series.setMarker(SeriesMarkers.CIRCLE);
		chart.getStyler().setXAxisMin(0.0);
		chart.getStyler().setXAxisMax(MAX_X);
		fitY(chart, y);
		return chart;
	}

	private static void fitY(XYChart chart, List<Double> y) {
		double max = 0;
		for (double v : y) {
			max = Math.max(max, v);
		}
		chart.getStyler().setYAxisMin(0.0);
		chart.getStyler().setYAxisMax(max > 0 ? max * 1.1 : 1.0);
	}

	/**
	 * log10(1 / (1 - p)): 0 → 0, 90 → 1, 99 → 2, 99.9 → 3, 99.99 → 4; the maximum at {@link #MAX_X}. A
	 * linear axis of this value, labelled with percentiles, stretches the tail.
	 */
	private static double stretch(double percentile) {
		return percentile >= 100 ? MAX_X : Math.min(MAX_X - 1, Math.log10(1 / (1 - percentile / 100)));
	}
}
