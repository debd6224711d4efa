package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code dead-letters}: lists a running node's dead letters ({@code GET /api/dead-letters}); its subcommands
 * {@code replay} and {@code delete} act on one ({@code POST /api/dead-letters/{id}/replay},
 * {@code DELETE /api/dead-letters/{id}}).
 */
@Command(name = "dead-letters", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		subcommands = { DeadLettersCommand.Replay.class, DeadLettersCommand.Delete.class },
		synopsisSubcommandLabel = "[COMMAND]", commandListHeading = "%nCommands:%n",
		description = { "Lists a running node's (--node) dead letters; replay and delete act on one.",
				"Dead letters are changes the node wrote that its upstream "
				+ "refused for good (row-level security, validation), kept with the reason until they are replayed "
				+ "or deleted. A dead letter's ID is the refused change's origin:originSeq. A user's token lists that "
				+ "user's only.",
				"Prints one line per dead letter: ID, code, when it was refused, the change and the reason; then how "
						+ "to read on when more follow. With --json, prints the page: {deadLetters, count, cursor}." },
		footer = { "", "Exit codes: 0 done, 1 the node is unreachable, refused the token or the request (an unknown "
				+ "ID, a change still invalid), 2 bad arguments." })
final class DeadLettersCommand implements Callable<Integer> {

	@ParentCommand
	NodeCli cli;

	@Spec
	CommandSpec spec;

	@Mixin
	ApiOptions api;

	@Option(names = "--limit", paramLabel = "N", description = "Most dead letters to list, 1 to 1000. Default: "
			+ "${DEFAULT-VALUE}.", defaultValue = "100")
	int limit;

	@Option(names = "--cursor", paramLabel = "ID", description = "List the dead letters after this ID (the cursor a "
			+ "previous listing printed). Default: from the first.")
	String cursor;

	@Option(names = "--json", description = "Print the node's answer as JSON.")
	boolean json;

	@Override
	public Integer call() {
		if (limit < 1 || limit > ConflictsCommand.MAX_LIMIT) {
			throw new ParameterException(spec.commandLine(), "--limit must be from 1 to " + ConflictsCommand.MAX_LIMIT
					+ ", was " + limit);
		}
		String path = "/api/dead-letters?limit=" + limit
				+ (cursor == null ? "" : "&cursor=" + URLEncoder.encode(requireId(spec, cursor), StandardCharsets.UTF_8));
		JsonNode page = api.client(cli::env, StatusCommand.TIMEOUT).get(path).block();
		PrintWriter out = spec.commandLine().getOut();
		if (json) {
			out.println(Format.pretty(page));
		}
		else {
			lines(page).forEach(out::println);
		}
		out.flush();
		return NodeCli.OK;
	}

	static List<String> lines(JsonNode page) {
		List<String> lines = new ArrayList<>();
		JsonNode letters = page.path("deadLetters");
		if (letters.isEmpty()) {
			lines.add("no dead letters");
			return lines;
		}
		List<String[]> rows = new ArrayList<>();
		rows.add(new String[] { "id", "code", "refused at", "change", "reason" });
		for (JsonNode d : letters) {
			JsonNode c = d.path("change");
			rows.add(new String[] { d.path("id").asText(), d.path("code").asText(), d.path("rejectedAt").asText(),
					c.path("operation").asText() + " " + c.path("entityType").asText() + "/" + c.path("entityId").asText()
							+ (c.path("userId").isTextual() ? " (user " + c.path("userId").asText() + ")" : ""),
					d.path("reason").asText() });
		}
		lines.addAll(Format.table(rows, Integer.MAX_VALUE, ""));
		int count = letters.size();
		lines.add("");
		lines.add(count + (count == 1 ? " dead letter" : " dead letters") + (page.has("cursor")
				? "; more follow: --cursor " + page.path("cursor").asText() : ""));
		return lines;
	}

	/** An ID as the node names dead letters: {@code origin:originSeq}. */
	static String requireId(CommandSpec spec, String id) {
		int colon = id.lastIndexOf(':');
		boolean ok = colon > 0 && colon < id.length() - 1;
		if (ok) {
			try {
				ok = Long.parseLong(id.substring(colon + 1)) >= 1;
			}
			catch (NumberFormatException e) {
				ok = false;
			}
		}
		if (!ok) {
			throw new ParameterException(spec.commandLine(), "'" + id + "' is not a dead letter's ID: origin:originSeq, "
					+ "as dead-letters lists them");
		}
		return id;
	}

