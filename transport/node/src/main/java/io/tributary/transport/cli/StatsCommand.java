package io.tributary.transport.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stats}: a running node's event counts by type and operation, from {@code GET /api/stats}.
 */
@Command(name = "stats", sortOptions = false, mixinStandardHelpOptions = true,
		versionProvider = NodeCli.Version.class,
		description = { "Shows a running node's event counts by entity type and operation, as a table.",
				"With --json, prints GET /api/stats as it is: types, totalEvents, countedPosition, vector, "
						+ "lastPosition and peers." },
		footer = { "", "Exit codes: 0 the node answered, 1 it is unreachable or refused the token, 2 bad arguments." })
final class StatsCommand extends ApiCommand {

	private static final String[] OPERATIONS = { "create", "update", "patch", "delete" };

	@Option(names = "--json", description = "Print the node's answer as JSON.")
	boolean json;

	@Override
	public Integer call() {
		return print(json, client(StatusCommand.TIMEOUT).get("/api/stats").block(), StatsCommand::lines);
	}

	static List<String> lines(JsonNode stats) {
		List<String[]> rows = new ArrayList<>();
		rows.add(new String[] { "type", "create", "update", "patch", "delete", "total" });
		long[] sums = new long[OPERATIONS.length + 1];
		for (Map.Entry<String, JsonNode> type : stats.path("types").properties()) {
			String[] row = new String[OPERATIONS.length + 2];
			row[0] = type.getKey();
			long total = 0;
			for (int i = 0; i < OPERATIONS.length; i++) {
				long n = type.getValue().path(OPERATIONS[i]).asLong();
				row[i + 1] = Long.toString(n);
				sums[i] += n;
				total += n;
			}
			row[OPERATIONS.length + 1] = Long.toString(total);
			sums[OPERATIONS.length] += total;
			rows.add(row);
		}
		String[] totals = new String[OPERATIONS.length + 2];
		totals[0] = "all types";
		for (int i = 0; i < sums.length; i++) {
			totals[i + 1] = Long.toString(sums[i]);
		}
		rows.add(totals);
		List<String> lines = new ArrayList<>(Format.table(rows, 1, ""));
		lines.add("");
		lines.add("total events " + stats.path("totalEvents").asLong() + ", counted up to position "
				+ stats.path("countedPosition").asLong() + " of " + stats.path("lastPosition").asLong());
		lines.add("vector " + Format.vector(stats.path("vector")));
		return lines;
	}
}
