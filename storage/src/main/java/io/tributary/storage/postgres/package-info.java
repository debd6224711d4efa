/**
 * Storage on PostgreSQL through r2dbc-postgresql and r2dbc-pool, for several nodes sharing one database:
 * {@link io.tributary.storage.postgres.PostgresStorage}; {@link io.tributary.storage.postgres.PostgresUri} reads the
 * libpq-style address a node is given.
 */
package io.tributary.storage.postgres;