	/**
	 * The client of a subcommand: its own node options, each one it was not given taken from this command's, so
	 * that both {@code dead-letters replay ID --node URL} and {@code dead-letters --node URL replay ID} work.
	 */
	NodeClient client(CommandSpec sub, ApiOptions own) {
		ApiOptions merged = new ApiOptions();
		merged.node = sub.commandLine().getParseResult().hasMatchedOption("--node") ? own.node : api.node;
		merged.token = own.token != null ? own.token : api.token;
		merged.timeout = own.timeout != null ? own.timeout : api.timeout;
		return merged.client(cli::env, StatusCommand.TIMEOUT);
	}

	/** The path of one dead letter. */
	static String path(String id) {
		return "/api/dead-letters/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
	}

	/** {@code dead-letters replay ID}. */
	@Command(name = "replay", sortOptions = false, mixinStandardHelpOptions = true,
			versionProvider = NodeCli.Version.class,
			description = { "Replays a dead letter as a new change of the node (a new ID; the next outsync pushes it) "
					+ "and deletes the dead letter. With --change, writes the corrected change given; without, writes "
					+ "the refused change's own content again (when it is still invalid the node keeps the dead letter "
					+ "and the command fails).",
					"Prints the new change's id; with --json, the node's answer {replayed, change}." },
			footer = { "", "Exit codes: 0 replayed, 1 an unknown ID, a change refused (the dead letter is kept), the "
					+ "node unreachable or refusing the token, 2 bad arguments." })
	static final class Replay implements Callable<Integer> {

		@ParentCommand
		DeadLettersCommand parent;

		@Spec
		CommandSpec spec;

		@Mixin
		ApiOptions api;

		@Parameters(index = "0", paramLabel = "ID", description = "The dead letter's ID (origin:originSeq).")
		String id;

		@Option(names = "--change", paramLabel = "JSON", description = "The corrected change, one object as POST "
				+ "/api/changes takes it: {\"entityType\", \"operation\", \"entityId\", \"data\", \"userId\"}. "
				+ "Default: the refused change as it was.")
		String change;

		@Option(names = "--json", description = "Print the node's answer as JSON.")
		boolean json;

		@Override
		public Integer call() {
			requireId(spec, id);
			if (change != null && change.isBlank()) {
				throw new ParameterException(spec.commandLine(), "--change is empty; leave it out to replay the change "
						+ "as it was");
			}
			NodeClient client = parent.client(spec, api);
			JsonNode answer = client.require(client.exchange(HttpMethod.POST, path(id) + "/replay", change).block());
			PrintWriter out = spec.commandLine().getOut();
			out.println(json ? Format.pretty(answer) : "replayed " + id + " as " + answer.path("change").path("cid").asText()
					+ " (seq " + answer.path("change").path("seq").asText() + ")");
			out.flush();
			return NodeCli.OK;
		}
	}

	/** {@code dead-letters delete ID}. */
	@Command(name = "delete", sortOptions = false, mixinStandardHelpOptions = true,
			versionProvider = NodeCli.Version.class,
			description = { "Deletes a dead letter without replaying it.",
					"With --json, prints the node's answer {deleted}." },
			footer = { "", "Exit codes: 0 deleted, 1 an unknown ID, the node unreachable or refusing the token, "
					+ "2 bad arguments." })
	static final class Delete implements Callable<Integer> {

		@ParentCommand
		DeadLettersCommand parent;

		@Spec
		CommandSpec spec;

		@Mixin
		ApiOptions api;

		@Parameters(index = "0", paramLabel = "ID", description = "The dead letter's ID (origin:originSeq).")
		String id;

		@Option(names = "--json", description = "Print the node's answer as JSON.")
		boolean json;

		@Override
		public Integer call() {
			requireId(spec, id);
			NodeClient client = parent.client(spec, api);
			JsonNode answer = client.require(client.exchange(HttpMethod.DELETE, path(id)).block());
			PrintWriter out = spec.commandLine().getOut();
			out.println(json ? Format.pretty(answer) : "deleted " + id);
			out.flush();
			return NodeCli.OK;
		}
	}
}
