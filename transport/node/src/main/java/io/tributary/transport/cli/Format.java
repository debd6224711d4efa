package io.tributary.transport.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/** Text for people: pretty JSON, vectors on one line, aligned columns. */
final class Format {

	private Format() {
	}

	static String pretty(JsonNode json) {
		try {
			return NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
		}
		catch (JsonProcessingException e) {
			throw new IllegalStateException(e);
		}
	}

	/** {@code a=12 b=3}, or {@code (empty)}. */
	static String vector(JsonNode vector) {
		if (vector == null || !vector.isObject() || vector.isEmpty()) {
			return "(empty)";
		}
		StringBuilder sb = new StringBuilder();
		for (Map.Entry<String, JsonNode> e : vector.properties()) {
			sb.append(sb.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(e.getValue().asText());
		}
		return sb.toString();
	}

	/**
	 * Rows in columns two spaces apart; columns from {@code firstNumeric} on are right-aligned.
	 *
	 * @param rows the rows, the first a header if there is one
	 * @param firstNumeric the first right-aligned column
	 * @param indent spaces before each row
	 * @return the lines
	 */
	static List<String> table(List<String[]> rows, int firstNumeric, String indent) {
		int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
		int[] width = new int[columns];
		for (String[] row : rows) {
			for (int i = 0; i < row.length; i++) {
				width[i] = Math.max(width[i], row[i].length());
			}
		}
		List<String> lines = new ArrayList<>(rows.size());
		for (String[] row : rows) {
			StringBuilder sb = new StringBuilder(indent);
			for (int i = 0; i < row.length; i++) {
				String cell = row[i];
				String pad = " ".repeat(width[i] - cell.length());
				if (i > 0) {
					sb.append("  ");
				}
				sb.append(i >= firstNumeric ? pad + cell : i == row.length - 1 ? cell : cell + pad);
			}
			lines.add(sb.toString());
		}
		return lines;
	}

	/**
	 * A page of a listing: its items in a table under a header, then how many and, when more follow, the cursor to
	 * read on from; for an empty page the one line {@code no <many>}.
	 *
	 * @param page the node's page, its cursor in {@code cursor} when more follow
	 * @param field the page's field holding the items
	 * @param one what one item is called
	 * @param many what more items are called
	 * @param header the table's header
	 * @param row an item's cells
	 * @return the lines
	 */
	static List<String> listing(JsonNode page, String field, String one, String many, String[] header,
			Function<JsonNode, String[]> row) {
		List<String> lines = new ArrayList<>();
		JsonNode items = page.path(field);
		if (items.isEmpty()) {
			lines.add("no " + many);
			return lines;
		}
		List<String[]> rows = new ArrayList<>();
		rows.add(header);
		for (JsonNode item : items) {
			rows.add(row.apply(item));
		}
		lines.addAll(table(rows, Integer.MAX_VALUE, ""));
		int count = items.size();
		lines.add("");
		lines.add(count + " " + (count == 1 ? one : many) + (page.has("cursor")
				? "; more follow: --cursor " + page.path("cursor").asText() : ""));
		return lines;
	}
}
