package io.tributary.transport.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status}: a running node's health, vector, log position and peers, from {@code GET /health} and
 * {@code GET /api/stats}.
 */
@Command(name = "status", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Shows a running node's id and health, its log position and vector, and its peers.",
				"With --json, prints {\"health\": <GET /health>, \"stats\": <GET /api/stats>}." },
		footer = { "", "Exit codes: 0 the node answered, 1 it is unreachable or refused the token, 2 bad arguments." })
final class StatusCommand extends ApiCommand {

	static final Duration TIMEOUT = Duration.ofSeconds(30);

	@Option(names = "--json", description = "Print the node's answers as JSON.")
	boolean json;

	@Override
	public Integer call() {
		NodeClient client = client(TIMEOUT);
		JsonNode health = client.get("/health").block();
		JsonNode stats = client.get("/api/stats").block();
		ObjectNode both = NodeClient.JSON.createObjectNode();
		both.set("health", health);
		both.set("stats", stats);
		return print(json, both, b -> lines(client, b.path("health"), b.path("stats")));
	}

	static List<String> lines(NodeClient client, JsonNode health, JsonNode stats) {
		List<String> lines = new ArrayList<>();
		List<String[]> head = new ArrayList<>();
		head.add(new String[] { "node", health.path("nodeId").asText("?") + "  " + health.path("status").asText("?")
				+ "  " + client.node() });
		long events = stats.path("totalEvents").asLong();
		head.add(new String[] { "log", events + (events == 1 ? " event" : " events") + ", last position "
				+ health.path("lastPosition").asLong() });
		head.add(new String[] { "vector", Format.vector(stats.path("vector")) });
		JsonNode peers = stats.path("peers");
		int connected = 0;
		for (JsonNode p : peers) {
			connected += p.path("connected").asBoolean() ? 1 : 0;
		}
		head.add(new String[] { "peers", peers.size() == 0 ? "none"
				: peers.size() + (peers.size() == 1 ? " peer, " : " peers, ") + connected + " connected" });
		lines.addAll(Format.table(head, Integer.MAX_VALUE, ""));
		List<String[]> rows = new ArrayList<>();
		for (JsonNode p : peers) {
			String error = p.path("lastError").asText("");
			rows.add(new String[] { p.path("direction").asText("?"), p.path("address").asText("?"),
					p.path("nodeId").isTextual() ? p.path("nodeId").asText() : "-",
					p.path("connected").asBoolean() ? "connected" : "disconnected",
					"sent " + p.path("eventsSent").asLong() + ", received " + p.path("eventsReceived").asLong()
							+ (error.isEmpty() || p.path("lastError").isNull() ? "" : ", last error: " + error) });
		}
		lines.addAll(Format.table(rows, Integer.MAX_VALUE, "  "));
		return lines;
	}
}
