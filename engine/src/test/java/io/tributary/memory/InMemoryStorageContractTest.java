package io.tributary.memory;

import io.tributary.spi.Storage;
import io.tributary.spi.StorageContract;

/**
 * {@link InMemoryStorage} against the storage contract. A reopen is the same instance: it keeps its data
 * across {@code close()}, which is how engine tests simulate a restart.
 */
class InMemoryStorageContractTest extends StorageContract {

	private InMemoryStorage current;

	@Override
	protected Storage openFresh() {
		current = new InMemoryStorage();
		return current;
	}

	@Override
	protected Storage reopen() {
		return current;
	}
}
