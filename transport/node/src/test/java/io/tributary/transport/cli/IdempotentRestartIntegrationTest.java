package io.tributary.transport.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.http;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Idempotent writes hold across a restart of a node process: a change sent with its own id, and a request sent
 * with an {@code Idempotency-Key}, are retried after the node stopped (SIGTERM) or was killed (SIGKILL) and
 * started again on the same data; each is stored once and answered as the first time.
 */
class IdempotentRestartIntegrationTest {

	private static final String TOKEN = "idem-t0ken";

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();

	@AfterEach
	void killLeftovers() throws InterruptedException {
		for (NodeProcess p : children) {
			p.close();
		}
	}

	private int start() throws IOException, Exception {
		NodeProcess p = NodeProcess.start(dir.resolve("node-" + children.size() + ".err"), Map.of(), "--data",
				dir.resolve("data").toString(), "--http-port", "0", "--peer-port", "0", "--token", TOKEN, "--node-id", "n");
		children.add(p);
		return p.awaitHttpPort();
	}

	private NodeProcess last() {
		return children.get(children.size() - 1);
	}

	/** An answer: status, the replay header, body. */
	private record Answer(int status, String replayed, String body) {
	}

	private static Answer post(int port, String key, String body) {
		return http(port, TOKEN)
				.headers(h -> {
					h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
					if (key != null) {
						h.set("Idempotency-Key", key);
					}
				})
				.post()
				.uri("/api/changes")
				.send(ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
						.map(text -> new Answer(res.status().code(), res.responseHeaders().get("Idempotent-Replayed"), text)))
				.block(T);
	}

	private static String change(String entityId, int n) {
		return "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"" + entityId + "\",\"data\":{\"n\":" + n
				+ "}}";
	}

	private static String withId(UUID id, String entityId, int n) {
		return "{\"id\":\"" + id + "\"," + change(entityId, n).substring(1);
	}

	private static JsonNode changes(int port) {
		return getJson(port, TOKEN, "/api/changes?limit=1000");
	}

	@Test
	void idsAndKeysHoldAcrossAStopAndAKill() throws Exception {
		int port = start();
		UUID id = UUID.randomUUID();
		String keyed = "[" + change("k1", 1) + "," + change("k2", 2) + "]";
		Answer byId = post(port, null, withId(id, "i", 0));
		Answer byKey = post(port, "order-1", keyed);
		assertEquals(201, byId.status(), byId.body());
		assertEquals(201, byKey.status(), byKey.body());

		assertEquals(0, last().terminate(), last().stderr());
		port = start();

		Answer idAgain = post(port, null, withId(id, "i", 0));
		Answer keyAgain = post(port, "order-1", keyed);
		assertEquals(201, idAgain.status(), idAgain.body());
		assertEquals(byId.body(), idAgain.body(), "the same change: seq, cid, id and data");
		assertEquals(201, keyAgain.status(), keyAgain.body());
		assertEquals(byKey.body(), keyAgain.body());
		assertEquals("true", keyAgain.replayed());
		Answer reused = post(port, "order-1", "[" + change("k1", 9) + "]");
		assertEquals(422, reused.status(), reused.body());
		assertEquals(3, changes(port).get("count").asInt(), changes(port).toString());

		// written just before SIGKILL: H2 has not stored them yet, the write-ahead log brings them back
		UUID late = UUID.randomUUID();
		Answer lateById = post(port, null, withId(late, "late", 1));
		Answer lateByKey = post(port, "order-2", "[" + change("k3", 3) + "]");
		assertEquals(201, lateById.status(), lateById.body());
		assertEquals(201, lateByKey.status(), lateByKey.body());
		last().kill();
		port = start();

		assertEquals(lateById.body(), post(port, null, withId(late, "late", 1)).body());
		Answer lateKeyAgain = post(port, "order-2", "[" + change("k3", 3) + "]");
		assertEquals(lateByKey.body(), lateKeyAgain.body());
		assertEquals("true", lateKeyAgain.replayed());
		assertEquals(byId.body(), post(port, null, withId(id, "i", 0)).body());
		JsonNode log = changes(port);
		assertEquals(5, log.get("count").asInt(), log.toString());
		assertNull(post(port, "order-3", "[" + change("k4", 4) + "]").replayed(), "a new key runs");
		assertEquals(0, last().terminate(), last().stderr());
	}
}
