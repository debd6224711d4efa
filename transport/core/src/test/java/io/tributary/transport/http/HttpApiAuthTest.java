package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.transport.http.TestClient.Response;

class HttpApiAuthTest {

	private static final String TOKEN = "s3cret-Token_1";
	private static final List<String> PROTECTED = List.of("/api/help", "/api/changes", "/api/changes/x:1",
			"/api/stats", "/api/entities/t", "/api/entities/t/1", "/api/convergence", "/metrics", "/no/such/route");

	private final ApiFixture fixture = new ApiFixture();
	private HttpApi api;
	private TestClient anonymous;

	@BeforeEach
	void start() {
		SyncEngine engine = fixture.engine("node-a");
		api = HttpApi.builder(engine).token(TOKEN).build();
		anonymous = new TestClient(fixture.serve(api));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	@Test
	void everyEndpointButHealthNeedsTheToken() {
		for (String path : PROTECTED) {
			Response r = anonymous.get(path);
			assertEquals(401, r.status(), path);
			assertEquals("unauthorized", r.error(), path);
			assertTrue(r.headers().get("WWW-Authenticate").startsWith("Bearer"), path);
		}
		Response post = anonymous.post("/api/changes", "{}");
		assertEquals(401, post.status());
		assertEquals(200, anonymous.get("/health").status());
	}

	@Test
	void wrongTokenOrSchemeIsUnauthorized() {
		for (TestClient c : List.of(anonymous.withToken("wrong"), anonymous.withToken(TOKEN + "x"),
				anonymous.withToken(TOKEN.substring(1)), anonymous.withHeader("Authorization", "Basic " + TOKEN),
				anonymous.withHeader("Authorization", TOKEN), anonymous.withHeader("Authorization", "Bearer "))) {
			Response r = c.get("/api/changes");
			assertEquals(401, r.status());
			assertEquals("unauthorized", r.error());
		}
	}

	@Test
	void rightTokenIsServed() {
		TestClient authorized = anonymous.withToken(TOKEN);
		assertEquals(200, authorized.get("/api/changes").status());
		assertEquals(201, authorized.post("/api/changes",
				"{\"entityType\":\"t\",\"operation\":\"create\",\"entityId\":\"1\",\"data\":{}}").status());
		assertEquals(404, authorized.get("/no/such/route").status(), "routes are told apart once authorized");
		assertEquals(200, anonymous.withHeader("Authorization", "bearer " + TOKEN).get("/metrics").status(),
				"the scheme is case-insensitive");
	}

	@Test
	void configurationTextHidesTheToken() {
		assertFalse(api.toString().contains(TOKEN), api.toString());
		assertTrue(api.toString().contains("token=****"), api.toString());
	}
}
