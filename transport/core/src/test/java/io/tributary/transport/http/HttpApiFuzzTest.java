package io.tributary.transport.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.tributary.transport.http.TestClient.Response;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input to the HTTP API over a real socket: any body posted as changes, any cursor, limit, change
 * id, type or entity id gets a declared answer (200, 201, or a 4xx with a {@code {"error","message"}}
 * body), never a 5xx, a hang or a dead server. Runs the saved corpus under {@code src/test/resources} in
 * the default build; {@code JAZZER_FUZZ=1} with the {@code fuzz} profile fuzzes for real
 * (docs/RELIABILITY.md).
 */
class HttpApiFuzzTest {

	private static final int MAX_BODY = 64 * 1024;
	private static final Set<Integer> DECLARED = Set.of(200, 201, 400, 404, 413, 415);

	private static ApiFixture fixture;
	private static TestClient client;

	@BeforeAll
	static void start() {
		fixture = new ApiFixture();
		HttpApi api = HttpApi.builder(fixture.engine("fuzzed")).token("t").maxBodyBytes(MAX_BODY).build();
		// kept-alive (pooled) connections: inputs once left a request on such a connection unanswered
		// (docs/RELIABILITY.md), they replay from the saved corpus
		client = new TestClient(fixture.serve(api)).withToken("t");
	}

	@AfterAll
	static void stop() {
		fixture.close();
	}

	@FuzzTest(maxDuration = "5m")
	void anyRequestGetsADeclaredAnswer(FuzzedDataProvider data) {
		int kind = data.consumeInt(0, 4);
		String a = encode(data.consumeString(300));
		String b = encode(data.consumeString(300));
		Response r = switch (kind) {
			case 0 -> client.postBytes("/api/changes", "application/json", data.consumeRemainingAsBytes());
			case 1 -> client.get("/api/changes?cursor=" + a + "&limit=" + b);
			case 2 -> client.get("/api/changes/" + a);
			case 3 -> client.get("/api/entities/" + a + "/" + b);
			default -> client.get("/api/entities/" + a + "?after=" + b + "&limit=" + data.consumeInt());
		};
		assertTrue(DECLARED.contains(r.status()), r.status() + ": " + r.body());
		if (r.status() >= 400) {
			r.error();
		}
		else {
			assertTrue(r.json().isObject(), r.body());
		}
	}

	private static String encode(String s) {
		return URLEncoder.encode(s, StandardCharsets.UTF_8);
	}
}
