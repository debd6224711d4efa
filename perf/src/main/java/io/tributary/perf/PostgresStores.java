package io.tributary.perf;

import io.tributary.spi.Storage;

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
	 * @return the open store
	 */
	@SuppressWarnings("DoNotCallSuggester")
	static Storage open(PostgresServer.Target database, int poolSize) {
		throw new UnsupportedOperationException("the PostgreSQL store is not in this build: " + database + ", pool "
				+ poolSize);
	}
}
