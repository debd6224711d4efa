package io.tributary.perf;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ChartsTest {

	private static Measures measures(List<Progress.Sample> throughput, Histogram latency) {
		return new Measures(throughput, 1, Latency.ofMicros(latency), Measures.distribution(latency), 1, 0, 0, 0, 0, 0,
				0, 0, 0);
	}

	@Test
	void writesBothChartsAsPngImages(@TempDir Path tmp) throws Exception {
		List<Progress.Sample> samples = new ArrayList<>();
		Histogram latency = new Histogram(3);
		for (int s = 1; s <= 30; s++) {
			samples.add(new Progress.Sample(s, 5_000 + 10 * s));
			for (int i = 0; i < 100; i++) {
				latency.recordValue(500 + 37L * i * s);
			}
		}
		List<String> files = assertTimeoutPreemptively(Duration.ofSeconds(30),
				() -> Charts.write(tmp, "demo", measures(samples, latency)));

		assertEquals(List.of("demo-throughput.png", "demo-latency.png"), files);
		for (String f : files) {
			BufferedImage image = ImageIO.read(tmp.resolve(f).toFile());
			assertNotNull(image, f + " is a readable image");
			assertEquals(800, image.getWidth());
		}
	}

	@Test
	void aSingleSampleAndEqualLatenciesStillDraw(@TempDir Path tmp) throws Exception {
		Histogram latency = new Histogram(3);
		latency.recordValue(1000);
		latency.recordValue(1000);
		List<String> files = assertTimeoutPreemptively(Duration.ofSeconds(30),
				() -> Charts.write(tmp, "one", measures(List.of(new Progress.Sample(0.2, 300)), latency)));
		assertEquals(2, files.size());
	}

	@Test
	void noLatencyMeansNoLatencyChart(@TempDir Path tmp) throws Exception {
		List<String> files = assertTimeoutPreemptively(Duration.ofSeconds(30),
				() -> Charts.write(tmp, "none", measures(List.of(), new Histogram(3))));
		assertEquals(List.of("none-throughput.png"), files);
	}
}
