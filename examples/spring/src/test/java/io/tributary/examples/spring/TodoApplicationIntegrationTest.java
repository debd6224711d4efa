package io.tributary.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.tributary.EntityState;
import io.tributary.WriteRequest;
import io.tributary.transport.node.SyncNode;
import reactor.core.publisher.Flux;

/**
 * The Spring service on a random port, with a real node (H2 files, its peer port) started in this JVM before it:
 * writes through the service's own endpoint and through Tributary's API on the service's port reach the node over
 * the peer link, a write on the node reaches the service, the stream serves server-sent events through WebFlux, and
 * the service's security refuses a request without its key on both.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TodoApplicationIntegrationTest {

	private static final Duration T = Duration.ofSeconds(30);
	private static final String NODE_TOKEN = "spring-example-node-token";
	private static final ObjectMapper JSON = new ObjectMapper();

	@TempDir
	static Path dir;

	private static SyncNode node;

	@Value("${local.server.port}")
	int port;

	private WebTestClient anonymous;
	private WebTestClient alice;

	@BeforeAll
	static void startNode() {
		node = SyncNode.builder().dataDir(dir.resolve("node")).nodeId("hub").httpPort(0).peerPort(0).token(NODE_TOKEN)
				.start().block(T);
	}

	@AfterAll
	static void stopNode() {
		if (node != null) {
			node.close(Duration.ofSeconds(5)).block(T);
		}
	}

	@DynamicPropertySource
	static void settings(DynamicPropertyRegistry registry) {
		registry.add("todo.data-dir", () -> dir.resolve("service").toString());
		registry.add("todo.origin", () -> "service");
		registry.add("todo.node.peer", () -> "127.0.0.1:" + node.peerPort());
		registry.add("todo.node.token", () -> NODE_TOKEN);
	}

	@BeforeEach
	void clients() {
		anonymous = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(T).build();
		alice = anonymous.mutate().defaultHeader(ApiKeyFilter.HEADER, "alice-key").build();
	}

	@Test
	void writeThroughTheServiceReachesTheNode() {
		JsonNode stored = json(alice.put().uri("/todos/milk").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"title\":\"Buy milk\",\"done\":false}").exchange()
				.expectStatus().isOk().expectBody().returnResult().getResponseBody());
		assertEquals("milk", stored.path("id").asText());
		assertEquals("Buy milk", stored.path("todo").path("title").asText());

		EntityState onNode = awaitOnNode("milk");
		assertTrue(onNode.json().contains("Buy milk"), onNode.json());
		assertEquals("alice", node.engine().events(0).filter(e -> e.entityId().equals("milk")).blockFirst(T).userId(),
				"written as the service's user");
	}

	@Test
	void writeThroughTheMountedApiReachesTheNodeAndStreams() {
		byte[] answer = alice.post().uri("/sync/api/changes").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"bread\","
						+ "\"data\":{\"title\":\"Buy bread\",\"done\":false}}")
				.exchange().expectStatus().isCreated().expectBody().returnResult().getResponseBody();
		assertEquals("alice", json(answer).path("changes").get(0).path("userId").asText(), "acting for the key's user");
		assertTrue(awaitOnNode("bread").json().contains("Buy bread"));

		List<String> events = alice.get().uri("/sync/api/stream?cursor=0").accept(MediaType.TEXT_EVENT_STREAM).exchange()
				.expectStatus().isOk()
				.returnResult(String.class).getResponseBody()
				.filter(line -> line.contains("\"entityId\":\"bread\""))
				.take(1)
				.collectList()
				.block(T);
		assertEquals(1, events.size(), "the change arrives on the stream");
		JsonNode help = json(alice.get().uri("/sync/api/help").exchange().expectStatus().isOk().expectBody()
				.returnResult().getResponseBody());
		assertTrue(help.toString().contains("\"/sync/api/changes\""), "help names the mounted paths");
	}

	@Test
	void writeOnTheNodeReachesTheService() {
		node.engine().write(WriteRequest.put("todo", "eggs", "{\"title\":\"Buy eggs\",\"done\":true}").withUserId("alice"))
				.block(T);
		WebClient reader = WebClient.builder().baseUrl("http://127.0.0.1:" + port)
				.defaultHeader(ApiKeyFilter.HEADER, "alice-key").build();
		JsonNode eggs = Flux.interval(Duration.ZERO, Duration.ofMillis(50)).onBackpressureDrop()
				.concatMap(tick -> reader.get().uri("/todos").retrieve().bodyToMono(byte[].class))
				.map(TodoApplicationIntegrationTest::json)
				.flatMapIterable(list -> list)
				.filter(todo -> todo.path("id").asText().equals("eggs"))
				.blockFirst(T);
		assertTrue(eggs.path("todo").path("done").asBoolean(), eggs.toString());

		JsonNode entity = json(alice.get().uri("/sync/api/entities/todo/eggs").exchange().expectStatus().isOk()
				.expectBody().returnResult().getResponseBody());
		assertEquals("Buy eggs", entity.path("data").path("title").asText());
		alice.mutate().defaultHeader(ApiKeyFilter.HEADER, "bob-key").build().get().uri("/sync/api/entities/todo/eggs")
				.exchange().expectStatus().isNotFound();
	}

	@Test
	void requestWithoutAKnownKeyIsRefusedOnBoth() {
		for (String path : List.of("/todos", "/sync/api/changes", "/sync/health")) {
			JsonNode refused = json(anonymous.get().uri(path).exchange().expectStatus().isUnauthorized().expectBody()
					.returnResult().getResponseBody());
			assertEquals("unauthorized", refused.path("error").asText(), path);
		}
		anonymous.mutate().defaultHeader(ApiKeyFilter.HEADER, "wrong").build().post().uri("/sync/api/changes")
				.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"entityType\":\"todo\",\"operation\":\"create\","
						+ "\"entityId\":\"x\",\"data\":{}}")
				.exchange().expectStatus().isUnauthorized();
		alice.put().uri("/todos/bad").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"done\":\"no\"}").exchange()
				.expectStatus().isBadRequest();
	}

	/** Waits until the node holds the todo, as its peer link delivers it. */
	private static EntityState awaitOnNode(String id) {
		return Flux.interval(Duration.ZERO, Duration.ofMillis(50)).onBackpressureDrop()
				.concatMap(tick -> node.engine().get("todo", id).map(List::of).defaultIfEmpty(List.of()))
				.filter(found -> !found.isEmpty())
				.map(found -> found.get(0))
				.blockFirst(T);
	}

	private static JsonNode json(byte[] body) {
		try {
			return JSON.readTree(body);
		}
		catch (java.io.IOException e) {
			throw new AssertionError("not JSON: " + new String(body, java.nio.charset.StandardCharsets.UTF_8), e);
		}
	}
}
