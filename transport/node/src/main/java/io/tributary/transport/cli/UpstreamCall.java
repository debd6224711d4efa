package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import io.tributary.transport.peer.PeerAddress;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the upstream commands ({@code outsync}, {@code downsync}, {@code sync-status}, {@code sync} without
 * {@code --peer}) share: the node, an optional upstream, JSON output, one request.
 */
final class UpstreamCall {

	/**
	 * A command that makes one request about the node's upstream.
	 */
	abstract static class Command extends ApiCommand {

		@Mixin
		UpstreamCall call;

		/** The request's method. */
		abstract HttpMethod method();

		/** The request's path. */
		abstract String path();

		/** How long to wait by default. */
		abstract Duration timeout();

		/** The lines printed for a successful answer without {@code --json}. */
		abstract String describe(JsonNode answer);

		@Override
		public Integer call() {
			return call.run(this, method(), path(), timeout(), this::describe);
		}
	}

	@Option(names = "--upstream", paramLabel = "HOST:PORT", converter = PeerAddressConverter.class,
			description = "The upstream's peer port, as the node reaches it. Default: the node's configured "
					+ "upstream (node --upstream); for sync-status, the upstream last synced with.")
	PeerAddress upstream;

	@Option(names = "--json", description = "Print the node's answer as JSON.")
	boolean json;

	/**
	 * Sends the request and prints the answer: as JSON with {@code --json}, else the lines of {@code text}.
	 *
	 * @param command the command, for its node options and output
	 * @param method the method
	 * @param path the path without query
	 * @param timeout the command's default timeout
	 * @param text the human-readable lines of a successful answer
	 * @return the command's exit code
	 */
	int run(ApiCommand command, HttpMethod method, String path, Duration timeout, Function<JsonNode, String> text) {
		NodeClient client = command.client(timeout);
		PrintWriter out = command.spec.commandLine().getOut();
		String query = upstream == null ? "" : "?upstream=" + URLEncoder.encode(upstream.toString(), StandardCharsets.UTF_8);
		NodeClient.Answer answer = client.exchange(method, path + query).block();
		if (json) {
			out.println(Format.pretty(answer.body()));
			out.flush();
		}
		JsonNode body = client.require(answer);
		if (!json) {
			out.println(text.apply(body));
			out.flush();
		}
		return NodeCli.OK;
	}
}
