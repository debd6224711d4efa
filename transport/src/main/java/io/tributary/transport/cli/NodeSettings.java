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

import io.tributary.storage.h2.Durability;
import io.tributary.transport.SyncNode;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.PeerAddress;
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
 * @param idempotencyRetention how long the HTTP API keeps idempotency keys
 */
record NodeSettings(Path dataDir, String host, int httpPort, int peerPort, String token, List<PeerAddress> peers,
		String nodeId, Durability durability, Duration grace, int maxBodyBytes, PeerAddress upstream,
		String upstreamToken, Map<String, String> userTokens, Duration idempotencyRetention) {

	/** The environment variable read when no token is given otherwise. */
	static final String TOKEN_VARIABLE = "TRIBUTARY_TOKEN";

	static final String DEFAULT_HOST = "127.0.0.1";
	static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

	/** The keys a config file may hold: the {@code node} command's long option names without dashes. */
	static final List<String> KEYS = List.of("data", "http-port", "peer-port", "host", "token", "peer", "node-id",
			"durability", "grace", "max-body-bytes", "upstream", "upstream-token", "user-token", "idempotency-retention");

	/**
	 * The builder of a node with these settings.
	 *
	 * @return a new builder, not started
	 */
	SyncNode.Builder builder() {
		SyncNode.Builder b = SyncNode.builder().dataDir(dataDir).host(host).httpPort(httpPort).peerPort(peerPort)
				.token(token).durability(durability).maxBodyBytes(maxBodyBytes)
				.idempotencyRetention(idempotencyRetention);
		if (nodeId != null) {
			b.nodeId(nodeId);
		}
		peers.forEach(b::peer);
		b.upstream(upstream).upstreamToken(upstreamToken);
		if (!userTokens.isEmpty()) {
			b.users(UserTokens.of(userTokens));
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
				+ ", user-tokens=" + userTokens.size() + ", idempotency-retention="
				+ DurationConverter.format(idempotencyRetention);
	}

	/**
	 * Settings from one source, each {@code null} where that source says nothing.
	 */
	record Partial(Path dataDir, String host, Integer httpPort, Integer peerPort, String token,
			List<PeerAddress> peers, String nodeId, Durability durability, Duration grace, Integer maxBodyBytes,
			PeerAddress upstream, String upstreamToken, Map<String, String> userTokens, Duration idempotencyRetention) {

		static final Partial NONE = new Partial(null, null, null, null, null, null, null, null, null, null, null, null,
				null, null);

		/**
		 * Reads a config file: Java properties ({@code key=value} lines, {@code #} comments), keys from
		 * {@link #KEYS}, {@code peer} a comma-separated list, an empty value the same as no line. A relative
		 * {@code data} is resolved against the file's directory.
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
		 * @param base the directory a relative {@code data} is resolved against
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
			return new Partial(data == null ? null : base.resolve(data), value(values, "host"),
					port(values, "http-port"), port(values, "peer-port"), value(values, "token"),
					peer == null ? null : peers(peer), value(values, "node-id"),
					durability == null ? null : durability(durability), grace == null ? null : grace(grace),
					body == null ? null : positive("max-body-bytes", body),
					up == null ? null : upstream(up), value(values, "upstream-token"),
					users == null ? null : userTokens(List.of(users.split(","))),
					retention == null ? null : duration("idempotency-retention", retention));
		}

		/**
		 * This source's settings, falling back on another's where this one says nothing. Peers are taken whole
		 * from one source: peers given here replace the other's.
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
					first(idempotencyRetention, fallback.idempotencyRetention));
		}

		/**
		 * Checks the merged settings and fills in the defaults: host 127.0.0.1, the token from
		 * {@value NodeSettings#TOKEN_VARIABLE}, no peers, {@link Durability#PROCESS_CRASH}, a 10 s grace, a 1 MiB
		 * body limit, idempotency keys kept 24 hours.
		 *
		 * @param env the environment
		 * @return the complete settings
		 * @throws IllegalArgumentException when data or a port is missing or a value is out of range
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
			if (idempotencyRetention != null && (idempotencyRetention.isZero() || idempotencyRetention.isNegative())) {
				throw new IllegalArgumentException("--idempotency-retention must be positive, was "
						+ DurationConverter.format(idempotencyRetention));
			}
			String envToken = env.apply(TOKEN_VARIABLE);
			String t = token != null ? token : envToken == null || envToken.isBlank() ? null : envToken;
			return new NodeSettings(dataDir, host == null ? DEFAULT_HOST : host.strip(), httpPort, peerPort, t,
					peers == null ? List.of() : List.copyOf(peers), nodeId == null ? null : nodeId.strip(),
					durability == null ? Durability.PROCESS_CRASH : durability, grace == null ? DEFAULT_GRACE : grace,
					maxBodyBytes == null ? HttpApi.DEFAULT_MAX_BODY_BYTES : maxBodyBytes, upstream,
					upstreamToken == null || upstreamToken.isBlank() ? null : upstreamToken.strip(),
					userTokens == null ? Map.of() : Map.copyOf(userTokens),
					idempotencyRetention == null ? HttpApi.DEFAULT_IDEMPOTENCY_RETENTION : idempotencyRetention);
		}

		@Override
		public String toString() {
			return "Partial[data=" + dataDir + ", host=" + host + ", http-port=" + httpPort + ", peer-port=" + peerPort
					+ ", token=" + (token == null ? "null" : "****") + ", peers=" + peers + ", node-id=" + nodeId
					+ ", durability=" + durability + ", grace=" + grace + ", max-body-bytes=" + maxBodyBytes
					+ ", upstream=" + upstream + ", upstream-token=" + (upstreamToken == null ? "null" : "****")
					+ ", user-tokens=" + (userTokens == null ? "null" : userTokens.size()) + ", idempotency-retention="
					+ idempotencyRetention + "]";
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
