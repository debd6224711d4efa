package io.tributary.transport.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;

/**
 * {@code downsync}: asks a running node to pull what it lacks from its upstream ({@code POST /api/sync/downsync}).
 */
@Command(name = "downsync", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Asks a running node (--node) to pull the events it lacks from its upstream.",
				"With --json, prints the pull report: byType, applied, upstream." },
		footer = { "", "Exit codes: 0 pulled, 1 the pull failed, the upstream refused the node's token, the node "
				+ "has no upstream or is unreachable, 2 bad arguments." })
final class DownsyncCommand extends UpstreamCall.Command {

	@Override
	HttpMethod method() {
		return HttpMethod.POST;
	}

	@Override
	String path() {
		return "/api/sync/downsync";
	}

	@Override
	Duration timeout() {
		return SyncCommand.TIMEOUT;
	}

	@Override
	String describe(JsonNode r) {
		List<String> types = new ArrayList<>();
		r.path("byType").properties().forEach(e -> types.add(e.getKey() + "=" + e.getValue().asLong()));
		return "pulled " + r.path("applied").asLong() + " new events" + (types.isEmpty() ? ""
				: " (" + String.join(", ", types) + ")") + "; upstream " + Format.vector(r.path("upstream"));
	}
}
