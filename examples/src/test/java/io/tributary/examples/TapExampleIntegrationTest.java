package io.tributary.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.transport.node.SyncNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TapExample} against a real node on H2 files, over real sockets: it prints the signals of the writes made
 * while it taps, then the node's metrics.
 */
class TapExampleIntegrationTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final String TOKEN = "tap-example-token";

	@TempDir
	Path dir;

	private SyncNode node;

	@AfterEach
	void stop() {
		if (node != null) {
			node.close(Duration.ofSeconds(5)).block(T);
		}
	}

	@Test
	void printsTheSignalsOfWritesAndTheNodesMetrics() throws Exception {
		node = SyncNode.builder().dataDir(dir.resolve("node")).nodeId("watched").httpPort(0).peerPort(0).token(TOKEN)
				.start().block(T);
		URI uri = URI.create("http://127.0.0.1:" + node.httpPort());
		List<String> lines = new CopyOnWriteArrayList<>();
		CountDownLatch tapping = new CountDownLatch(1);
		CompletableFuture<Integer> tap = CompletableFuture.supplyAsync(() -> {
			try {
				return TapExample.tap(uri, TOKEN, "committed", 3, T, line -> {
					lines.add(line);
					if (line.startsWith("tapping ")) {
						tapping.countDown();
					}
				});
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
		});
		assertTrue(tapping.await(T.toSeconds(), TimeUnit.SECONDS), "tapping: " + lines);

		// one write at a time: each is its own commit, so each is one committed signal
		post(uri, "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"milk\",\"data\":{}}");
		post(uri, "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"eggs\",\"data\":{}}");
		post(uri, "{\"entityType\":\"note\",\"operation\":\"create\",\"entityId\":\"n1\",\"data\":{}}");
		assertEquals(3, tap.get(T.toSeconds(), TimeUnit.SECONDS), lines.toString());

		assertEquals("tapping " + uri + "/api/signals", lines.get(0));
		assertTrue(lines.get(1).matches("committed\\s+1 event \\(1 local\\) at 1\\.\\.1 \\{\"todo\":1}"), lines.get(1));
		assertTrue(lines.get(2).matches("committed\\s+1 event \\(1 local\\) at 2\\.\\.2 \\{\"todo\":1}"), lines.get(2));
		assertTrue(lines.get(3).matches("committed\\s+1 event \\(1 local\\) at 3\\.\\.3 \\{\"note\":1}"), lines.get(3));
		assertEquals("3 signals; metrics:", lines.get(4));
		List<String> metrics = lines.subList(5, lines.size());
		assertTrue(metrics.stream().anyMatch(l -> l.matches("  tributary_events_committed\\S*\\{.*source=\"local\".*} 3\\.0")),
				metrics.toString());
	}

	@Test
	void aWrongTokenIsToldAbout() {
		node = SyncNode.builder().dataDir(dir.resolve("node")).nodeId("watched").httpPort(0).peerPort(0).token(TOKEN)
				.start().block(T);
		IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TapExample.tap(
				URI.create("http://127.0.0.1:" + node.httpPort()), "wrong", null, 1, T, line -> { }));
		assertTrue(refused.getMessage().contains("401") && refused.getMessage().contains("TRIBUTARY_TOKEN"),
				refused.getMessage());
	}

	private static void post(URI node, String body) throws Exception {
		HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.resolve("/api/changes"))
				.header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
		assertEquals(201, answer.statusCode(), answer.body());
	}
}
