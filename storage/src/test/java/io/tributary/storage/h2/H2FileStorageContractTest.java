package io.tributary.storage.h2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.tributary.spi.Storage;
import io.tributary.spi.StorageContract;

/**
 * The H2 file store passes the shared storage contract; reopening opens the same files again.
 */
class H2FileStorageContractTest extends StorageContract {

	private Path dir;

	@Override
	protected Storage openFresh() {
		try {
			dir = Files.createTempDirectory("tributary-contract");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return H2Storage.builder().directory(dir).open().block(TIMEOUT);
	}

	@Override
	protected Storage reopen() {
		return H2Storage.builder().directory(dir).open().block(TIMEOUT);
	}
}
