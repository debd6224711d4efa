package io.tributary.transport.cli;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stop}: asks a running node to stop gracefully ({@code POST /api/shutdown}), as SIGTERM does.
 */
@Command(name = "stop", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Stops a running node (--node) gracefully, as SIGTERM does: it stops accepting requests and "
				+ "peers, lets those in flight finish within its grace period, closes its store and exits 0.",
				"Needs the node's own token. Returns once the node has accepted the request; the node then stops "
						+ "within its --grace and a few seconds more.",
				"With --json, prints the node's answer: status, nodeId." },
		footer = { "", "Exit codes: 0 the node is stopping, 1 it is unreachable or refused the token or cannot be "
				+ "stopped through its API, 2 bad arguments." })
final class StopCommand extends ApiCommand {

	@Option(names = "--json", description = "Print the node's answer as JSON.")
	boolean json;

	@Override
	public Integer call() {
		NodeClient client = client(StatusCommand.TIMEOUT);
		JsonNode body = client.require(client.exchange(HttpMethod.POST, "/api/shutdown").block());
		return print(json, body, b -> List.of("node " + b.path("nodeId").asText("?") + " at " + client.node()
				+ " is stopping"));
	}
}
