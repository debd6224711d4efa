package io.tributary.transport.http;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.transport.http.TestClient.Response;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code GET /api/peers} and {@code GET /metrics} on nodes running in this JVM, over HTTP: a peer's lag rises while
 * it is stopped and falls once it is back, the engine's and the node's meters are served, {@code promtool check
 * metrics} accepts the output, and the operator files in {@code docs/monitoring} are sound: {@code promtool check
 * rules} accepts the alert rules and the dashboard queries only metrics a node serves.
 */
class MonitoringApiTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final String TOKEN = "monitoring-node-token";
	private static final Path MONITORING = Path.of("..", "..", "docs", "monitoring");

	@TempDir
	Path dir;

	private final List<SyncNode> nodes = new ArrayList<>();

	@AfterEach
	void stopNodes() {
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	private SyncNode start(String id, int peerPort, SyncNode peer) {
		return start(id, peerPort, peer, false);
	}

	/** A node; with {@code upstream}, its peer is also its upstream. */
	private SyncNode start(String id, int peerPort, SyncNode peer, boolean upstream) {
		SyncNode.Builder b = SyncNode.builder().dataDir(dir.resolve(id)).nodeId(id).httpPort(0).peerPort(peerPort)
				.token(TOKEN).backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5));
		if (peer != null) {
			b.peer(new PeerAddress("127.0.0.1", peer.peerPort()));
			if (upstream) {
				b.upstream(new PeerAddress("127.0.0.1", peer.peerPort()));
			}
		}
		SyncNode node = b.start().block(T);
		nodes.add(node);
		return node;
	}

	private static TestClient client(SyncNode node) {
		return new TestClient(node.httpPort()).withToken(TOKEN);
	}

	private static void write(SyncNode node, int from, int to) {
		for (int i = from; i < to; i++) {
			Response r = client(node).post("/api/changes", "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"t"
					+ i + "\",\"data\":{\"i\":" + i + "}}");
			assertEquals(201, r.status(), r.body());
		}
	}

	/** Asks again every 100 ms until the answer passes. */
	private static JsonNode await(SyncNode node, String uri, Predicate<JsonNode> until, String what) {
		JsonNode last = Mono.fromSupplier(() -> client(node).get(uri).json())
				// the client blocks: each attempt on a thread that may
				.subscribeOn(Schedulers.boundedElastic())
				.repeatWhen(r -> r.delayElements(Duration.ofMillis(100)))
				.filter(until)
				.next()
				.block(T);
		assertNotNull(last, what);
		return last;
	}

	private static JsonNode onlyPeer(JsonNode answer) {
		assertEquals(1, answer.get("peers").size(), answer.toString());
		return answer.get("peers").get(0);
	}

	@Test
	void aPeersLagRisesWhileItIsStoppedAndFallsOnceItIsBack() {
		SyncNode b = start("b", 0, null);
		int bPort = b.peerPort();
		SyncNode a = start("a", 0, b);
		write(a, 0, 3);
		JsonNode caughtUp = onlyPeer(await(a, "/api/peers", p -> {
			JsonNode peer = onlyPeer(p);
			return peer.get("connected").asBoolean() && peer.get("vector").path("a").asLong() == 3;
		}, "b holds a's three events"));
		assertEquals("127.0.0.1:" + bPort, caughtUp.get("address").asText());
		assertEquals("b", caughtUp.get("nodeId").asText());
		assertEquals("outbound", caughtUp.get("direction").asText());
		assertEquals(0, caughtUp.get("lagEvents").asLong());
		assertEquals(0.0, caughtUp.get("lagSeconds").asDouble());
		assertEquals(3, caughtUp.get("eventsSent").asLong());
		assertTrue(caughtUp.get("bytesSent").asLong() > 0 && caughtUp.get("bytesReceived").asLong() > 0, caughtUp.toString());
		assertTrue(caughtUp.get("laggingSince").isNull());
		JsonNode atB = client(b).get("/api/peers").json();
		assertTrue(atB.get("peers").findValuesAsText("direction").contains("inbound"), atB.toString());

		b.close(Duration.ofSeconds(5)).block(T);
		nodes.remove(b);
		write(a, 3, 8);
		JsonNode lagging = onlyPeer(await(a, "/api/peers", p -> {
			JsonNode peer = onlyPeer(p);
			return !peer.get("connected").asBoolean() && peer.get("lagEvents").asLong() == 5
					&& peer.get("lagSeconds").asDouble() > 0;
		}, "a sees b lag by five events"));
		assertNotNull(lagging.get("lastError").textValue(), lagging.toString());
		assertNotNull(lagging.get("lastErrorAt").textValue(), lagging.toString());
		assertNotNull(lagging.get("laggingSince").textValue(), lagging.toString());
		String metrics = client(a).get("/metrics").body();
		assertEquals(5.0, sample(metrics, "tributary_peer_lag_events", "peer=\"127.0.0.1:" + bPort + "\""), metrics);
		assertEquals(0.0, sample(metrics, "tributary_peer_connected", "peer=\"127.0.0.1:" + bPort + "\""));
		assertTrue(sample(metrics, "tributary_peer_lag_seconds", "peer=\"127.0.0.1:" + bPort + "\"") > 0);

		start("b", bPort, null);
		JsonNode back = onlyPeer(await(a, "/api/peers", p -> {
			JsonNode peer = onlyPeer(p);
			return peer.get("connected").asBoolean() && peer.get("lagEvents").asLong() == 0;
		}, "b caught up again"));
		assertEquals(0.0, back.get("lagSeconds").asDouble());
		assertEquals(8, back.get("vector").get("a").asLong());
		assertEquals(8, back.get("eventsSent").asLong());
		assertEquals(0.0, sample(client(a).get("/metrics").body(), "tributary_peer_lag_events",
				"peer=\"127.0.0.1:" + bPort + "\""));
	}

	@Test
	void peersAreTheNodesOwn() {
		SyncNode a = start("a", 0, null);
		Response r = client(a).get("/api/peers");
		assertEquals(200, r.status(), r.body());
		assertEquals("a", r.json().get("nodeId").asText());
		assertEquals(0, r.json().get("peers").size());
		assertTrue(r.json().get("upstream").isNull());
		assertEquals(401, new TestClient(a.httpPort()).get("/api/peers").status());
		assertTrue(client(a).get("/api/help").body().contains("/api/peers"), "listed by /api/help");
		assertTrue(client(a).get("/api/help").body().contains("/api/signals"), "listed by /api/help");
	}

	@Test
	void metricsServeTheEngineAndNodeMetersAndPassPromtool() throws Exception {
		SyncNode b = start("b", 0, null);
		SyncNode a = start("a", 0, b, true);
		write(a, 0, 3);
		await(a, "/api/peers", p -> onlyPeer(p).get("lagEvents").asLong() == 0
				&& onlyPeer(p).get("connected").asBoolean(), "b caught up");
		String metrics = client(a).get("/metrics").body();
		for (String name : List.of("tributary_events_committed_events_total", "tributary_commit_batch_events_count",
				"tributary_commit_duration_seconds_count", "tributary_ingress_queued", "tributary_conflicts_total",
				"tributary_dead_letters_events_total", "tributary_http_requests_seconds_count",
				"tributary_peer_lag_events", "tributary_peer_lag_seconds", "tributary_peer_connected",
				"tributary_peer_events_total", "tributary_peer_bytes_total", "tributary_store_events",
				"tributary_store_entities", "tributary_store_bytes", "tributary_dead_letters_held_events",
				"tributary_projection_checkpoint_age_seconds", "jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads",
				"jvm_classes_loaded_classes", "system_cpu_processors", "process_cpu_usage", "process_files_open_files",
				"process_uptime_seconds", "tributary_upstream_lag_events")) {
			assertTrue(metrics.contains("\n" + name), name + " is served");
		}
		assertEquals(3.0, sample(metrics, "tributary_store_events", null));
		assertEquals(1.0, sample(metrics, "tributary_peer_connected", "peer=\"127.0.0.1:" + b.peerPort() + "\""));
		assertTrue(sample(metrics, "tributary_peer_bytes_total", "direction=\"sent\",peer=\"127.0.0.1:"
				+ b.peerPort() + "\"") > 0, metrics);
		assertTrue(client(b).get("/metrics").body().contains("tributary_peer_connected{peer=\"inbound\"} 1.0"),
				"the inbound links are one series");

		Path scrape = dir.resolve("metrics.txt");
		Files.writeString(scrape, metrics);
		String promtool = promtool();
		Result check = run(List.of(promtool, "check", "metrics"), scrape);
		assertEquals(0, check.code(), "promtool check metrics:\n" + check.output());

		// every metric the dashboard and the alert rules use is one a node serves
		Set<String> served = new TreeSet<>();
		Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(metrics + client(b).get("/metrics").body());
		while (m.find()) {
			served.add(m.group(1));
		}
		for (String file : List.of("tributary-dashboard.json", "tributary-alerts.yml")) {
			String text = Files.readString(MONITORING.resolve(file));
			Matcher used = Pattern.compile("\\b((?:tributary|jvm|process|system)_[a-z0-9_]+)").matcher(text);
			int count = 0;
			while (used.find()) {
				count++;
				assertTrue(served.contains(used.group(1)), file + " uses " + used.group(1) + ", which no node serves");
			}
			assertTrue(count > 5, file + " queries the node's metrics");
		}
	}

	@Test
	void theAlertRulesPassPromtool() throws Exception {
		String promtool = promtool();
		Result check = run(List.of(promtool, "check", "rules", MONITORING.resolve("tributary-alerts.yml").toString()), null);
		assertEquals(0, check.code(), "promtool check rules:\n" + check.output());
		assertTrue(check.output().contains("SUCCESS"), check.output());
		Result test = run(List.of(promtool, "test", "rules", MONITORING.resolve("tributary-alerts-test.yml").toString()),
				null);
		assertEquals(0, test.code(), "promtool test rules:\n" + test.output());
	}

	@Test
	void theDashboardIsAGrafanaDashboardWithTheDatasourceAsAVariable() throws IOException {
		JsonNode dashboard = TestClient.MAPPER.readTree(Files.readString(MONITORING.resolve("tributary-dashboard.json")));
		assertTrue(dashboard.get("schemaVersion").asInt() >= 30, "a current schema");
		assertFalse(dashboard.get("title").asText().isBlank());
		JsonNode variables = dashboard.get("templating").get("list");
		JsonNode datasource = null;
		for (JsonNode v : variables) {
			if ("datasource".equals(v.get("type").asText())) {
				datasource = v;
			}
		}
		assertNotNull(datasource, "the datasource is a variable");
		assertEquals("prometheus", datasource.get("query").asText());
		String ref = "${" + datasource.get("name").asText() + "}";
		int panels = 0;
		for (JsonNode panel : dashboard.get("panels")) {
			if ("row".equals(panel.get("type").asText())) {
				continue;
			}
			panels++;
			assertEquals(ref, panel.get("datasource").get("uid").asText(), panel.get("title") + " uses the variable");
			assertTrue(panel.get("targets").size() > 0, panel.get("title") + " has a query");
			for (JsonNode target : panel.get("targets")) {
				assertFalse(target.get("expr").asText().isBlank());
				assertEquals(ref, target.get("datasource").get("uid").asText());
			}
			assertTrue(panel.has("gridPos"), panel.get("title") + " has a place");
		}
		assertTrue(panels >= 8, panels + " panels");
	}

	/** The value of one series of a scrape; fails when absent. */
	private static double sample(String metrics, String name, String labels) {
		Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + (labels == null ? "" : "\\{" + Pattern.quote(labels)
				+ ",?\\}") + " (\\S+)$");
		Matcher m = p.matcher(metrics);
		if (!m.find()) {
			fail("no series " + name + (labels == null ? "" : "{" + labels + "}") + " in\n" + metrics);
		}
		return Double.parseDouble(m.group(1));
	}

	/**
	 * The promtool command: required where {@code CI=true}, else the test is skipped with what to install.
	 */
	private static String promtool() {
		for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			if (!d.isEmpty() && Files.isExecutable(Path.of(d, "promtool"))) {
				return Path.of(d, "promtool").toString();
			}
		}
		String message = "promtool is not installed: apt-get install prometheus (the Debian package that holds it)";
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			fail(message + "; CI=true requires it");
		}
		Assumptions.abort(message);
		return null;
	}

	private record Result(int code, String output) {
	}

	private static Result run(List<String> command, Path stdin) throws IOException, InterruptedException {
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
		if (stdin != null) {
			pb.redirectInput(stdin.toFile());
		}
		Process p = pb.start();
		byte[] out = p.getInputStream().readAllBytes();
		if (!p.waitFor(60, TimeUnit.SECONDS)) {
			p.destroyForcibly();
			fail(command + " did not end within 60 s");
		}
		return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
	}
}
