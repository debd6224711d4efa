package io.tributary;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code person} schema the upcasting tests evolve: version 1 has {@code name}; version 2 splits it into
 * {@code first} and {@code last}; version 3 renames {@code last} to {@code family}.
 */
public final class PersonSchema {

	private PersonSchema() {
	}

	/**
	 * Version 1 to 2: splits {@code name} at its first space into {@code first} and {@code last}.
	 *
	 * @param doc a version-1 document
	 * @return the version-2 document
	 */
	public static ObjectNode splitName(ObjectNode doc) {
		if (doc.has("name")) {
			String[] parts = doc.remove("name").asText().split(" ", 2);
			doc.put("first", parts[0]);
			doc.put("last", parts.length > 1 ? parts[1] : "");
		}
		return doc;
	}

	/**
	 * Version 2 to 3: renames {@code last} to {@code family}.
	 *
	 * @param doc a version-2 document
	 * @return the version-3 document
	 */
	public static ObjectNode renameLast(ObjectNode doc) {
		if (doc.has("last")) {
			doc.set("family", doc.remove("last"));
		}
		return doc;
	}
}
