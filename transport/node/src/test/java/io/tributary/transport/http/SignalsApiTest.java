package io.tributary.transport.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.http.TestClient.SseFrame;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/signals} on a node running in this JVM, over real sockets: the kinds asked for and no others,
 * 400 for unknown kinds, heartbeats at the interval asked, a user's token confined to the user's events, a slow
 * reader that loses its oldest frames and is told how many, and a reconnect with {@code Last-Event-ID}.
 */
class SignalsApiTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final String TOKEN = "signals-node-token";
	private static final UserTokens USERS = UserTokens.of(Map.of("alice-token", "alice", "bob-token", "bob"));

	@TempDir
	Path dir;

	private SyncNode node;

	@AfterEach
	void stopNode() {
		if (node != null) {
			node.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode start() {
		node = SyncNode.builder().dataDir(dir.resolve("a")).nodeId("a").httpPort(0).peerPort(0).token(TOKEN).users(USERS)
				.start().block(T);
		return node;
	}

	private TestClient as(String token) {
		return new TestClient(node.httpPort()).withToken(token);
	}

	private static String change(String id, String user) {
		return "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"" + id + "\",\"data\":{\"title\":\"" + id
				+ "\"}" + (user == null ? "" : ",\"userId\":\"" + user + "\"") + "}";
	}

	private void write(String token, String body) {
		Response r = as(token).post("/api/changes", body);
		assertEquals(201, r.status(), r.body());
	}

	/**
	 * The frames of a stream without heartbeats: first the comment that opens it (once it arrived, the node
	 * follows the signals for this reader), then the events.
	 */
	private Flux<SseFrame> signals(String token, String uri, Map<String, String> headers) {
		return as(token).stream(uri, headers).filter(f -> !"heartbeat".equals(f.event()));
	}

	private static void assertOpened(SseFrame f) {
		assertNotNull(f.comment(), "the stream opens with a comment");
		assertTrue(f.comment().startsWith("signals after "), f.comment());
	}

	@Test
	void committedSignalsNameTheWrittenChangesAndOtherKindsAreLeftOut() {
		start();
		signals(TOKEN, "/api/signals?kinds=committed", Map.of())
				.as(StepVerifier::create)
				.assertNext(SignalsApiTest::assertOpened)
				.then(() -> write(TOKEN, change("milk", null)))
				.assertNext(f -> {
					assertEquals("committed", f.event());
					JsonNode s = f.json();
					assertEquals("committed", s.get("kind").asText());
					assertEquals(f.id(), s.get("id").asText());
					assertEquals(1, s.get("events").asInt());
					assertEquals(1, s.get("local").asInt());
					assertEquals(1, s.get("firstSeq").asLong());
					assertEquals(1, s.get("lastSeq").asLong());
					assertEquals(1, s.get("types").get("todo").asInt());
					assertEquals(1, s.get("origins").get("a").asInt());
					assertEquals("a:1", s.get("changes").get(0).get("cid").asText());
					assertEquals("milk", s.get("changes").get(0).get("entityId").asText());
					assertEquals("create", s.get("changes").get(0).get("operation").asText());
					assertFalse(s.get("truncated").asBoolean());
					assertFalse(s.get("changes").get(0).has("data"), "payloads are not sent");
				})
				.then(() -> write(TOKEN, change("eggs", null)))
				.assertNext(f -> assertEquals("a:2", f.json().get("changes").get(0).get("cid").asText()))
				.then(() -> {
					// a refused write and a checkpoint are other kinds: not asked for
					assertEquals(400, as(TOKEN).post("/api/changes", "{\"entityType\":\"todo\"}").status());
					node.engine().checkpoint().block(T);
					write(TOKEN, change("bread", null));
				})
				.assertNext(f -> {
					assertEquals("committed", f.event());
					assertEquals("a:3", f.json().get("changes").get(0).get("cid").asText());
				})
				.thenCancel()
				.verify(T);
	}

	@Test
	void checkpointSignalsCanBeAskedForAlone() {
		start();
		write(TOKEN, change("milk", null));
		signals(TOKEN, "/api/signals?kinds=projection-checkpointed", Map.of())
				.as(StepVerifier::create)
				.assertNext(SignalsApiTest::assertOpened)
				.then(() -> {
					write(TOKEN, change("eggs", null));
					node.engine().checkpoint().block(T);
				})
				.assertNext(f -> {
					assertEquals("projection-checkpointed", f.event());
					assertEquals(2, f.json().get("position").asLong());
				})
				.thenCancel()
				.verify(T);
	}

	@Test
	void unknownKindsAreRefusedByName() {
		start();
		Response r = as(TOKEN).get("/api/signals?kinds=committed,bogus,nope");
		assertEquals(400, r.status(), r.body());
		String message = r.json().get("message").asText();
		assertTrue(message.contains("bogus") && message.contains("nope"), message);
		assertTrue(message.contains("committed, conflict-detected"), "lists the known kinds: " + message);
		assertEquals(400, as(TOKEN).get("/api/signals?buffer=0").status());
		assertEquals(400, as(TOKEN).get("/api/signals?heartbeat=soon").status());
		assertEquals(401, new TestClient(node.httpPort()).get("/api/signals").status());
	}

	@Test
	void heartbeatsArriveAtTheIntervalAskedWhileNothingHappens() {
		start();
		as(TOKEN).stream("/api/signals?heartbeat=1", Map.of())
				.filter(f -> f.event() != null)
				.take(2)
				.as(StepVerifier::create)
				.assertNext(f -> {
					assertEquals("heartbeat", f.event());
					assertNotNull(f.json().get("time"));
					assertEquals(0, f.json().get("lastId").asLong());
				})
				.assertNext(f -> assertEquals("heartbeat", f.event()))
				.expectComplete()
				// two heartbeats a second apart, well before the default interval of 15 s
				.verify(Duration.ofSeconds(10));
	}

	@Test
	void aUsersTokenSeesOnlySignalsAboutTheUsersEvents() {
		start();
		signals("alice-token", "/api/signals", Map.of())
				.as(StepVerifier::create)
				.assertNext(SignalsApiTest::assertOpened)
				.then(() -> {
					write("bob-token", change("b1", "bob"));
					// a commit of both users' changes shows alice only hers
					write(TOKEN, "[" + change("b2", "bob") + "," + change("a1", "alice") + "]");
					node.engine().checkpoint().block(T);
					write("alice-token", change("a2", "alice"));
				})
				.assertNext(f -> {
					assertEquals("committed", f.event());
					JsonNode s = f.json();
					assertEquals(1, s.get("events").asInt());
					assertEquals("a1", s.get("changes").get(0).get("entityId").asText());
					assertFalse(s.has("local"), "how many were local is the node's business");
				})
				.assertNext(f -> {
					assertEquals("committed", f.event());
					assertEquals("a2", f.json().get("changes").get(0).get("entityId").asText());
				})
				.thenCancel()
				.verify(T);
	}

	@Test
	void aReconnectingReaderResumesAfterItsLastEventId() {
		start();
		write(TOKEN, change("c1", null));
		// a reader sees one signal and goes away; meanwhile three more commits happen
		List<SseFrame> seen = new ArrayList<>();
		signals(TOKEN, "/api/signals?kinds=committed", Map.of())
				.as(StepVerifier::create)
				.assertNext(SignalsApiTest::assertOpened)
				.then(() -> write(TOKEN, change("c2", null)))
				.consumeNextWith(seen::add)
				.thenCancel()
				.verify(T);
		String lastId = seen.get(0).id();
		for (int i = 3; i <= 5; i++) {
			write(TOKEN, change("c" + i, null));
		}
		signals(TOKEN, "/api/signals?kinds=committed", Map.of("Last-Event-ID", lastId))
				.filter(f -> f.event() != null)
				.take(3)
				.map(f -> f.json().get("changes").get(0).get("entityId").asText())
				.collectList()
				.as(StepVerifier::create)
				.expectNext(List.of("c3", "c4", "c5"))
				.verifyComplete();
	}

	@Test
	void aSlowReaderLosesItsOldestFramesIsToldHowManyAndGetsTheNewest() throws IOException {
		start();
		int commits = 8000;
		// long names make big frames: 8000 commits are several times what the sockets' buffers hold
		String type = "t".repeat(120);
		String pad = "x".repeat(490);
		try (Socket socket = new Socket()) {
			// a small receive window: the node's writes back up at once while this reader does not read
			socket.setReceiveBufferSize(4096);
			socket.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), node.httpPort()));
			socket.setSoTimeout((int) T.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(("GET /api/signals?kinds=committed&buffer=4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
					+ TOKEN + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			String head = readHead(in);
			assertTrue(head.startsWith("HTTP/1.1 200"), head);
			assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked"), head);
			// one commit each, written in this process: the fastest way to many signals
			Flux.range(0, commits).concatMap(i -> node.engine().put(type, pad + i, "{}")).blockLast(T);
			long lastSeq = node.engine().lastPosition();
			// now read: what the node could not send was dropped, oldest first, and the newest arrives
			List<SseFrame> frames = new ArrayList<>();
			long dropped = 0;
			StringBuilder text = new StringBuilder();
			while (frames.isEmpty() || !lastOf(frames, lastSeq)) {
				text.append(readChunk(in));
				int end;
				while ((end = text.indexOf("\n\n")) >= 0) {
					SseFrame f = SseFrame.parse(Flux.just(text.substring(0, end + 2))).blockFirst(T);
					text.delete(0, end + 2);
					if ("dropped".equals(f.event())) {
						assertEquals("slow-reader", f.json().get("reason").asText());
						dropped += f.json().get("dropped").asLong();
					}
					else if ("committed".equals(f.event())) {
						frames.add(f);
					}
				}
			}
			assertTrue(dropped > 0, "a reader that did not read lost frames; received " + frames.size());
			assertTrue(frames.size() < commits, frames.size() + " frames of " + commits + " commits");
			assertEquals(commits, frames.size() + dropped, "every commit was either received or counted as dropped");
		}
		String metrics = as(TOKEN).get("/metrics").body();
		assertTrue(metrics.contains("tributary_http_signals_dropped_signals_total"), "counted in the metrics");
		// a reader resuming from long before what the node still keeps is told how many it missed at most
		List<SseFrame> resumed = signals(TOKEN, "/api/signals?kinds=committed", Map.of("Last-Event-ID", "1"))
				.filter(f -> f.event() != null)
				.take(2)
				.collectList()
				.block(T);
		assertEquals("dropped", resumed.get(0).event(), resumed.toString());
		assertEquals("expired", resumed.get(0).json().get("reason").asText());
		assertTrue(resumed.get(0).json().get("dropped").asLong() >= commits - SignalHub.RING - 1, resumed.toString());
		assertEquals("committed", resumed.get(1).event());
		assertTrue(Long.parseLong(resumed.get(1).id()) > commits - SignalHub.RING, "the oldest still kept");
	}

	private static boolean lastOf(List<SseFrame> frames, long lastSeq) {
		return frames.get(frames.size() - 1).json().get("lastSeq").asLong() == lastSeq;
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		int matched = 0;
		while (matched < 4) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("connection closed in the response head: " + head);
			}
			head.write(b);
			matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
		}
		return head.toString(StandardCharsets.US_ASCII);
	}

	/** One chunk of a chunked body, as text. */
	private static String readChunk(InputStream in) throws IOException {
		StringBuilder size = new StringBuilder();
		for (int b = in.read(); b != '\n'; b = in.read()) {
			if (b < 0) {
				throw new IOException("connection closed");
			}
			if (b != '\r') {
				size.append((char) b);
			}
		}
		int n = Integer.parseInt(size.toString().trim(), 16);
		byte[] data = in.readNBytes(n + 2);
		if (data.length < n + 2) {
			throw new IOException("connection closed in a chunk");
		}
		return new String(data, 0, n, StandardCharsets.UTF_8);
	}
}
