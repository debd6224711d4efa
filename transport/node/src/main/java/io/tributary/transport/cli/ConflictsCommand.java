package io.tributary.transport.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code conflicts}: a page of a running node's stored conflicts ({@code GET /api/conflicts}).
 */
@Command(name = "conflicts", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Lists a running node's (--node) stored conflicts, oldest first.",
				"A conflict is a write that arrived while its writer had not seen the entity's newest version; the "
				+ "type's strategy decided which side won. A "
				+ "conflict shows once the node's projection checkpoint (every 10 s) saved it. A user's token lists "
				+ "the conflicts involving that user's changes.",
				"Prints one line per conflict: seq (the incoming change's), type, entity, strategy, the incoming and "
						+ "the head change ids, and the winner; then how to read on when more follow. With --json, "
						+ "prints the page: {conflicts, count, timestamp, cursor}." },
		footer = { "", "Exit codes: 0 listed, 1 the node is unreachable, refused the token or the request, "
				+ "2 bad arguments." })
final class ConflictsCommand extends ApiCommand {

	/** The largest page the node serves. */
	static final int MAX_LIMIT = 1000;

	@Option(names = "--type", paramLabel = "TYPE", description = "Only conflicts of this entity type. Default: "
			+ "every type.")
	String type;

	@Option(names = "--limit", paramLabel = "N", description = "Most conflicts to list, 1 to 1000. Default: "
			+ "${DEFAULT-VALUE}.", defaultValue = "100")
	int limit;

	@Option(names = "--cursor", paramLabel = "SEQ", description = "List the conflicts after this seq (the cursor a "
			+ "previous listing printed). Default: from the first.")
	Long cursor;

	@Option(names = "--json", description = "Print the node's answer as JSON.")
	boolean json;

	@Override
	public Integer call() {
		requireLimit(limit);
		if (cursor != null && cursor < 0) {
			throw new ParameterException(spec.commandLine(), "--cursor must be 0 or more, was " + cursor);
		}
		if (type != null && type.isEmpty()) {
			throw new ParameterException(spec.commandLine(), "--type must not be empty");
		}
		StringBuilder path = new StringBuilder("/api/conflicts?limit=").append(limit);
		if (type != null) {
			path.append("&type=").append(URLEncoder.encode(type, StandardCharsets.UTF_8));
		}
		if (cursor != null) {
			path.append("&cursor=").append(cursor);
		}
		return print(json, client(StatusCommand.TIMEOUT).get(path.toString()).block(), ConflictsCommand::lines);
	}

	static List<String> lines(JsonNode page) {
		return Format.listing(page, "conflicts", "conflict", "conflicts",
				new String[] { "seq", "type", "entity", "strategy", "incoming", "head", "winner" }, c -> {
					String winner = c.path("winner").asText("");
					return new String[] { c.path("seq").asText(), c.path("entityType").asText(),
							c.path("entityId").asText(), c.path("strategy").asText(),
							c.path("incoming").path("cid").asText(), c.path("head").path("cid").asText(),
							winner.equals(c.path("incoming").path("id").asText()) ? "incoming"
									: winner.equals(c.path("head").path("id").asText()) ? "head" : winner };
				});
	}
}
