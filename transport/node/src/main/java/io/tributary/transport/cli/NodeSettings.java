package io.tributary.transport.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import io.tributary.ConflictStrategy;
import io.tributary.ProjectionPolicy;
import io.tributary.Redaction;
import io.tributary.SyncEngine;
import io.tributary.storage.h2.Durability;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerTls;
import io.tributary.transport.peer.UserTokens;
import picocli.CommandLine.TypeConversionException;

/**
 * Everything the {@code node} command starts a node with, merged from its flags, its config file and the
 * environment. {@link #toString()} hides the token.
 *
 * @param dataDir where the H2 database lives
 * @param host the address both servers bind
 * @param httpPort the HTTP API's port, 0 for any free one
 * @param peerPort the peer protocol's port, 0 for any free one
 * @param token the shared secret, {@code null} for none
 * @param peers the peers to keep a session with
 * @param nodeId the id to use on first start, {@code null} for a new UUID
 * @param durability what an acknowledged write survives
 * @param grace how long a stopping node gives clients and peers
 * @param maxBodyBytes the largest HTTP request body
 * @param upstream the upstream node, {@code null} for none
 * @param upstreamToken the token presented to upstreams, {@code null} for none
 * @param userTokens tokens that each admit one user's clients, token to user
 * @param projection the projection policy built from {@code policies}, {@code defaultPolicy} and
 *        {@code originRanking}
 * @param policies the {@code TYPE=STRATEGY} items as given, for the log
 * @param defaultPolicy the strategy of types without an item
 * @param originRanking the origins, highest first, for ORIGIN_PRIORITY
 * @param redaction the sensitive fields and paths
 * @param peerTls TLS of the peer port and of the peers and upstreams dialled, {@code null} for plain TCP
 * @param httpsCertificate PEM certificate chain of the HTTP API, {@code null} for plain HTTP
 * @param httpsKey its PEM private key
 * @param idempotencyRetention how long the HTTP API keeps idempotency keys
 * @param maxPayloadBytes the largest payload of one event
 * @param projectionCache entity folds the engine keeps in memory
 * @param postgres the PostgreSQL database the node keeps its data in, {@code null} for H2 files in {@code dataDir}
 */
