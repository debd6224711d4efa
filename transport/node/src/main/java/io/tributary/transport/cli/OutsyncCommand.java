package io.tributary.transport.cli;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;

/**
 * {@code outsync}: asks a running node to push its own events that its upstream lacks
 * ({@code POST /api/sync/outsync}).
 */
@Command(name = "outsync", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Asks a running node (--node) to push the events it wrote itself that its upstream lacks "
				+ "(the outbox, derived from the upstream's vector). Events the upstream refuses become dead letters "
				+ "on the node.",
				"With --json, prints the drain report: pushed, rejected, pending, upstream, stoppedOnRejection." },
		footer = { "", "Exit codes: 0 drained, 1 the drain failed, the upstream refused the node's token, the node "
				+ "has no upstream or is unreachable, 2 bad arguments." })
final class OutsyncCommand extends UpstreamCall.Command {

	@Override
	HttpMethod method() {
		return HttpMethod.POST;
	}

	@Override
	String path() {
		return "/api/sync/outsync";
	}

	@Override
	Duration timeout() {
		return SyncCommand.TIMEOUT;
	}

	@Override
	String describe(JsonNode r) {
		return "pushed " + r.path("pushed").asLong() + " events (" + r.path("rejected").asLong() + " refused), "
				+ r.path("pending").asLong() + " pending; upstream " + Format.vector(r.path("upstream"));
	}
}
