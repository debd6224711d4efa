package io.tributary.transport.cli;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;

/**
 * {@code sync-status}: a running node's status towards an upstream ({@code GET /api/sync/status}): the one
 * named, else the one last synced with.
 */
@Command(name = "sync-status", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Shows a running node's (--node) sync status towards an upstream: events pending, the last "
				+ "outsync and downsync, the upstream's vector, the last error, dead letters.",
				"Without --upstream: the upstream the node last synced with, the configured one or one named by "
						+ "sync --upstream (before any sync, the configured one).",
				"With --json, prints the status: upstream, pending, lastOutsync, lastDownsync, upstreamVector, "
						+ "lastError, authRequired, syncedTypes, deadLetters." },
		footer = { "", "Exit codes: 0 shown, 1 the node has no upstream or is unreachable or refused the token, "
				+ "2 bad arguments." })
final class SyncStatusCommand extends UpstreamCall.Command {

	@Override
	HttpMethod method() {
		return HttpMethod.GET;
	}

	@Override
	String path() {
		return "/api/sync/status";
	}

	@Override
	Duration timeout() {
		return StatusCommand.TIMEOUT;
	}

	@Override
	String describe(JsonNode r) {
		return "upstream       " + r.path("upstream").asText() + System.lineSeparator()
				+ "pending        " + r.path("pending").asLong() + System.lineSeparator()
				+ "last outsync   " + r.path("lastOutsync").asText("never") + System.lineSeparator()
				+ "last downsync  " + r.path("lastDownsync").asText("never") + System.lineSeparator()
				+ "upstream vector " + Format.vector(r.path("upstreamVector")) + System.lineSeparator()
				+ "last error     " + r.path("lastError").asText("none") + (r.path("authRequired").asBoolean()
						? " (a new upstream token is needed)" : "") + System.lineSeparator()
				+ "dead letters   " + r.path("deadLetters").asLong();
	}
}
