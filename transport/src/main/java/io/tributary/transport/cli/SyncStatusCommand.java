package io.tributary.transport.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sync-status}: a running node's status towards its upstream ({@code GET /api/sync/status}).
 */
@Command(name = "sync-status", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Shows a running node's (--node) sync status towards its upstream: events pending, the last "
				+ "outsync and downsync, the upstream's vector, the last error, dead letters.",
				"With --json, prints the status: upstream, pending, lastOutsync, lastDownsync, upstreamVector, "
						+ "lastError, authRequired, syncedTypes, deadLetters." },
		footer = { "", "Exit codes: 0 shown, 1 the node has no upstream or is unreachable or refused the token, "
				+ "2 bad arguments." })
final class SyncStatusCommand implements Callable<Integer> {

	@ParentCommand
	NodeCli cli;

	@Spec
	CommandSpec spec;

	@Mixin
	ApiOptions api;

	@Mixin
	UpstreamCall call;

	@Override
	public Integer call() {
		return call.run(api, cli::env, HttpMethod.GET, "/api/sync/status", StatusCommand.TIMEOUT,
				spec.commandLine().getOut(), SyncStatusCommand::describe);
	}

	private static String describe(JsonNode s) {
		return "upstream       " + s.path("upstream").asText() + System.lineSeparator()
				+ "pending        " + s.path("pending").asLong() + System.lineSeparator()
				+ "last outsync   " + s.path("lastOutsync").asText("never") + System.lineSeparator()
				+ "last downsync  " + s.path("lastDownsync").asText("never") + System.lineSeparator()
				+ "upstream vector " + Format.vector(s.path("upstreamVector")) + System.lineSeparator()
				+ "last error     " + s.path("lastError").asText("none") + (s.path("authRequired").asBoolean()
						? " (a new upstream token is needed)" : "") + System.lineSeparator()
				+ "dead letters   " + s.path("deadLetters").asLong();
	}
}
