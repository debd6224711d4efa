package io.tributary.storage.postgres;

import io.tributary.spi.Storage;
import io.tributary.spi.StorageContract;

/**
 * The PostgreSQL store passes the shared storage contract, each test on a database of its own; reopening opens a new
 * pool on the same database.
 */
class PostgresStorageContractTest extends StorageContract {

	private String database;

	@Override
	protected Storage openFresh() {
		database = EmbeddedPostgresFixture.freshDatabase();
		return reopen();
	}

	@Override
	protected Storage reopen() {
		return EmbeddedPostgresFixture.storage(database).node("contract").open().block(TIMEOUT);
	}
}
