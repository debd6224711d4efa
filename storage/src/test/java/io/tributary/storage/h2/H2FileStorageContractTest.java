package io.tributary.storage.h2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.tributary.spi.Storage;
import io.tributary.spi.StorageContract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

	/** H2 would hash every body it makes into a value for its cache of small values: the storage turns that off. */
	@Test
	void h2DoesNotCacheEventBodies() {
		H2Storage.builder();
		assertEquals("false", System.getProperty(H2Storage.OBJECT_CACHE));
		assertFalse(org.h2.engine.SysProperties.OBJECT_CACHE, "H2 read the property when it loaded");
	}
}
