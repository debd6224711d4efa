package io.tributary.transport.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
final class DeadLettersCommand extends ApiCommand {

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
		requireLimit(limit);
		String path = "/api/dead-letters?limit=" + limit
				+ (cursor == null ? "" : "&cursor=" + URLEncoder.encode(requireId(spec, cursor), StandardCharsets.UTF_8));
		return print(json, client(StatusCommand.TIMEOUT).get(path).block(), DeadLettersCommand::lines);
	}

	static List<String> lines(JsonNode page) {
		return Format.listing(page, "deadLetters", "dead letter", "dead letters",
				new String[] { "id", "code", "refused at", "change", "reason" }, d -> {
					JsonNode c = d.path("change");
					return new String[] { d.path("id").asText(), d.path("code").asText(), d.path("rejectedAt").asText(),
							c.path("operation").asText() + " " + c.path("entityType").asText() + "/"
									+ c.path("entityId").asText()
									+ (c.path("userId").isTextual() ? " (user " + c.path("userId").asText() + ")" : ""),
							d.path("reason").asText() };
				});
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
		merged.caFile = own.caFile != null ? own.caFile : api.caFile;
		return merged.client(cli::env, StatusCommand.TIMEOUT);
	}

	/** The path of one dead letter. */
	static String path(String id) {
		return "/api/dead-letters/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
	}

	/**
	 * A subcommand that acts on one dead letter: checks its ID, sends one request, prints the answer.
	 */
	abstract static class Action implements Callable<Integer> {

		@ParentCommand
		DeadLettersCommand parent;

		@Spec
		CommandSpec spec;

		@Mixin
		ApiOptions api;

		@Parameters(index = "0", paramLabel = "ID", description = "The dead letter's ID (origin:originSeq).")
		String id;

		private final HttpMethod method;
		private final String action;

		/**
		 * An action on a dead letter.
		 *
		 * @param method the request's method
		 * @param action what follows the dead letter's path in the request's path, such as {@code /replay}
		 */
		Action(HttpMethod method, String action) {
			this.method = method;
			this.action = action;
		}

		/** The request's JSON body, {@code null} for none; checked before the node is asked. */
		String body() {
			return null;
		}

		/** Whether {@code --json} was given. */
		abstract boolean json();

		/** The line printed for a successful answer without {@code --json}. */
		abstract String describe(JsonNode answer);

		@Override
		public Integer call() {
			requireId(spec, id);
			String body = body();
			NodeClient client = parent.client(spec, api);
			JsonNode answer = client.require(client.exchange(method, path(id) + action, body).block());
			return ApiCommand.print(spec, json(), answer, a -> List.of(describe(a)));
		}
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
	static final class Replay extends Action {

		@Option(names = "--change", paramLabel = "JSON", description = "The corrected change, one object as POST "
				+ "/api/changes takes it: {\"entityType\", \"operation\", \"entityId\", \"data\", \"userId\"}. "
				+ "Default: the refused change as it was.")
		String change;

		@Option(names = "--json", description = "Print the node's answer as JSON.")
		boolean json;

		Replay() {
			super(HttpMethod.POST, "/replay");
		}

		@Override
		String body() {
			if (change != null && change.isBlank()) {
				throw new ParameterException(spec.commandLine(), "--change is empty; leave it out to replay the change "
						+ "as it was");
			}
			return change;
		}

		@Override
		boolean json() {
			return json;
		}

		@Override
		String describe(JsonNode answer) {
			return "replayed " + id + " as " + answer.path("change").path("cid").asText() + " (seq "
					+ answer.path("change").path("seq").asText() + ")";
		}
	}

	/** {@code dead-letters delete ID}. */
	@Command(name = "delete", sortOptions = false, mixinStandardHelpOptions = true,
			versionProvider = NodeCli.Version.class,
			description = { "Deletes a dead letter without replaying it.",
					"With --json, prints the node's answer {deleted}." },
			footer = { "", "Exit codes: 0 deleted, 1 an unknown ID, the node unreachable or refusing the token, "
					+ "2 bad arguments." })
	static final class Delete extends Action {

		@Option(names = "--json", description = "Print the node's answer as JSON.")
		boolean json;

		Delete() {
			super(HttpMethod.DELETE, "");
		}

		@Override
		boolean json() {
			return json;
		}

		@Override
		String describe(JsonNode answer) {
			return "deleted " + id;
		}
	}
}
