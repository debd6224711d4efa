package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.http.TestClient.SseFrame;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class HttpApiStreamTest {

	private final ApiFixture fixture = new ApiFixture();
	private SyncEngine engine;
	private TestClient client;

	@BeforeEach
	void start() {
		engine = fixture.engine("node-a");
		client = new TestClient(fixture.serve(HttpApi.builder(engine).heartbeat(Duration.ofMillis(200)).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	private void write(int from, int to) {
		Flux.range(from, to - from).concatMap(i -> engine.put("note", "n" + i, "{\"i\":" + i + "}"))
				.blockLast(TestClient.TIMEOUT);
	}

	private Flux<SseFrame> changes(String uri, Map<String, String> headers) {
		return client.stream(uri, headers).filter(SseFrame::isChange);
	}

	private static void assertChange(SseFrame frame, long seq) {
		assertEquals(Long.toString(seq), frame.id());
		assertEquals(seq, frame.json().get("seq").asLong());
		assertEquals("node-a:" + seq, frame.json().get("cid").asText());
	}

	@Test
	void streamCatchesUpThenFollowsLiveWritesInOrderWithoutGaps() {
		write(1, 6);
		changes("/api/stream", Map.of())
				.as(StepVerifier::create)
				.assertNext(f -> assertChange(f, 1))
				.expectNextCount(3)
				.assertNext(f -> assertChange(f, 5))
				.then(() -> write(6, 9))
				.assertNext(f -> assertChange(f, 6))
				.assertNext(f -> assertChange(f, 7))
				.assertNext(f -> assertChange(f, 8))
				.then(() -> write(9, 10))
				.assertNext(f -> {
					assertChange(f, 9);
					assertEquals("create", f.json().get("operation").asText());
					assertEquals(9, f.json().get("data").get("i").asInt());
				})
				.thenCancel()
				.verify(TestClient.TIMEOUT);
	}

	@Test
	void streamWhileWritingConcurrentlyShowsEveryChangeOnce() {
		write(1, 51);
		Flux<Long> seqs = changes("/api/stream?cursor=10", Map.of()).map(f -> Long.parseLong(f.id()));
		seqs.take(190)
				.collectList()
				.as(StepVerifier::create)
				.then(() -> engine.put("note", "x", "{}").repeat(149).subscribe())
				.assertNext(list -> {
					for (int i = 0; i < list.size(); i++) {
						assertEquals(11 + i, list.get(i), "seq " + (11 + i));
					}
				})
				.verifyComplete();
	}

	@Test
	void lastEventIdResumesAfterTheLastSeenChange() {
		write(1, 8);
		changes("/api/stream?cursor=1", Map.of("Last-Event-ID", "5"))
				.as(StepVerifier::create)
				.assertNext(f -> assertChange(f, 6))
				.assertNext(f -> assertChange(f, 7))
				.thenCancel()
				.verify(TestClient.TIMEOUT);
	}

	@Test
	void idleStreamSendsHeartbeats() {
		client.stream("/api/stream", Map.of())
				.filter(f -> f.comment() != null && f.comment().equals("keep-alive"))
				.take(2)
				.as(StepVerifier::create)
				.expectNextCount(2)
				.verifyComplete();
	}

	@Test
	void payloadWithLineBreaksStaysOneEvent() {
		engine.put("note", "multi", "{\n  \"text\": \"a\\nb\",\r\n  \"n\": 1\n}").block();
		changes("/api/stream", Map.of())
				.as(StepVerifier::create)
				.assertNext(f -> {
					assertEquals("a\nb", f.json().get("data").get("text").asText());
					assertEquals(1, f.json().get("data").get("n").asInt());
				})
				.thenCancel()
				.verify(TestClient.TIMEOUT);
	}

	@Test
	void streamEndsWhenTheEngineCloses() {
		write(1, 2);
		client.stream("/api/stream", Map.of())
				.filter(SseFrame::isChange)
				.as(StepVerifier::create)
				.assertNext(f -> assertChange(f, 1))
				.then(() -> engine.closeAsync().subscribe())
				.verifyComplete();
	}

	@Test
	void badCursorOrLastEventIdIsRefused() {
		for (String uri : List.of("/api/stream?cursor=-1", "/api/stream?cursor=abc")) {
			Response r = client.get(uri);
			assertEquals(400, r.status(), uri);
			assertEquals("invalid_parameter", r.error());
		}
		Response r = client.withHeader("Last-Event-ID", "seven").get("/api/stream");
		assertEquals(400, r.status());
		assertTrue(r.json().get("message").asText().contains("Last-Event-ID"));
	}
}
