package io.tributary.transport.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code downsync}: asks a running node to pull what it lacks from its upstream ({@code POST /api/sync/downsync}).
 */
@Command(name = "downsync", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Asks a running node (--node) to pull the events it lacks from its upstream.",
				"With --json, prints the pull report: byType, applied, upstream." },
		footer = { "", "Exit codes: 0 pulled, 1 the pull failed, the upstream refused the node's token, the node "
				+ "has no upstream or is unreachable, 2 bad arguments." })
final class DownsyncCommand implements Callable<Integer> {

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
		return call.run(api, cli::env, HttpMethod.POST, "/api/sync/downsync", SyncCommand.TIMEOUT,
				spec.commandLine().getOut(), r -> {
					List<String> types = new ArrayList<>();
					r.path("byType").properties().forEach(e -> types.add(e.getKey() + "=" + e.getValue().asLong()));
					return "pulled " + r.path("applied").asLong() + " new events" + (types.isEmpty() ? ""
							: " (" + String.join(", ", types) + ")") + "; upstream " + Format.vector(r.path("upstream"));
				});
	}
}
