package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.transport.peer.PeerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code sync}: asks a running node to sync with a peer now ({@code POST /api/sync?peer=}) and reports what
 * moved; without {@code --peer}, to sync with its upstream as a client ({@code POST /api/sync/sync}).
 */
@Command(name = "sync", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Asks a running node (--node) to sync with a peer (--peer, the peer's peer port) now: each "
				+ "side sends what the other lacks. Reports the events sent and received.",
				"Without --peer, the node syncs with its upstream as a client (the configured one, or --upstream): "
						+ "an outsync, then a downsync. It presents its --upstream-token, else its own token.",
				"With --json, prints the node's sync report: peer, ok, sent, received, localVector, remoteVector, "
						+ "millis, error; for an upstream: outsync, downsync, errors." },
		footer = { "", "Exit codes: 0 both sides hold each other's events, 1 the sync failed or the node is "
				+ "unreachable or refused the token or has no upstream, 2 bad arguments." })
final class SyncCommand extends ApiCommand {

	static final Duration TIMEOUT = Duration.ofMinutes(6);

	@Option(names = "--peer", paramLabel = "HOST:PORT", converter = PeerAddressConverter.class,
			description = "The peer's peer port, as the node reaches it. Without it the node syncs with its upstream.")
	PeerAddress peer;

	@Mixin
	UpstreamCall upstream;

	@Override
	public Integer call() {
		if (peer == null) {
			return upstream.run(this, HttpMethod.POST, "/api/sync/sync", TIMEOUT,
					r -> "outsync pushed " + r.path("outsync").path("pushed").asLong() + " events ("
							+ r.path("outsync").path("rejected").asLong() + " refused); downsync pulled "
							+ r.path("downsync").path("applied").asLong() + " new events; upstream "
							+ Format.vector(r.path("downsync").path("upstream")));
		}
		if (upstream.upstream != null) {
			throw new ParameterException(spec.commandLine(), "give --peer or --upstream, not both");
		}
		boolean json = upstream.json;
		NodeClient client = client(TIMEOUT);
		NodeClient.Answer answer = client.exchange(HttpMethod.POST,
				"/api/sync?peer=" + URLEncoder.encode(peer.toString(), StandardCharsets.UTF_8)).block();
		boolean failedSync = answer.status().equals(HttpResponseStatus.BAD_GATEWAY);
		JsonNode report = failedSync ? answer.body().path("report") : client.require(answer);
		PrintWriter out = spec.commandLine().getOut();
		if (json) {
			out.println(Format.pretty(answer.body()));
			out.flush();
		}
		if (failedSync || !report.path("ok").asBoolean()) {
			String error = report.path("error").asText("");
			if (error.isEmpty()) {
				error = answer.body().path("message").asText("the node reported a failed sync");
			}
			throw new CliException("sync with " + peer + " failed: " + error);
		}
		if (!json) {
			out.println("synced with " + report.path("peer").asText(peer.toString()) + " in "
					+ report.path("millis").asLong() + " ms: sent " + report.path("sent").asLong() + ", received "
					+ report.path("received").asLong() + " events, ok");
			out.println("vector " + Format.vector(report.path("localVector")));
			out.flush();
		}
		return NodeCli.OK;
	}
}
