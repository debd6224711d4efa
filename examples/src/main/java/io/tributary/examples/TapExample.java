package io.tributary.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Monitoring a running node from another program: it taps the node's signals (server-sent events of
 * {@code GET /api/signals}) and reads its metrics ({@code GET /metrics}, the Prometheus text format) over plain
 * HTTP with the JDK's client, the token in the {@code Authorization} header. It prints one line per signal until it
 * has seen {@code --signals} of them or {@code --seconds} have passed, then the node's replication and store
 * metrics.
 * <p>
 * Run it against a node ({@code docs/NODE.md}) with
 * {@code TRIBUTARY_TOKEN=... mvn -B -q -pl examples -am package exec:java@tap -DskipTests
 * -Dexec.args="http://127.0.0.1:8080"}; more arguments: {@code --signals N} (default 10), {@code --seconds S}
 * (default 60) and {@code --kinds K,K} (default: every kind).
 */
public final class TapExample {

	/** The metrics it prints, by Prometheus name prefix (docs/NODE.md lists them). */
	static final List<String> METRICS = List.of("tributary_events_committed", "tributary_conflicts",
			"tributary_dead_letters", "tributary_store_events", "tributary_store_entities",
			"tributary_peer_lag_events", "tributary_peer_connected", "tributary_upstream_lag_events",
			"tributary_dead_letters_held", "tributary_projection_checkpoint_age_seconds", "process_uptime_seconds");

	private static final ObjectMapper JSON = new ObjectMapper();

	private TapExample() {
	}

	/**
	 * Runs the example.
	 *
	 * @param args the node's URL, then {@code --signals N} and {@code --seconds S}; the token comes from the
	 *        environment variable {@code TRIBUTARY_TOKEN}
	 * @throws InterruptedException when interrupted while waiting for the node
	 */
	public static void main(String[] args) throws InterruptedException {
		String node = "http://127.0.0.1:8080";
		int signals = 10;
		int seconds = 60;
		String kinds = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--signals" -> signals = Integer.parseInt(args[++i]);
				case "--seconds" -> seconds = Integer.parseInt(args[++i]);
				case "--kinds" -> kinds = args[++i];
				default -> node = args[i];
			}
		}
		String token = System.getenv("TRIBUTARY_TOKEN");
		tap(URI.create(node), token, kinds, signals, Duration.ofSeconds(seconds), System.out::println);
	}

	/**
	 * Taps a node: prints its signals as they come, then its metrics.
	 *
	 * @param node the node's HTTP API, such as {@code http://127.0.0.1:8080}
	 * @param token the node's token, or {@code null} for a node without one
	 * @param kinds the kinds of signal to tap, separated by commas, such as {@code committed,dead-lettered};
	 *        {@code null} for every kind
	 * @param signals how many signals to print (heartbeats not counted) before reading the metrics
	 * @param within how long to wait for them at most
	 * @param out where each line goes
	 * @return how many signals it printed
	 * @throws InterruptedException when interrupted while waiting for the node
	 * @throws IllegalStateException when the node answers with an error
	 */
	public static int tap(URI node, String token, String kinds, int signals, Duration within, Consumer<String> out)
			throws InterruptedException {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
		// a heartbeat every second: the loop below sees the deadline pass even while the node is quiet
		String query = "?heartbeat=1" + (kinds == null ? "" : "&kinds=" + URLEncoder.encode(kinds, StandardCharsets.UTF_8));
		HttpResponse<Stream<String>> stream = send(client, request(node, "/api/signals" + query, token),
				HttpResponse.BodyHandlers.ofLines());
		out.accept("tapping " + node + "/api/signals");
		Instant deadline = Instant.now().plus(within);
		int seen = 0;
		try (Stream<String> lines = stream.body()) {
			String event = null;
			StringBuilder data = new StringBuilder();
			for (Iterator<String> it = lines.iterator(); it.hasNext() && seen < signals
					&& Instant.now().isBefore(deadline);) {
				String line = it.next();
				if (line.isEmpty()) {
					if (data.length() > 0 && !"heartbeat".equals(event)) {
						out.accept(describe(data.toString()));
						seen++;
					}
					event = null;
					data.setLength(0);
				}
				else if (line.startsWith("event:")) {
					event = line.substring(6).trim();
				}
				else if (line.startsWith("data:")) {
					data.append(line.substring(5).trim());
				}
			}
		}
		out.accept(seen + " signals; metrics:");
		String metrics = send(client, request(node, "/metrics", token), HttpResponse.BodyHandlers.ofString()).body();
		metrics.lines()
				.filter(l -> !l.startsWith("#") && METRICS.stream().anyMatch(l::startsWith))
				.forEach(l -> out.accept("  " + l));
		return seen;
	}

	/** One signal as a line: its kind and its fields (docs/NODE.md lists them per kind). */
	static String describe(String json) {
		JsonNode signal;
		try {
			signal = JSON.readTree(json);
		}
		catch (IOException e) {
			throw new UncheckedIOException("a signal that is not JSON: " + json, e);
		}
		String kind = signal.path("kind").asText("?");
		return switch (kind) {
			case "committed" -> String.format(Locale.ROOT, "%-24s %d event%s (%d local) at %d..%d %s", kind,
					signal.path("events").asLong(), signal.path("events").asLong() == 1 ? "" : "s",
					signal.path("local").asLong(), signal.path("firstSeq").asLong(),
					signal.path("lastSeq").asLong(), signal.path("types"));
			case "conflict-detected" -> String.format(Locale.ROOT, "%-24s %s/%s %s: incoming %s, head %s", kind,
					signal.path("entityType").asText(), signal.path("entityId").asText(),
					signal.path("strategy").asText(), signal.path("incoming").asText(), signal.path("head").asText());
			case "dead-lettered" -> String.format(Locale.ROOT, "%-24s %s %s: %s", kind, signal.path("id").asText(),
					signal.path("code").asText(), signal.path("reason").asText());
			case "dropped" -> String.format(Locale.ROOT, "%-24s %d signals lost (%s)", kind,
					signal.path("dropped").asLong(), signal.path("reason").asText());
			default -> String.format(Locale.ROOT, "%-24s %s", kind, fields(signal));
		};
	}

	/** A signal's own fields as {@code name=value}, without its kind, id and time. */
	private static String fields(JsonNode signal) {
		StringBuilder sb = new StringBuilder();
		for (Map.Entry<String, JsonNode> f : signal.properties()) {
			if (!List.of("kind", "id", "time").contains(f.getKey())) {
				sb.append(sb.length() == 0 ? "" : " ").append(f.getKey()).append('=')
						.append(f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString());
			}
		}
		return sb.toString();
	}

	private static HttpRequest request(URI node, String path, String token) {
		HttpRequest.Builder b = HttpRequest.newBuilder(node.resolve(path)).GET();
		if (token != null && !token.isBlank()) {
			b.header("Authorization", "Bearer " + token);
		}
		return b.build();
	}

	private static <T> HttpResponse<T> send(HttpClient client, HttpRequest request,
			HttpResponse.BodyHandler<T> body) throws InterruptedException {
		HttpResponse<T> response;
		try {
			response = client.send(request, body);
		}
		catch (IOException e) {
			throw new UncheckedIOException("the node at " + request.uri() + " cannot be reached", e);
		}
		if (response.statusCode() != 200) {
			if (response.body() instanceof Stream<?> s) {
				s.close();
			}
			throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered "
					+ response.statusCode() + (response.statusCode() == 401 ? ": set TRIBUTARY_TOKEN to the node's token"
							: ""));
		}
		return response;
	}
}
