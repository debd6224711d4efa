package io.tributary.transport.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import javax.net.ssl.SSLException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.ssl.SslContext;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.peer.TestCertificates;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.json;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node processes configured the way an operator configures them: policies, redaction, mutual TLS between
 * peers and HTTPS from a config file; the {@code stop} command; syncs with an upstream named on the command
 * line.
 */
class NodeConfigurationIntegrationTest {

	private static final String TOKEN = "conf-it-t0ken";

	@TempDir
	static Path certs;

	static TestCertificates ca;
	static TestCertificates.Pem hubCert;
	static TestCertificates.Pem deviceCert;

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();

	@BeforeAll
	static void makeCertificates() throws Exception {
		ca = new TestCertificates(certs);
		ca.ca("ca");
		ca.signed("hub", "ca");
		ca.signed("device", "ca");
		hubCert = ca.pem("hub");
		deviceCert = ca.pem("device");
	}

	@AfterEach
	void killLeftovers() throws InterruptedException {
		for (NodeProcess p : children) {
			p.close();
		}
	}

	private NodeProcess start(String name, String... args) throws IOException {
		NodeProcess p = NodeProcess.start(dir.resolve(name + "-" + children.size() + ".err"), Map.of(), args);
		children.add(p);
		return p;
	}

	@Test
	void hubAndTwoDevicesOverMutualTlsAndHttpsConvergeUnderTheirPolicies() throws Exception {
		NodeProcess hub = start("hub", "--config", config("hub", hubCert).toString());
		NodeProcess d1 = start("d1", "--config", config("d1", deviceCert).toString());
		NodeProcess d2 = start("d2", "--config", config("d2", deviceCert).toString());
		Matcher hubReady = hub.awaitReady();
		Node h = new Node(hubReady);
		Node n1 = new Node(d1.awaitReady());
		Node n2 = new Node(d2.awaitReady());
		String hubPeer = "127.0.0.1:" + hubReady.group(3);

		// the CLI reaches an https node with the CA given, and says what is wrong without it
		Run status = run(Map.of(), "status", "--node", h.url, "--ca-file", ca.caCertificate("ca").toString(), "--token",
				TOKEN);
		assertEquals(0, status.exit(), status.toString());
		assertTrue(status.out().startsWith("node    hub  UP  " + h.url), status.out());
		Run untrusted = run(Map.of(), "status", "--node", h.url, "--token", TOKEN);
		assertEquals(1, untrusted.exit(), untrusted.toString());
		// a subcommand takes the CA from either level: the node answers (no such dead letter), no TLS failure
		Run deleteLetter = run(Map.of(), "dead-letters", "--node", h.url, "--ca-file", ca.caCertificate("ca").toString(),
				"--token", TOKEN, "delete", "nobody:1");
		assertEquals(1, deleteLetter.exit(), deleteLetter.toString());
		assertTrue(deleteLetter.err().contains("nobody:1"), deleteLetter.toString());
		assertTrue(untrusted.err().contains("the TLS handshake with the node at " + h.url + " failed"), untrusted.err());
		Run plain = run(Map.of(), "status", "--node", "http://127.0.0.1:" + h.port, "--token", TOKEN);
		assertEquals(1, plain.exit(), plain.toString());

		h.post("{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"t1\",\"data\":{\"title\":\"buy milk\","
				+ "\"meta\":{\"a\":0,\"b\":0},\"password\":\"hunter2\"}}");
		h.post("{\"entityType\":\"notes\",\"operation\":\"create\",\"entityId\":\"n1\",\"data\":{\"text\":\"base\"}}");
		sync(n1, hubPeer);
		sync(n2, hubPeer);
		assertEquals(h.entity("todo", "t1"), n2.entity("todo", "t1"));

		// conflicting writes while the devices do not see each other: nested fields of one todo, the same note
		n1.post("{\"entityType\":\"todo\",\"operation\":\"patch\",\"entityId\":\"t1\",\"data\":{\"meta\":{\"a\":1},"
				+ "\"title\":\"buy oat milk\"}}");
		n2.post("{\"entityType\":\"todo\",\"operation\":\"patch\",\"entityId\":\"t1\",\"data\":{\"meta\":{\"b\":2},"
				+ "\"done\":true}}");
		n2.post("{\"entityType\":\"notes\",\"operation\":\"update\",\"entityId\":\"n1\",\"data\":{\"text\":\"from d2\"}}");
		// later than d2's, but d1 ranks below d2
		n1.post("{\"entityType\":\"notes\",\"operation\":\"update\",\"entityId\":\"n1\",\"data\":{\"text\":\"from d1\"}}");
		n1.post("{\"entityType\":\"account\",\"operation\":\"create\",\"entityId\":\"u1\",\"data\":{\"user\":\"ann\","
				+ "\"password\":\"s3cret\"}}");

		sync(n1, hubPeer);
		sync(n2, hubPeer);
		sync(n1, hubPeer);

		JsonNode todo = json("{\"title\":\"buy oat milk\",\"meta\":{\"a\":1,\"b\":2},\"password\":\"[REDACTED]\","
				+ "\"done\":true}");
		JsonNode note = json("{\"text\":\"from d2\"}");
		JsonNode account = json("{\"user\":\"ann\",\"password\":\"[REDACTED]\"}");
		JsonNode hubHash = h.get("/api/convergence");
		for (Node n : List.of(h, n1, n2)) {
			assertEquals(todo, n.entity("todo", "t1").path("data"), n.url);
			assertEquals(note, n.entity("notes", "n1").path("data"), n.url);
			assertEquals(account, n.entity("account", "u1").path("data"), n.url);
			JsonNode convergence = n.get("/api/convergence");
			assertEquals(hubHash.path("vector"), convergence.path("vector"), n.url);
			assertEquals(hubHash.path("hash"), convergence.path("hash"), n.url);
		}
		for (NodeProcess p : List.of(hub, d1, d2)) {
			assertFalse(p.stderr().contains("hunter2") || p.stderr().contains("s3cret"), "a node logged a secret");
			assertEquals(0, p.terminate(), p.stderr());
		}
	}

