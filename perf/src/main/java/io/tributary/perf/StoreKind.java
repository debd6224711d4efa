package io.tributary.perf;

/**
 * The store a scenario's engine runs on ({@code --store}).
 */
enum StoreKind {

	/** Its own H2 file under the run's data directory. */
	H2,

	/** The PostgreSQL store, on a fresh database of the run's server ({@link PostgresServer}). */
	POSTGRES
}
