package io.tributary.perf;

import java.util.Objects;

import io.tributary.storage.postgres.PostgresStorage;

/**
 * Opens the PostgreSQL store on a database of the run's server. Blocking: call it from the scenario's thread.
 */
final class PostgresStores {

	private PostgresStores() {
	}

	/**
	 * Opens a PostgreSQL store on a database, its schema made on first use.
	 *
	 * @param database where
	 * @param poolSize connections in its pool
	 * @param node the node's name among those sharing the database (the key of its origin and checkpoint)
	 * @return the open store
	 */
	static PostgresStorage open(PostgresServer.Target database, int poolSize, String node) {
		return open(database, poolSize, node, true);
	}

	/**
	 * Opens a PostgreSQL store on a database, its schema made on first use.
	 *
	 * @param database where
	 * @param poolSize connections in its pool
	 * @param node the node's name among those sharing the database (the key of its origin and checkpoint)
	 * @param notify whether it wakes the other nodes with {@code LISTEN}/{@code NOTIFY}; without, they poll alone
	 * @return the open store
	 */
	static PostgresStorage open(PostgresServer.Target database, int poolSize, String node, boolean notify) {
		PostgresStorage.Builder builder = PostgresStorage.builder().host(database.host()).port(database.port())
				.database(database.database()).user(database.user()).password(database.password()).poolSize(poolSize)
				.node(node).notifications(notify);
		return Objects.requireNonNull(builder.open().block(Node.TIMEOUT), "storage");
	}
}
