package io.tributary.transport.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.ConflictStrategy;
import io.tributary.ProjectionPolicy;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.cli.CliTesting.RecordingLifecycle;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerTls;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Options, config files and bad input, without starting a node.
 */
class CliParseTest {

	private static final Map<String, String> NO_ENV = Map.of();

	@TempDir
	Path dir;

	// --- help and version

	@Test
	void helpListsEveryCommandAndExitsZero() {
		Run r = run(NO_ENV, "--help");
		assertEquals(0, r.exit(), r.toString());
		assertTrue(r.out().startsWith("Usage: tributary-node"), r.out());
		for (String command : List.of("node", "status", "stats", "sync", "outsync", "downsync", "sync-status",
				"conflicts", "dead-letters", "stop")) {
			assertTrue(r.out().contains("\n  " + command + " "), command + " missing from\n" + r.out());
		}
		assertEquals("", r.err());
	}

	@Test
	void everyCommandHasHelpAndVersion() {
		for (String command : List.of("node", "status", "stats", "sync", "outsync", "downsync", "sync-status",
				"conflicts", "dead-letters", "stop")) {
			Run help = run(NO_ENV, command, "--help");
			assertEquals(0, help.exit(), help.toString());
			assertTrue(help.out().startsWith("Usage: tributary-node " + command), help.out());
			assertTrue(help.out().contains("Exit codes:"), help.out());
			Run version = run(NO_ENV, command, "--version");
			assertEquals(0, version.exit(), version.toString());
			assertTrue(version.out().startsWith("tributary-node "), version.out());
		}
		assertTrue(run(NO_ENV, "-V").out().startsWith("tributary-node "));
	}

	@Test
	void nodeHelpNamesEveryOptionAndTheConfigKeys() {
		String help = run(NO_ENV, "node", "--help").out().replaceAll("\\s+", " ");
		for (String option : List.of("--data", "--http-port", "--peer-port", "--host", "--token", "--peer",
				"--node-id", "--durability", "--grace", "--max-body-bytes", "--policy", "--default-policy",
				"--origin-ranking", "--redact-field", "--redact-path", "--peer-tls-cert", "--peer-tls-key", "--peer-tls-ca",
				"--https-cert", "--https-key", "--idempotency-retention", "--postgres", "--postgres-pool-size",
				"--postgres-notify", "--postgres-poll", "--postgres-acquire-timeout", "--config")) {
			assertTrue(help.contains(option + "="), option + " missing from\n" + help);
		}
		assertTrue(help.contains("peer (comma-separated)"), help);
		assertTrue(help.contains("--peer-mtls "), help);
		for (String key : NodeSettings.KEYS) {
			assertTrue(help.contains(" " + key + " ") || help.contains(" " + key + ",") || help.contains(" " + key + "."),
					"config key " + key + " missing from\n" + help);
		}
		String status = run(NO_ENV, "status", "--help").out();
		assertTrue(status.contains("--ca-file=FILE"), status);
		assertTrue(help.contains("TRIBUTARY_TOKEN"), help);
	}

	// --- bad input: a message on stderr, exit code 2

	@Test
	void noCommandIsAUsageError() {
		Run r = run(NO_ENV);
		assertEquals(2, r.exit(), r.toString());
		assertTrue(r.err().contains("Missing command: choose one of node, status, stats, sync"), r.err());
	}

	@Test
	void unknownCommandIsAUsageErrorWithSuggestions() {
		Run r = run(NO_ENV, "stat");
		assertEquals(2, r.exit(), r.toString());
		assertTrue(r.err().contains("Unmatched argument at index 0: 'stat'"), r.err());
		assertTrue(r.err().contains("Did you mean"), r.err());
	}

	@Test
	void nodeWithoutDataOrPortsSaysWhatIsMissing() {
		Run r = run(NO_ENV, "node");
		assertEquals(2, r.exit(), r.toString());
		assertTrue(r.err().contains("tributary-node node: missing --data, --http-port, --peer-port (give them as flags "
				+ "or in the --config file)"), r.err());
		assertTrue(r.err().contains("Run 'tributary-node node --help' for the options."), r.err());
		assertEquals("", r.out());

		Run onlyPort = run(NO_ENV, "node", "--data", dir.toString(), "--http-port", "0");
		assertEquals(2, onlyPort.exit());
		assertTrue(onlyPort.err().contains("missing --peer-port (give it as a flag"), onlyPort.err());
	}

