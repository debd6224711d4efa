package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.SyncEngine;
import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.http.TestClient.SseFrame;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The API mounted into a host's own Reactor Netty server under a prefix, beside the host's route, driven over a
 * real socket: writes, reads and the stream under the prefix, the token still required, the host's route its own;
 * a host's authenticator in place of the token, and a request the host authenticated itself.
 */
class HttpApiMountTest {

	private static final String TOKEN = "mount-token";
	private static final String CHANGE = "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"milk\","
			+ "\"data\":{\"title\":\"Buy milk\"}}";

	private final ApiFixture fixture = new ApiFixture();
	private final List<DisposableServer> hosts = new ArrayList<>();
	private SyncEngine engine;

	@BeforeEach
	void start() {
		engine = fixture.engine("host");
	}

	@AfterEach
	void stop() {
		hosts.forEach(DisposableServer::disposeNow);
		fixture.close();
	}

	/** A host server: the routes under their prefix, then the host's own {@code GET /mine}. */
	private TestClient host(ApiRoutes api) {
		DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> {
					api.accept(r);
					r.get("/mine", (req, res) -> res.sendString(Mono.just("the host's own")));
				})
				.bindNow();
		server.onDispose(api);
		hosts.add(server);
		return new TestClient(server);
	}

	@Test
	void mountedApiServesUnderItsPrefixBesideTheHostsRoute() {
		TestClient anonymous = host(HttpApi.builder(engine).token(TOKEN).build().routes("/sync"));
		TestClient client = anonymous.withToken(TOKEN);

		Response written = client.post("/sync/api/changes", CHANGE);
		assertEquals(201, written.status(), written.body());
		Response read = client.get("/sync/api/entities/todo/milk");
		assertEquals(200, read.status(), read.body());
		assertEquals("Buy milk", read.json().path("data").path("title").asText());
		Response page = client.get("/sync/api/changes?cursor=0");
		assertEquals(1, page.json().path("count").asInt(), page.body());

		SseFrame change = client.stream("/sync/api/stream?cursor=0", Map.of()).filter(SseFrame::isChange)
				.blockFirst(TestClient.TIMEOUT);
		assertEquals("milk", change.json().path("entityId").asText());

		Response mine = anonymous.get("/mine");
		assertEquals(200, mine.status());
		assertEquals("the host's own", mine.body());
		assertEquals(404, client.get("/elsewhere").status(), "paths outside the prefix are the host's");
		assertFalse(client.get("/api/changes").body().contains("milk"), "the API is not at the root");

		Response help = client.get("/sync/api/help");
		List<String> paths = new ArrayList<>();
		help.json().path("endpoints").forEach(e -> paths.add(e.path("path").asText()));
		assertTrue(paths.contains("/sync/api/changes"), paths.toString());
		Response unknown = client.get("/sync/no/such");
		assertEquals(404, unknown.status());
		assertTrue(unknown.json().path("message").asText().contains("GET /sync/api/help"), unknown.body());
	}

	@Test
	void mountedApiStillRequiresItsToken() {
		TestClient anonymous = host(HttpApi.builder(engine).token(TOKEN).build().routes("/sync"));
		for (String path : List.of("/sync/api/changes", "/sync/api/stream", "/sync/no/such", "/sync")) {
			Response r = anonymous.get(path);
			assertEquals(401, r.status(), path);
			assertEquals("unauthorized", r.error(), path);
		}
		assertEquals(401, anonymous.post("/sync/api/changes", CHANGE).status());
		assertEquals(401, anonymous.withToken("wrong").get("/sync/api/changes").status());
		assertEquals(200, anonymous.get("/sync/health").status(), "health stays open");
		assertEquals(0, engine.query("todo").count().block(TestClient.TIMEOUT), "a refused write stores nothing");
	}

	@Test
	void dashboardUnderAPrefixNamesItsFilesUnderThePrefix() {
		TestClient anonymous = host(HttpApi.builder(engine).token(TOKEN).build().routes("/ops/sync"));
		Response page = anonymous.get("/ops/sync/dashboard");
		assertEquals(200, page.status());
		assertTrue(page.body().contains("\"/ops/sync/dashboard/dashboard.js\""), page.body());
		assertEquals(200, anonymous.get("/ops/sync/dashboard/dashboard.js").status());
	}

	@Test
	void hostsAuthenticatorDecidesWhoARequestIs() {
		HttpApi api = HttpApi.builder(engine)
				.authenticator(request -> Mono.justOrEmpty(request.requestHeaders().get("X-User")).map(Caller::user))
				.build();
		TestClient anonymous = host(api.routes("/sync"));
		Response refused = anonymous.post("/sync/api/changes", CHANGE);
		assertEquals(401, refused.status());
		assertEquals("unauthorized", refused.error());

		TestClient alice = anonymous.withHeader("X-User", "alice");
		Response written = alice.post("/sync/api/changes", CHANGE);
		assertEquals(201, written.status(), written.body());
		assertEquals("alice", written.json().path("changes").get(0).path("userId").asText(), "stamped with the user");
		Response nodeOnly = alice.get("/sync/api/convergence");
		assertEquals(403, nodeOnly.status(), "a user is not the node");
	}

	@Test
	void requestTheHostAuthenticatedActsForItsCaller() {
		ApiRoutes api = HttpApi.builder(engine).token(TOKEN).build().routes("/as-bob");
		DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.route(api::matches, (req, res) -> api.handle(req, res, Caller.user("bob"))))
				.bindNow();
		server.onDispose(api);
		hosts.add(server);
		TestClient client = new TestClient(server);
		Response written = client.post("/as-bob/api/changes", CHANGE);
		assertEquals(201, written.status(), written.body());
		JsonNode stored = written.json().path("changes").get(0);
		assertEquals("bob", stored.path("userId").asText());
	}

	@Test
	void malformedPrefixOrAuthenticatorBesideATokenIsRefused() {
		HttpApi api = HttpApi.builder(engine).build();
		for (String prefix : List.of("sync", "/sync/", "/", "/a b", "/{x}", "/a//b")) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> api.routes(prefix), prefix);
			assertTrue(e.getMessage().contains("prefix"), e.getMessage());
		}
		assertEquals("", api.routes("").prefix());
		IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> HttpApi.builder(engine)
				.token(TOKEN).authenticator(request -> Mono.just(Caller.node())).build());
		assertTrue(both.getMessage().contains("authenticator"), both.getMessage());
	}
}