	@Test
	void stopEndsTheNodeProcessWithExitZeroAndItsDataSurvives() throws Exception {
		String data = dir.resolve("a").toString();
		NodeProcess a = start("a", "--data", data, "--http-port", "0", "--peer-port", "0", "--token", TOKEN,
				"--node-id", "a", "--user-token", "user-t0ken=ann");
		int port = a.awaitHttpPort();
		String url = "http://127.0.0.1:" + port;
		assertEquals(50, postChanges(port, TOKEN, "a", 50));
		String hash = getJson(port, TOKEN, "/api/convergence").path("hash").asText();

		Run wrongToken = run(Map.of(), "stop", "--node", url, "--token", "not-the-t0ken");
		assertEquals(1, wrongToken.exit(), wrongToken.toString());
		assertTrue(wrongToken.err().contains("refused the token"), wrongToken.err());
		Run userToken = run(Map.of(), "stop", "--node", url, "--token", "user-t0ken");
		assertEquals(1, userToken.exit(), userToken.toString());
		assertTrue(userToken.err().contains("403 Forbidden: this endpoint needs the node's token"), userToken.err());
		Run unreachable = run(Map.of(), "stop", "--node", "http://127.0.0.1:1", "--token", TOKEN);
		assertEquals(1, unreachable.exit(), unreachable.toString());
		assertTrue(unreachable.err().contains("cannot reach the node at http://127.0.0.1:1"), unreachable.err());
		assertEquals(50, getJson(port, TOKEN, "/api/stats").path("totalEvents").asLong(), "still running");

		Run stop = run(Map.of(NodeSettings.TOKEN_VARIABLE, TOKEN), "stop", "--node", url);
		assertEquals(0, stop.exit(), stop.toString());
		assertEquals("node a at " + url + " is stopping\n", stop.out());
		assertEquals(0, a.awaitExit(), a.stderr());
		assertTrue(a.out().endsWith("tributary node a stopped\n"), a.out() + "--- stderr\n" + a.stderr());

		NodeProcess again = start("a", "--data", data, "--http-port", "0", "--peer-port", "0", "--token", TOKEN);
		int portAgain = again.awaitHttpPort();
		assertEquals(50, getJson(portAgain, TOKEN, "/api/stats").path("totalEvents").asLong());
		assertEquals(hash, getJson(portAgain, TOKEN, "/api/convergence").path("hash").asText());
		Run json = run(Map.of(), "stop", "--node", "http://127.0.0.1:" + portAgain, "--token", TOKEN, "--json");
		assertEquals(0, json.exit(), json.toString());
		assertEquals("stopping", json(json.out()).path("status").asText(), json.out());
		assertEquals(0, again.awaitExit(), again.stderr());
	}