	@Test
	void badValuesAreUsageErrors() {
		String data = dir.toString();
		assertUsageError("--http-port must be a port from 0 to 65535, was 65536",
				"node", "--data", data, "--http-port", "65536", "--peer-port", "0");
		assertUsageError("--peer-port must be a port from 0 to 65535, was -1",
				"node", "--data", data, "--http-port", "0", "--peer-port", "-1");
		assertUsageError("Invalid value for option '--http-port': 'http' is not an int",
				"node", "--data", data, "--http-port", "http", "--peer-port", "0");
		assertUsageError("'localhost' is not host:port with a port from 1 to 65535",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--peer", "localhost");
		assertUsageError("'a:0' is not host:port",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--peer", "b:1,a:0");
		assertUsageError("expected one of [PROCESS_CRASH, POWER_LOSS]",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--durability", "fsync");
		assertUsageError("'soon' is not a duration such as 500ms, 10s, 5m or 1h",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--grace", "soon");
		assertUsageError("--token must not be empty",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--token", " ");
		assertUsageError("--max-body-bytes must be at least 1, was 0",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--max-body-bytes", "0");
		assertUsageError("'a day' is not a duration such as 500ms, 10s, 5m or 1h",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--idempotency-retention", "a day");
		assertUsageError("--max-payload-bytes must be 1 to",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--max-payload-bytes", "0");
		assertUsageError("--max-payload-bytes must be 1 to",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--max-payload-bytes", "16777216");
		assertUsageError("--projection-cache must be at least 1, was 0",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--projection-cache", "0");
		assertUsageError("--idempotency-retention must be positive, was 0ms",
				"node", "--data", data, "--http-port", "0", "--peer-port", "0", "--idempotency-retention", "0s");
		assertUsageError("give --peer or --upstream, not both", "sync", "--peer", "a:1", "--upstream", "b:2");
		assertUsageError("'nowhere' is not host:port", "outsync", "--upstream", "nowhere");
		assertUsageError("'ftp://node:21' is not a URL such as http://127.0.0.1:8080", "status", "--node", "ftp://node:21");
		assertUsageError("'8080' is not a URL", "stats", "--node", "8080");
		assertUsageError("Unknown option: '--jsn'", "stats", "--jsn");
	}

	@Test
	void aTokenNeverAppearsInMessages() {
		Run r = run(NO_ENV, "node", "--data", dir.toString(), "--http-port", "70000", "--peer-port", "0", "--token",
				"s3cr3t-token");
		assertEquals(2, r.exit());
		assertFalse(r.err().contains("s3cr3t"), r.err());
		NodeSettings settings = settings(Map.of(), "--data", "d", "--http-port", "1", "--peer-port", "2", "--token",
				"s3cr3t-token");
		assertFalse(settings.toString().contains("s3cr3t"), settings.toString());
		assertTrue(settings.toString().contains("token=****"), settings.toString());
		assertFalse(settings.builder().toString().contains("s3cr3t"));
	}

	// --- settings from flags, the config file and the environment

	@Test
	void flagsGiveTheSettingsAndDefaultsFillTheRest() {
		NodeSettings s = settings(NO_ENV, "--data", "store", "--http-port", "8081", "--peer-port", "0");
		assertEquals(Path.of("store"), s.dataDir());
		assertEquals("127.0.0.1", s.host());
		assertEquals(8081, s.httpPort());
		assertEquals(0, s.peerPort());
		assertNull(s.token());
		assertEquals(List.of(), s.peers());
		assertNull(s.nodeId());
		assertEquals(Durability.PROCESS_CRASH, s.durability());
		assertEquals(Duration.ofSeconds(10), s.grace());
		assertEquals(HttpApi.DEFAULT_MAX_BODY_BYTES, s.maxBodyBytes());
		assertEquals(Duration.ofHours(24), s.idempotencyRetention());
		assertEquals(io.tributary.Limits.DEFAULT_MAX_PAYLOAD_BYTES, s.maxPayloadBytes());
		assertEquals(io.tributary.SyncEngine.DEFAULT_PROJECTION_CACHE, s.projectionCache());

		NodeSettings all = settings(NO_ENV, "--data", "d", "--http-port", "1", "--peer-port", "2", "--host", "0.0.0.0",
				"--token", "tok", "--peer", "a:7070,b:7071", "--peer", "[::1]:7072", "--node-id", "n1", "--durability",
				"power_loss", "--grace", "1500ms", "--max-body-bytes", "2048", "--idempotency-retention", "90m",
				"--max-payload-bytes", "1024", "--projection-cache", "500");
		assertEquals("0.0.0.0", all.host());
		assertEquals("tok", all.token());
		assertEquals(List.of(new PeerAddress("a", 7070), new PeerAddress("b", 7071), new PeerAddress("::1", 7072)),
				all.peers());
		assertEquals("n1", all.nodeId());
		assertEquals(Durability.POWER_LOSS, all.durability());
		assertEquals(Duration.ofMillis(1500), all.grace());
		assertEquals(2048, all.maxBodyBytes());
		assertEquals(Duration.ofMinutes(90), all.idempotencyRetention());
		assertEquals(1024, all.maxPayloadBytes());
		assertEquals(500, all.projectionCache());
	}

	@Test
	void configFileGivesEverySettingAndARelativeDataDirIsResolvedAgainstIt() throws IOException {
		Path file = config("# a node\n"
				+ "data=store\n"
				+ "http-port = 8081\n"
				+ "peer-port: 7071\n"
				+ "host=0.0.0.0\n"
				+ "token=from-file\n"
				+ "peer=a:7070, b:7072\n"
				+ "node-id=n1\n"
				+ "durability=power_loss\n"
				+ "grace=30s\n"
				+ "max-body-bytes=4096\n"
				+ "idempotency-retention=2h\n"
				+ "max-payload-bytes=65536\n"
				+ "projection-cache=1234\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString());
		assertEquals(dir.toAbsolutePath().resolve("store"), s.dataDir());
		assertEquals(8081, s.httpPort());
		assertEquals(7071, s.peerPort());
		assertEquals("0.0.0.0", s.host());
		assertEquals("from-file", s.token());
		assertEquals(List.of(new PeerAddress("a", 7070), new PeerAddress("b", 7072)), s.peers());
		assertEquals("n1", s.nodeId());
		assertEquals(Durability.POWER_LOSS, s.durability());
		assertEquals(Duration.ofSeconds(30), s.grace());
		assertEquals(4096, s.maxBodyBytes());
		assertEquals(Duration.ofHours(2), s.idempotencyRetention());
		assertEquals(65536, s.maxPayloadBytes());
		assertEquals(1234, s.projectionCache());
	}

	@Test
	void flagsOverrideTheConfigFileAndPeerFlagsReplaceItsPeers() throws IOException {
		Path file = config("data=/var/lib/tributary\nhttp-port=8081\npeer-port=7071\ntoken=from-file\npeer=a:7070,b:7072\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString(), "--http-port", "0", "--peer", "c:7073",
				"--token", "from-flag");
		assertEquals(Path.of("/var/lib/tributary"), s.dataDir());
		assertEquals(0, s.httpPort());
		assertEquals(7071, s.peerPort());
		assertEquals("from-flag", s.token());
		assertEquals(List.of(new PeerAddress("c", 7073)), s.peers());
	}

	@Test
	void tokenComesFromTheFlagThenTheFileThenTheEnvironment() throws IOException {
		Map<String, String> env = Map.of(NodeSettings.TOKEN_VARIABLE, "from-env");
		String[] base = { "--data", "d", "--http-port", "0", "--peer-port", "0" };
		assertEquals("from-env", settings(env, base).token());
		Path file = config("token=from-file\n");
		assertEquals("from-file", settings(env, concat(base, "--config", file.toString())).token());
		assertEquals("from-flag", settings(env, concat(base, "--config", file.toString(), "--token", "from-flag")).token());
		assertNull(settings(Map.of(NodeSettings.TOKEN_VARIABLE, " "), base).token());
	}

	@Test
	void upstreamAndUserTokensComeFromTheConfigFileOrFlags() throws IOException {
		Path file = config("data=d\nhttp-port=0\npeer-port=0\nupstream=hub:7070\nupstream-token=up-secret\n"
				+ "user-token=t1=alice,t2=bob\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString());
		assertEquals(new PeerAddress("hub", 7070), s.upstream());
		assertEquals("up-secret", s.upstreamToken());
		assertEquals(Map.of("t1", "alice", "t2", "bob"), s.userTokens());
		assertFalse(s.toString().contains("up-secret") || s.toString().contains("alice"), s.toString());

		NodeSettings flags = settings(NO_ENV, "--config", file.toString(), "--upstream", "other:1", "--user-token",
				"t3=carol");
		assertEquals(new PeerAddress("other", 1), flags.upstream());
		assertEquals(Map.of("t3", "carol"), flags.userTokens());
		assertUsageError("user-token must be TOKEN=USER", "node", "--data", "d", "--http-port", "0", "--peer-port", "0",
				"--user-token", "no-user");
	}

	@Test
	void anEmptyValueInTheConfigFileCountsAsMissing() throws IOException {
		Path file = config("data=d\nhttp-port=\npeer-port=0\ntoken=\n");
		Run r = run(NO_ENV, "node", "--config", file.toString());
		assertEquals(2, r.exit(), r.toString());
		assertTrue(r.err().contains("missing --http-port"), r.err());
	}

	@Test
	void badConfigFilesAreUsageErrorsNamingTheFileAndKey() throws IOException {
		Path typo = config("data=d\nhttp_port=8080\n");
		assertUsageError("config file " + typo + ": unknown key 'http_port'; the keys are data, http-port, peer-port, "
				+ "host, token, peer, node-id, durability, grace, max-body-bytes", "node", "--config", typo.toString());
		Path port = config("data=d\nhttp-port=eighty\npeer-port=0\n");
		assertUsageError("config file " + port + ": http-port must be a port from 0 to 65535, was 'eighty'",
				"node", "--config", port.toString());
		Path peer = config("data=d\nhttp-port=0\npeer-port=0\npeer=a:1,b\n");
		assertUsageError("peer: 'b' is not host:port", "node", "--config", peer.toString());
		Path durability = config("data=d\nhttp-port=0\npeer-port=0\ndurability=always\n");
		assertUsageError("durability must be one of [PROCESS_CRASH, POWER_LOSS], was 'always'",
				"node", "--config", durability.toString());
		Path missing = dir.resolve("nope.properties");
		assertUsageError("config file " + missing + " does not exist", "node", "--config", missing.toString());
	}

	@Test
	void durationsTakeUnitsOrIso() {
		assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
		assertEquals(Duration.ofSeconds(10), DurationConverter.parse("10s"));
		assertEquals(Duration.ofMinutes(5), DurationConverter.parse("5M"));
		assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
		assertEquals(Duration.ofSeconds(90), DurationConverter.parse("PT1M30S"));
		for (String bad : List.of("10", "-1s", "PT-1S", "1.5s", "", "s")) {
			assertThrows(TypeConversionException.class, () -> DurationConverter.parse(bad), bad);
		}
		assertEquals("10s", DurationConverter.format(Duration.ofSeconds(10)));
		assertEquals("1500ms", DurationConverter.format(Duration.ofMillis(1500)));
		assertEquals("6m", DurationConverter.format(Duration.ofMinutes(6)));
	}

	// --- policies, redaction and TLS

	private static final String KEEP_FIRST = TestFolds.KeepFirst.class.getName();

	@Test
	void policiesAndRedactionComeFromFlags() {
		NodeSettings s = settings(NO_ENV, "--data", "d", "--http-port", "0", "--peer-port", "0", "--policy",
				"todo=FIELD_MERGE,notes=origin_priority", "--policy", "first=CUSTOM:" + KEEP_FIRST, "--origin-ranking",
				"hub,phone", "--default-policy", "field_merge", "--redact-field", "password,patient:ssn", "--redact-path",
				"card.number", "--redact-path", "patient:contact.email");
		ProjectionPolicy p = s.projection();
		assertEquals(ConflictStrategy.FIELD_MERGE, p.strategy("todo"));
		assertEquals(ConflictStrategy.ORIGIN_PRIORITY, p.strategy("notes"));
		assertEquals(ConflictStrategy.CUSTOM, p.strategy("first"));
		assertTrue(p.resolver("first") instanceof TestFolds.KeepFirst, String.valueOf(p.resolver("first")));
		assertEquals(ConflictStrategy.FIELD_MERGE, p.strategy("anything-else"));
		assertTrue(p.rank("hub") > p.rank("phone") && p.rank("phone") > p.rank("laptop"));
		assertEquals("{\"password\":\"[REDACTED]\",\"ssn\":\"1\",\"card\":{\"number\":\"[REDACTED]\"},"
				+ "\"contact\":{\"email\":\"e\"}}", redacted(s, "todo"));
		assertEquals("{\"password\":\"[REDACTED]\",\"ssn\":\"[REDACTED]\",\"card\":{\"number\":\"[REDACTED]\"},"
				+ "\"contact\":{\"email\":\"[REDACTED]\"}}", redacted(s, "patient"));
		assertTrue(s.toString().contains("policies=[todo=FIELD_MERGE, notes=origin_priority, first=CUSTOM:"), s.toString());

		NodeSettings defaults = settings(NO_ENV, "--data", "d", "--http-port", "0", "--peer-port", "0");
		assertEquals(ConflictStrategy.LAST_WRITE_WINS, defaults.projection().strategy("todo"));
		assertTrue(defaults.redaction().isEmpty());
		assertNull(defaults.peerTls());
		assertNull(defaults.httpsCertificate());
	}

	@Test
	void policiesAndRedactionComeFromTheConfigFileAndFlagListsReplaceItsLists() throws IOException {
		Path file = config("data=d\nhttp-port=0\npeer-port=0\npolicy=todo=FIELD_MERGE, notes=ORIGIN_PRIORITY\n"
				+ "origin-ranking=hub, phone\ndefault-policy=FIELD_MERGE\nredact-field=password, patient:ssn\n"
				+ "redact-path=card.number\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString());
		assertEquals(ConflictStrategy.FIELD_MERGE, s.projection().strategy("todo"));
		assertEquals(ConflictStrategy.ORIGIN_PRIORITY, s.projection().strategy("notes"));
		assertEquals(ConflictStrategy.FIELD_MERGE, s.projection().strategy("other"));
		assertEquals(List.of("hub", "phone"), s.originRanking());
		assertEquals("{\"password\":\"[REDACTED]\",\"ssn\":\"[REDACTED]\",\"card\":{\"number\":\"[REDACTED]\"},"
				+ "\"contact\":{\"email\":\"e\"}}", redacted(s, "patient"));

		NodeSettings flags = settings(NO_ENV, "--config", file.toString(), "--policy", "notes=LAST_WRITE_WINS",
				"--redact-field", "secret");
		assertEquals(ConflictStrategy.FIELD_MERGE, flags.projection().strategy("todo"), "the default policy");
		assertEquals(ConflictStrategy.LAST_WRITE_WINS, flags.projection().strategy("notes"));
		// the flag's fields replace the file's; the file's paths stay
		assertEquals("{\"password\":\"p\",\"ssn\":\"1\",\"card\":{\"number\":\"[REDACTED]\"},"
				+ "\"contact\":{\"email\":\"e\"}}", redacted(flags, "patient"));
	}

	@Test
	void badPoliciesAreUsageErrorsNamingTheClass() {
		String[] base = { "node", "--data", dir.toString(), "--http-port", "0", "--peer-port", "0" };
		assertUsageError("policy x=CUSTOM:com.example.Missing: class com.example.Missing is not on the classpath",
				concat(base, "--policy", "x=CUSTOM:com.example.Missing"));
		String notAFold = TestFolds.NotAFold.class.getName();
		assertUsageError("class " + notAFold + " does not implement io.tributary.CustomResolver",
				concat(base, "--policy", "x=CUSTOM:" + notAFold));
		String failing = TestFolds.Failing.class.getName();
		assertUsageError("the constructor of " + failing + " failed: java.lang.IllegalStateException: fold misconfigured",
				concat(base, "--policy", "x=CUSTOM:" + failing));
		String needsArgument = TestFolds.NeedsArgument.class.getName();
		assertUsageError("class " + needsArgument + " has no public constructor without arguments",
				concat(base, "--policy", "x=CUSTOM:" + needsArgument));
		assertUsageError("policy must be TYPE=STRATEGY with STRATEGY one of LAST_WRITE_WINS, FIELD_MERGE, "
				+ "ORIGIN_PRIORITY, CUSTOM:CLASS, was 'todo=NEWEST'", concat(base, "--policy", "todo=NEWEST"));
		assertUsageError("was 'x=CUSTOM'", concat(base, "--policy", "x=CUSTOM"));
		assertUsageError("was 'FIELD_MERGE'", concat(base, "--policy", "FIELD_MERGE"));
		assertUsageError("policy: type 'todo' is given twice", concat(base, "--policy", "todo=FIELD_MERGE,todo=LAST_WRITE_WINS"));
		assertUsageError("ORIGIN_PRIORITY needs --origin-ranking", concat(base, "--policy", "notes=ORIGIN_PRIORITY"));
		assertUsageError("ORIGIN_PRIORITY needs --origin-ranking", concat(base, "--default-policy", "ORIGIN_PRIORITY"));
		assertUsageError("default-policy must be one of LAST_WRITE_WINS, FIELD_MERGE, ORIGIN_PRIORITY (CUSTOM is given "
				+ "per type), was 'CUSTOM'", concat(base, "--default-policy", "CUSTOM"));
		assertUsageError("redact-field must be NAME or TYPE:NAME, was 'patient:'", concat(base, "--redact-field", "patient:"));
		assertUsageError("redact-path must be A.B.C or TYPE:A.B.C, was 'card..number'",
				concat(base, "--redact-path", "card..number"));
	}

	@Test
	void tlsSettingsComeFromFlagsOrTheConfigFileAndMustBeComplete() throws IOException {
		for (String name : List.of("peer.crt", "peer.key", "ca.crt", "http.crt", "http.key")) {
			Files.writeString(dir.resolve(name), "-----BEGIN-----\n", StandardCharsets.US_ASCII);
		}
		Path file = config("data=d\nhttp-port=0\npeer-port=0\npeer-tls-cert=peer.crt\npeer-tls-key=peer.key\n"
				+ "peer-tls-ca=ca.crt\npeer-mtls=true\nhttps-cert=http.crt\nhttps-key=http.key\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString());
		assertEquals(PeerTls.pem(dir.resolve("peer.crt"), dir.resolve("peer.key"), dir.resolve("ca.crt"), true),
				s.peerTls());
		assertEquals(dir.resolve("http.crt"), s.httpsCertificate());
		assertEquals(dir.resolve("http.key"), s.httpsKey());

		String[] base = { "--data", "d", "--http-port", "0", "--peer-port", "0" };
		NodeSettings flags = settings(NO_ENV, concat(base, "--peer-tls-cert", dir.resolve("peer.crt").toString(),
				"--peer-tls-key", dir.resolve("peer.key").toString()));
		assertEquals(PeerTls.pem(dir.resolve("peer.crt"), dir.resolve("peer.key"), null, false), flags.peerTls());

		String[] node = concat(new String[] { "node" }, base);
		assertUsageError("peer TLS needs both --peer-tls-cert and --peer-tls-key",
				concat(node, "--peer-tls-cert", dir.resolve("peer.crt").toString()));
		assertUsageError("--peer-mtls needs --peer-tls-ca", concat(node, "--peer-tls-cert",
				dir.resolve("peer.crt").toString(), "--peer-tls-key", dir.resolve("peer.key").toString(), "--peer-mtls"));
		assertUsageError("--peer-tls-key: " + dir.resolve("nope.key") + " is not a file", concat(node, "--peer-tls-cert",
				dir.resolve("peer.crt").toString(), "--peer-tls-key", dir.resolve("nope.key").toString()));
		assertUsageError("HTTPS needs both --https-cert and --https-key",
				concat(node, "--https-key", dir.resolve("http.key").toString()));
		Path badBool = config("data=d\nhttp-port=0\npeer-port=0\npeer-mtls=yes\n");
		assertUsageError("peer-mtls must be true or false, was 'yes'", "node", "--config", badBool.toString());
		assertUsageError("--ca-file is for a node served over HTTPS", "status", "--node", "http://127.0.0.1:1",
				"--ca-file", dir.resolve("ca.crt").toString());
	}

	private static String redacted(NodeSettings s, String type) {
		byte[] payload = "{\"password\":\"p\",\"ssn\":\"1\",\"card\":{\"number\":\"n\"},\"contact\":{\"email\":\"e\"}}"
				.getBytes(StandardCharsets.UTF_8);
		return new String(s.redaction().redact(type, payload), StandardCharsets.UTF_8);
	}

	// --- PostgreSQL

	@Test
	void postgresSettingsComeFromFlagsTheConfigFileAndPgpasswordWithDefaults() throws IOException {
		String[] base = { "--data", "d", "--http-port", "0", "--peer-port", "0" };
		assertNull(settings(NO_ENV, base).postgres(), "H2 without --postgres");

		PostgresSettings defaults = settings(Map.of("PGPASSWORD", "from-env"),
				concat(base, "--postgres", "postgresql://app@db.example:5433/tributary")).postgres();
		assertEquals("postgresql://app@db.example:5433/tributary", defaults.uri());
		assertEquals("from-env", defaults.password());
		assertEquals(PostgresSettings.DEFAULT_POOL_SIZE, defaults.poolSize());
		assertEquals(Boolean.TRUE, defaults.notifications());
		assertEquals(Duration.ofMillis(500), defaults.poll());
		assertEquals(PostgresSettings.DEFAULT_ACQUIRE_TIMEOUT, defaults.acquireTimeout());

		Path file = config("data=d\nhttp-port=0\npeer-port=0\npostgres=postgresql://app@db:5432/t\n"
				+ "postgres-password=from-file\npostgres-pool-size=4\npostgres-notify=false\npostgres-poll=2s\n"
				+ "postgres-acquire-timeout=3s\n");
		PostgresSettings fromFile = settings(Map.of("PGPASSWORD", "from-env"), "--config", file.toString()).postgres();
		assertEquals("postgresql://app@db:5432/t", fromFile.uri());
		assertEquals("from-file", fromFile.password(), "the config file's password before PGPASSWORD");
		assertEquals(4, fromFile.poolSize());
		assertEquals(Boolean.FALSE, fromFile.notifications());
		assertEquals(Duration.ofSeconds(2), fromFile.poll());
		assertEquals(Duration.ofSeconds(3), fromFile.acquireTimeout());

		PostgresSettings flags = settings(NO_ENV, "--config", file.toString(), "--postgres-pool-size", "20",
				"--postgres-notify", "true", "--postgres-poll", "100ms", "--postgres-acquire-timeout", "750ms").postgres();
		assertEquals(20, flags.poolSize());
		assertEquals(Boolean.TRUE, flags.notifications());
		assertEquals(Duration.ofMillis(100), flags.poll());
		assertEquals(Duration.ofMillis(750), flags.acquireTimeout(), "a flag overrides the file");
	}

	@Test
	void aDatabasePasswordNeverAppearsInSettingsOrHelp() throws IOException {
		Path file = config("data=d\nhttp-port=0\npeer-port=0\npostgres=postgresql://app@db:5432/t\n"
				+ "postgres-password=pg-s3cr3t\n");
		NodeSettings s = settings(NO_ENV, "--config", file.toString());
		assertFalse(s.toString().contains("pg-s3cr3t"), s.toString());
		assertTrue(s.toString().contains("postgresql://app@db:5432/t (password ****"), s.toString());
		assertFalse(s.builder().toString().contains("pg-s3cr3t"), s.builder().toString());
		NodeSettings env = settings(Map.of("PGPASSWORD", "env-s3cr3t"), "--data", "d", "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@db/t");
		assertFalse(env.toString().contains("env-s3cr3t"), env.toString());
		Run r = run(Map.of("PGPASSWORD", "env-s3cr3t"), "node", "--help");
		assertFalse(r.out().contains("env-s3cr3t"), r.out());
	}

	@Test
	void badPostgresSettingsAreUsageErrors() {
		String data = dir.toString();
		assertUsageError("--postgres must not hold the password", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app:pw@db:5432/t");
		assertUsageError("--postgres: not a PostgreSQL URI (postgresql://USER@HOST:PORT/DB): mysql://app@db/t", "node",
				"--data", data, "--http-port", "0", "--peer-port", "0", "--postgres", "mysql://app@db/t");
		assertUsageError("--postgres: PostgreSQL URI names no host", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@/t");
		assertUsageError("--postgres: PostgreSQL URI port must be 1 to 65535: 99999", "node", "--data", data,
				"--http-port", "0", "--peer-port", "0", "--postgres", "postgresql://app@db:99999/t");
		assertUsageError("--postgres-pool-size must be at least 1, was 0", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@db/t", "--postgres-pool-size", "0");
		assertUsageError("--postgres-poll must be positive", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@db/t", "--postgres-poll", "0s");
		assertUsageError("--postgres-acquire-timeout must be positive", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@db/t", "--postgres-acquire-timeout", "0s");
		assertUsageError("--postgres-pool-size, --postgres-notify, --postgres-poll and --postgres-acquire-timeout need "
				+ "--postgres", "node", "--data", data, "--http-port", "0", "--peer-port", "0", "--postgres-notify",
				"false");
		assertUsageError("--postgres-pool-size, --postgres-notify, --postgres-poll and --postgres-acquire-timeout need "
				+ "--postgres", "node", "--data", data, "--http-port", "0", "--peer-port", "0",
				"--postgres-acquire-timeout", "5s");
		assertUsageError("Invalid value for option '--postgres-notify'", "node", "--data", data, "--http-port", "0",
				"--peer-port", "0", "--postgres", "postgresql://app@db/t", "--postgres-notify", "maybe");
	}

	// --- helpers

	private void assertUsageError(String message, String... args) {
		Run r = run(NO_ENV, args);
		assertEquals(2, r.exit(), r.toString());
		assertTrue(r.err().contains(message), "expected '" + message + "' in\n" + r.err());
		assertEquals("", r.out(), "nothing on stdout for a usage error");
	}

	/** The settings the node command would start with: parsed, merged and checked, not started. */
	private static NodeSettings settings(Map<String, String> env, String... nodeArgs) {
		CommandLine cl = CliTesting.command(env, new RecordingLifecycle(), new StringWriter(), new StringWriter());
		CommandLine.ParseResult parsed = cl.parseArgs(concat(new String[] { "node" }, nodeArgs));
		NodeCommand node = (NodeCommand) parsed.subcommand().commandSpec().userObject();
		try {
			return node.settings();
		}
		catch (ParameterException e) {
			throw new AssertionError(e.getMessage(), e);
		}
	}

	private Path config(String text) throws IOException {
		Path file = Files.createTempFile(dir, "node", ".properties");
		Files.writeString(file, text, StandardCharsets.UTF_8);
		return file;
	}

	private static String[] concat(String[] first, String... more) {
		String[] all = new String[first.length + more.length];
		System.arraycopy(first, 0, all, 0, first.length);
		System.arraycopy(more, 0, all, first.length, more.length);
		return all;
	}
}