record NodeSettings(Path dataDir, String host, int httpPort, int peerPort, String token, List<PeerAddress> peers,
		String nodeId, Durability durability, Duration grace, int maxBodyBytes, PeerAddress upstream,
		String upstreamToken, Map<String, String> userTokens, ProjectionPolicy projection, List<String> policies,
		ConflictStrategy defaultPolicy, List<String> originRanking, Redaction redaction, PeerTls peerTls,
		Path httpsCertificate, Path httpsKey, Duration idempotencyRetention, int maxPayloadBytes,
		int projectionCache, PostgresSettings postgres) {

	/** The environment variable read when no token is given otherwise. */
	static final String TOKEN_VARIABLE = "TRIBUTARY_TOKEN";

	static final String DEFAULT_HOST = "127.0.0.1";
	static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

	/** The keys a config file may hold: the {@code node} command's long option names without dashes. */
	static final List<String> KEYS = List.of("data", "http-port", "peer-port", "host", "token", "peer", "node-id",
			"durability", "grace", "max-body-bytes", "upstream", "upstream-token", "user-token", "policy",
			"default-policy", "origin-ranking", "redact-field", "redact-path", "peer-tls-cert", "peer-tls-key",
			"peer-tls-ca", "peer-mtls", "https-cert", "https-key", "idempotency-retention",
			"max-payload-bytes", "projection-cache", "postgres", "postgres-password", "postgres-pool-size",
			"postgres-notify", "postgres-poll", "postgres-acquire-timeout");

	/**
	 * The builder of a node with these settings.
	 *
	 * @return a new builder, not started
	 */
	SyncNode.Builder builder() {
		SyncNode.Builder b = SyncNode.builder().dataDir(dataDir).host(host).httpPort(httpPort).peerPort(peerPort)
				.token(token).durability(durability).maxBodyBytes(maxBodyBytes)
				.idempotencyRetention(idempotencyRetention).maxPayloadBytes(maxPayloadBytes)
				.projectionCache(projectionCache);
		if (nodeId != null) {
			b.nodeId(nodeId);
		}
		peers.forEach(b::peer);
		b.upstream(upstream).upstreamToken(upstreamToken);
		if (!userTokens.isEmpty()) {
			b.users(UserTokens.of(userTokens));
		}
		b.projection(projection).redaction(redaction).tls(peerTls).https(httpsCertificate, httpsKey);
		if (postgres != null) {
			b.postgres(postgres.uri(), postgres.password(), postgres.poolSize(), postgres.notifications(), postgres.poll())
					.postgresAcquireTimeout(postgres.acquireTimeout());
		}
		return b;
	}

	@Override
	public String toString() {
		return "data=" + dataDir + ", host=" + host + ", http-port=" + httpPort + ", peer-port=" + peerPort + ", token="
				+ (token == null ? "none" : "****") + ", peers=" + peers + ", node-id="
				+ (nodeId == null ? "(stored or new)" : nodeId) + ", durability=" + durability + ", grace="
				+ DurationConverter.format(grace) + ", max-body-bytes=" + maxBodyBytes + ", upstream="
				+ (upstream == null ? "none" : upstream) + ", upstream-token=" + (upstreamToken == null ? "none" : "****")
				+ ", user-tokens=" + userTokens.size() + ", policies=" + policies + ", default-policy=" + defaultPolicy
				+ ", origin-ranking=" + originRanking + ", redaction=" + redaction + ", peer-tls="
				+ (peerTls == null ? "none" : peerTls) + ", https=" + (httpsCertificate == null ? "none"
						: httpsCertificate + " and " + httpsKey) + ", idempotency-retention="
				+ DurationConverter.format(idempotencyRetention) + ", max-payload-bytes=" + maxPayloadBytes
				+ ", projection-cache=" + projectionCache + ", postgres=" + (postgres == null ? "none" : postgres);
	}

	/**
	 * Settings from one source, each {@code null} where that source says nothing.
	 */
	record Partial(Path dataDir, String host, Integer httpPort, Integer peerPort, String token,
			List<PeerAddress> peers, String nodeId, Durability durability, Duration grace, Integer maxBodyBytes,
			PeerAddress upstream, String upstreamToken, Map<String, String> userTokens, List<String> policies,
			String defaultPolicy, List<String> originRanking, List<String> redactFields, List<String> redactPaths,
			Path peerTlsCert, Path peerTlsKey, Path peerTlsCa, Boolean peerMtls, Path httpsCert, Path httpsKey,
			Duration idempotencyRetention, Integer maxPayloadBytes, Integer projectionCache, PostgresSettings postgres) {

		static final Partial NONE = new Partial(null, null, null, null, null, null, null, null, null, null, null, null,
				null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
				PostgresSettings.NONE);

		/**
		 * Reads a config file: Java properties ({@code key=value} lines, {@code #} comments), keys from
		 * {@link #KEYS}, {@code peer} and the other list keys comma-separated, an empty value the same as no
		 * line. A relative {@code data} or certificate file is resolved against the file's directory.
		 *
		 * @param file the file
		 * @return its settings
		 * @throws IllegalArgumentException when the file cannot be read or holds an unknown key or a bad value
		 */
		static Partial read(Path file) {
			Properties p = new Properties();
			try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
				p.load(r);
			}
			catch (NoSuchFileException e) {
				throw new IllegalArgumentException("config file " + file + " does not exist");
			}
			catch (IOException | IllegalArgumentException e) {
				throw new IllegalArgumentException("config file " + file + " cannot be read: " + e.getMessage());
			}
			Map<String, String> values = new LinkedHashMap<>();
			for (String key : new TreeSet<>(p.stringPropertyNames())) {
				values.put(key, p.getProperty(key));
			}
			Path base = file.toAbsolutePath().getParent();
			try {
				return of(values, base);
			}
			catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("config file " + file + ": " + e.getMessage());
			}
		}

		/**
		 * Settings from {@code key=value} pairs.
		 *
		 * @param values the pairs, keys from {@link #KEYS}
		 * @param base the directory a relative {@code data} or certificate file is resolved against
		 * @return the settings
		 * @throws IllegalArgumentException on an unknown key or a bad value
		 */
		static Partial of(Map<String, String> values, Path base) {
			for (String key : values.keySet()) {
				if (!KEYS.contains(key)) {
					throw new IllegalArgumentException("unknown key '" + key + "'; the keys are " + String.join(", ", KEYS));
				}
			}
			String data = value(values, "data");
			String peer = value(values, "peer");
			String durability = value(values, "durability");
			String grace = value(values, "grace");
			String body = value(values, "max-body-bytes");
			String up = value(values, "upstream");
			String users = value(values, "user-token");
			String retention = value(values, "idempotency-retention");
			String payload = value(values, "max-payload-bytes");
			String mtls = value(values, "peer-mtls");
			String cache = value(values, "projection-cache");
			return new Partial(data == null ? null : base.resolve(data), value(values, "host"),
					port(values, "http-port"), port(values, "peer-port"), value(values, "token"),
					peer == null ? null : peers(peer), value(values, "node-id"),
					durability == null ? null : durability(durability), grace == null ? null : grace(grace),
					body == null ? null : positive("max-body-bytes", body),
					up == null ? null : upstream(up), value(values, "upstream-token"),
					users == null ? null : userTokens(List.of(users.split(","))), list(values, "policy"),
					value(values, "default-policy"), list(values, "origin-ranking"), list(values, "redact-field"),
					list(values, "redact-path"), file(values, "peer-tls-cert", base), file(values, "peer-tls-key", base),
					file(values, "peer-tls-ca", base), mtls == null ? null : bool("peer-mtls", mtls),
					file(values, "https-cert", base), file(values, "https-key", base),
					retention == null ? null : duration("idempotency-retention", retention),
					payload == null ? null : positive("max-payload-bytes", payload),
					cache == null ? null : positive("projection-cache", cache), PostgresSettings.of(values));
		}

		/**
		 * This source's settings, falling back on another's where this one says nothing. Lists (peers, policies,
		 * redactions, the ranking) are taken whole from one source: a list given here replaces the other's.
		 *
		 * @param fallback the other source
		 * @return the merged settings
		 */
		Partial or(Partial fallback) {
			return new Partial(first(dataDir, fallback.dataDir), first(host, fallback.host),
					first(httpPort, fallback.httpPort), first(peerPort, fallback.peerPort), first(token, fallback.token),
					first(peers, fallback.peers), first(nodeId, fallback.nodeId),
					first(durability, fallback.durability), first(grace, fallback.grace),
					first(maxBodyBytes, fallback.maxBodyBytes), first(upstream, fallback.upstream),
					first(upstreamToken, fallback.upstreamToken), first(userTokens, fallback.userTokens),
					first(policies, fallback.policies), first(defaultPolicy, fallback.defaultPolicy),
					first(originRanking, fallback.originRanking), first(redactFields, fallback.redactFields),
					first(redactPaths, fallback.redactPaths), first(peerTlsCert, fallback.peerTlsCert),
					first(peerTlsKey, fallback.peerTlsKey), first(peerTlsCa, fallback.peerTlsCa),
					first(peerMtls, fallback.peerMtls), first(httpsCert, fallback.httpsCert),
					first(httpsKey, fallback.httpsKey), first(idempotencyRetention, fallback.idempotencyRetention),
					first(maxPayloadBytes, fallback.maxPayloadBytes), first(projectionCache, fallback.projectionCache),
					postgres.or(fallback.postgres));
		}

		/**
		 * Checks the merged settings and fills in the defaults: host 127.0.0.1, the token from
		 * {@value NodeSettings#TOKEN_VARIABLE}, no peers, {@link Durability#PROCESS_CRASH}, a 10 s grace, a 1 MiB
		 * body limit, last-write-wins for every type, no redaction, plain TCP and HTTP, idempotency keys kept 24
		 * hours. Loads and instantiates the classes of CUSTOM policies.
		 *
		 * @param env the environment
		 * @return the complete settings
		 * @throws IllegalArgumentException when data or a port is missing, a value is out of range, a policy's
		 *         class cannot be used, or TLS settings are incomplete or name a missing file
		 */
		NodeSettings complete(UnaryOperator<String> env) {
			List<String> missing = new ArrayList<>();
			if (dataDir == null) {
				missing.add("--data");
			}
			if (httpPort == null) {
				missing.add("--http-port");
			}
			if (peerPort == null) {
				missing.add("--peer-port");
			}
			if (!missing.isEmpty()) {
				throw new IllegalArgumentException("missing " + String.join(", ", missing) + " (give "
						+ (missing.size() == 1 ? "it as a flag" : "them as flags") + " or in the --config file)");
			}
			checkPort("--http-port", httpPort);
			checkPort("--peer-port", peerPort);
			if (host != null && host.isBlank()) {
				throw new IllegalArgumentException("--host must not be empty");
			}
			if (nodeId != null && nodeId.isBlank()) {
				throw new IllegalArgumentException("--node-id must not be empty");
			}
			if (token != null && token.isBlank()) {
				throw new IllegalArgumentException("--token must not be empty; leave it out for a node without a token");
			}
			if (maxBodyBytes != null && maxBodyBytes < 1) {
				throw new IllegalArgumentException("--max-body-bytes must be at least 1, was " + maxBodyBytes);
			}
			if (maxPayloadBytes != null && (maxPayloadBytes < 1
					|| io.tributary.Limits.frameBytesFor(maxPayloadBytes) > io.tributary.Limits.DEFAULT_MAX_FRAME_BYTES)) {
				throw new IllegalArgumentException("--max-payload-bytes must be 1 to "
						+ (io.tributary.Limits.DEFAULT_MAX_FRAME_BYTES - io.tributary.Limits.frameBytesFor(0))
						+ " (an event must fit a peer frame of " + io.tributary.Limits.DEFAULT_MAX_FRAME_BYTES
						+ " bytes), was " + maxPayloadBytes);
			}
			if (projectionCache != null && projectionCache < 1) {
				throw new IllegalArgumentException("--projection-cache must be at least 1, was " + projectionCache);
			}
			if (idempotencyRetention != null && (idempotencyRetention.isZero() || idempotencyRetention.isNegative())) {
				throw new IllegalArgumentException("--idempotency-retention must be positive, was "
						+ DurationConverter.format(idempotencyRetention));
			}
			checkHttps();
			String envToken = env.apply(TOKEN_VARIABLE);
			String t = token != null ? token : envToken == null || envToken.isBlank() ? null : envToken;
			List<String> policyItems = items(policies);
			List<String> ranking = items(originRanking);
			ConflictStrategy fallbackStrategy = defaultPolicy == null ? ConflictStrategy.LAST_WRITE_WINS
					: PolicySettings.defaultStrategy(defaultPolicy);
			return new NodeSettings(dataDir, host == null ? DEFAULT_HOST : host.strip(), httpPort, peerPort, t,
					peers == null ? List.of() : List.copyOf(peers), nodeId == null ? null : nodeId.strip(),
					durability == null ? Durability.PROCESS_CRASH : durability, grace == null ? DEFAULT_GRACE : grace,
					maxBodyBytes == null ? HttpApi.DEFAULT_MAX_BODY_BYTES : maxBodyBytes, upstream,
					upstreamToken == null || upstreamToken.isBlank() ? null : upstreamToken.strip(),
					userTokens == null ? Map.of() : Map.copyOf(userTokens),
					PolicySettings.projection(policyItems, fallbackStrategy, ranking), policyItems, fallbackStrategy, ranking,
					PolicySettings.redaction(items(redactFields), items(redactPaths)), peerTls(), httpsCert == null ? null
							: readable("--https-cert", httpsCert), httpsKey == null ? null : readable("--https-key", httpsKey),
					idempotencyRetention == null ? HttpApi.DEFAULT_IDEMPOTENCY_RETENTION : idempotencyRetention,
					maxPayloadBytes == null ? io.tributary.Limits.DEFAULT_MAX_PAYLOAD_BYTES : maxPayloadBytes,
					projectionCache == null ? SyncEngine.DEFAULT_PROJECTION_CACHE : projectionCache,
					postgres.complete(env));
		}

		private PeerTls peerTls() {
			if (peerTlsCert == null && peerTlsKey == null && peerTlsCa == null && peerMtls == null) {
				return null;
			}
			if (peerTlsCert == null || peerTlsKey == null) {
				throw new IllegalArgumentException("peer TLS needs both --peer-tls-cert and --peer-tls-key (the peer "
						+ "port serves with them)");
			}
			boolean mutual = Boolean.TRUE.equals(peerMtls);
			if (mutual && peerTlsCa == null) {
				throw new IllegalArgumentException("--peer-mtls needs --peer-tls-ca: the CA certificates that sign the "
						+ "peers' certificates");
			}
			return PeerTls.pem(readable("--peer-tls-cert", peerTlsCert), readable("--peer-tls-key", peerTlsKey),
					peerTlsCa == null ? null : readable("--peer-tls-ca", peerTlsCa), mutual);
		}

		private void checkHttps() {
			if ((httpsCert == null) != (httpsKey == null)) {
				throw new IllegalArgumentException("HTTPS needs both --https-cert and --https-key");
			}
		}

		@Override
		public String toString() {
			return "Partial[data=" + dataDir + ", host=" + host + ", http-port=" + httpPort + ", peer-port=" + peerPort
					+ ", token=" + (token == null ? "null" : "****") + ", peers=" + peers + ", node-id=" + nodeId
					+ ", durability=" + durability + ", grace=" + grace + ", max-body-bytes=" + maxBodyBytes
					+ ", upstream=" + upstream + ", upstream-token=" + (upstreamToken == null ? "null" : "****")
					+ ", user-tokens=" + (userTokens == null ? "null" : userTokens.size()) + ", policies=" + policies
					+ ", default-policy=" + defaultPolicy + ", origin-ranking=" + originRanking + ", redact-fields="
					+ redactFields + ", redact-paths=" + redactPaths + ", peer-tls-cert=" + peerTlsCert + ", peer-tls-key="
					+ peerTlsKey + ", peer-tls-ca=" + peerTlsCa + ", peer-mtls=" + peerMtls + ", https-cert=" + httpsCert
					+ ", https-key=" + httpsKey + ", idempotency-retention=" + idempotencyRetention + ", max-payload-bytes="
					+ maxPayloadBytes + ", projection-cache=" + projectionCache + ", postgres=" + postgres + "]";
		}

		private static List<String> list(Map<String, String> values, String key) {
			String v = value(values, key);
			return v == null ? null : List.of(v.split(","));
		}

		private static Path file(Map<String, String> values, String key, Path base) {
			String v = value(values, key);
			return v == null ? null : base.resolve(v);
		}

		private static Boolean bool(String key, String v) {
			if (v.equalsIgnoreCase("true")) {
				return Boolean.TRUE;
			}
			if (v.equalsIgnoreCase("false")) {
				return Boolean.FALSE;
			}
			throw new IllegalArgumentException(key + " must be true or false, was '" + v + "'");
		}

		/** The non-blank items, stripped. */
		private static List<String> items(List<String> raw) {
			List<String> out = new ArrayList<>();
			if (raw != null) {
				for (String item : raw) {
					if (!item.isBlank()) {
						out.add(item.strip());
					}
				}
			}
			return List.copyOf(out);
		}

		private static Path readable(String option, Path file) {
			if (!Files.isRegularFile(file)) {
				throw new IllegalArgumentException(option + ": " + file + " is not a file");
			}
			if (!Files.isReadable(file)) {
				throw new IllegalArgumentException(option + ": " + file + " cannot be read");
			}
			return file;
		}

		private static <T> T first(T value, T fallback) {
			return value != null ? value : fallback;
		}

		private static String value(Map<String, String> values, String key) {
			String v = values.get(key);
			return v == null || v.isBlank() ? null : v.strip();
		}

		private static Integer port(Map<String, String> values, String key) {
			String v = value(values, key);
			if (v == null) {
				return null;
			}
			try {
				int port = Integer.parseInt(v);
				checkPort(key, port);
				return port;
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException(key + " must be a port from 0 to 65535, was '" + v + "'");
			}
		}

		private static void checkPort(String name, int port) {
			if (port < 0 || port > 65_535) {
				throw new IllegalArgumentException(name + " must be a port from 0 to 65535, was " + port);
			}
		}

		private static List<PeerAddress> peers(String list) {
			List<PeerAddress> out = new ArrayList<>();
			PeerAddressConverter converter = new PeerAddressConverter();
			for (String item : list.split(",")) {
				if (item.isBlank()) {
					continue;
				}
				try {
					out.add(converter.convert(item));
				}
				catch (TypeConversionException e) {
					throw new IllegalArgumentException("peer: " + e.getMessage());
				}
			}
			return out;
		}

		private static PeerAddress upstream(String v) {
			try {
				return new PeerAddressConverter().convert(v);
			}
			catch (TypeConversionException e) {
				throw new IllegalArgumentException("upstream: " + e.getMessage());
			}
		}

		/**
		 * Tokens for users from {@code TOKEN=USER} items.
		 *
		 * @param items the items
		 * @return token to user
		 * @throws IllegalArgumentException for an item without {@code =} or with an empty side
		 */
		static Map<String, String> userTokens(List<String> items) {
			Map<String, String> out = new LinkedHashMap<>();
			for (String item : items) {
				if (item.isBlank()) {
					continue;
				}
				int eq = item.lastIndexOf('=');
				String t = eq < 0 ? "" : item.substring(0, eq).strip();
				String user = eq < 0 ? "" : item.substring(eq + 1).strip();
				if (t.isEmpty() || user.isEmpty()) {
					throw new IllegalArgumentException("user-token must be TOKEN=USER");
				}
				out.put(t, user);
			}
			return out;
		}

		private static Durability durability(String v) {
			try {
				return Durability.valueOf(v.toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("durability must be one of " + List.of(Durability.values())
						+ ", was '" + v + "'");
			}
		}

		private static Duration grace(String v) {
			return duration("grace", v);
		}

		private static Duration duration(String key, String v) {
			try {
				return DurationConverter.parse(v);
			}
			catch (TypeConversionException e) {
				throw new IllegalArgumentException(key + ": " + e.getMessage());
			}
		}

		private static Integer positive(String key, String v) {
			try {
				int n = Integer.parseInt(v);
				if (n >= 1) {
					return n;
				}
			}
			catch (NumberFormatException e) {
				// answered below
			}
			throw new IllegalArgumentException(key + " must be a whole number of at least 1, was '" + v + "'");
		}
	}
}