	@Test
	void syncWithAnUpstreamPresentsTheNodesOwnTokenAndSyncStatusReportsThatUpstream() throws Exception {
		NodeProcess hub = start("hub", "--data", dir.resolve("hub").toString(), "--http-port", "0", "--peer-port", "0",
				"--token", TOKEN, "--node-id", "hub");
		NodeProcess device = start("device", "--data", dir.resolve("device").toString(), "--http-port", "0",
				"--peer-port", "0", "--token", TOKEN, "--node-id", "device");
		NodeProcess stranger = start("stranger", "--data", dir.resolve("stranger").toString(), "--http-port", "0",
				"--peer-port", "0", "--token", "another-t0ken", "--node-id", "stranger");
		Matcher hubReady = hub.awaitReady();
		int hubHttp = Integer.parseInt(hubReady.group(2));
		String upstream = "127.0.0.1:" + hubReady.group(3);
		int devicePort = device.awaitHttpPort();
		int strangerPort = stranger.awaitHttpPort();
		String deviceUrl = "http://127.0.0.1:" + devicePort;
		assertEquals(20, postChanges(devicePort, TOKEN, "d", 20));
		assertEquals(5, postChanges(strangerPort, "another-t0ken", "s", 5));

		Run none = run(Map.of(), "sync-status", "--node", deviceUrl, "--token", TOKEN);
		assertEquals(1, none.exit(), none.toString());
		assertTrue(none.err().contains("this node has no upstream"), none.err());

		Run sync = run(Map.of(), "sync", "--node", deviceUrl, "--token", TOKEN, "--upstream", upstream);
		assertEquals(0, sync.exit(), sync.toString());
		assertTrue(sync.out().startsWith("outsync pushed 20 events (0 refused)"), sync.out());
		assertEquals(20, getJson(hubHttp, TOKEN, "/api/stats").path("totalEvents").asLong());

		Run status = run(Map.of(), "sync-status", "--node", deviceUrl, "--token", TOKEN, "--json");
		assertEquals(0, status.exit(), status.toString());
		JsonNode s = json(status.out());
		assertEquals(upstream, s.path("upstream").asText(), s.toString());
		assertEquals(0, s.path("pending").asLong(), s.toString());
		assertTrue(s.path("lastOutsync").isTextual() && s.path("lastDownsync").isTextual(), s.toString());

		// the stranger presents its own token, which the hub does not know
		Run refused = run(Map.of(), "sync", "--node", "http://127.0.0.1:" + strangerPort, "--token", "another-t0ken",
				"--upstream", upstream);
		assertEquals(1, refused.exit(), refused.toString());
		assertTrue(refused.err().contains("sync with the upstream " + upstream + " failed"), refused.err());
		Run refusedStatus = run(Map.of(), "sync-status", "--node", "http://127.0.0.1:" + strangerPort, "--token",
				"another-t0ken", "--json");
		assertEquals(0, refusedStatus.exit(), refusedStatus.toString());
		assertTrue(json(refusedStatus.out()).path("authRequired").asBoolean(), refusedStatus.out());
		assertEquals(20, getJson(hubHttp, TOKEN, "/api/stats").path("totalEvents").asLong(), "nothing of the stranger's");

		for (NodeProcess p : List.of(hub, device, stranger)) {
			assertEquals(0, p.terminate(), p.stderr());
		}
	}

	// --- helpers

	/** A config file of one node of the TLS test: the same policies and redaction on every node. */
	private Path config(String name, TestCertificates.Pem cert) throws IOException {
		Path file = dir.resolve(name + ".properties");
		Files.writeString(file, "# " + name + "\n"
				+ "data=" + name + "\n"
				+ "node-id=" + name + "\n"
				+ "http-port=0\n"
				+ "peer-port=0\n"
				+ "token=" + TOKEN + "\n"
				+ "policy=todo=FIELD_MERGE, notes=ORIGIN_PRIORITY\n"
				+ "origin-ranking=d2, d1\n"
				+ "redact-field=password\n"
				+ "peer-tls-cert=" + cert.chain() + "\n"
				+ "peer-tls-key=" + cert.key() + "\n"
				+ "peer-tls-ca=" + ca.caCertificate("ca") + "\n"
				+ "peer-mtls=true\n"
				+ "https-cert=" + cert.chain() + "\n"
				+ "https-key=" + cert.key() + "\n", StandardCharsets.UTF_8);
		return file;
	}

	/** Asks a node, through the CLI over HTTPS, to sync with a peer over mutual TLS. */
	private static void sync(Node node, String peer) {
		Run r = run(Map.of(), "sync", "--node", node.url, "--ca-file", ca.caCertificate("ca").toString(), "--token", TOKEN,
				"--peer", peer);
		assertEquals(0, r.exit(), r.toString());
	}

	/** A node's HTTPS API, trusting the test CA. */
	private static final class Node {
		final int port;
		final String url;
		final HttpClient http;

		Node(Matcher ready) throws SSLException {
			this.port = Integer.parseInt(ready.group(2));
			this.url = "https://127.0.0.1:" + port;
			SslContext trust = Http11SslContextSpec.forClient()
					.configure(b -> b.trustManager(ca.caCertificate("ca").toFile()))
					.sslContext();
			this.http = HttpClient.newConnection()
					.secure(spec -> spec.sslContext(trust))
					.baseUrl(url)
					.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + TOKEN));
		}

		JsonNode get(String path) {
			return http.get().uri(path).responseSingle((res, body) -> res.status().code() == 200
					? body.asString(StandardCharsets.UTF_8)
					: Mono.error(new AssertionError("GET " + path + " at " + url + " answered " + res.status())))
					.map(CliTesting::json)
					.block(T);
		}

		JsonNode entity(String type, String id) {
			return get("/api/entities/" + type + "/" + id);
		}

		void post(String change) {
			String answer = http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
					.post()
					.uri("/api/changes")
					.send(ByteBufFlux.fromString(Mono.just(change)))
					.responseSingle((res, body) -> body.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
							.flatMap(text -> res.status().code() == 201 ? Mono.just(text)
									: Mono.error(new AssertionError("POST " + change + " answered " + res.status() + " "
											+ text))))
					.block(T);
			assertEquals(1, json(answer).path("count").asInt(), answer);
		}
	}
}
