package io.tributary.transport.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The data directory of a node whose data lives in a database shared with other nodes: it holds the node's id (file
 * {@value #ID_FILE}), which names the node's origin in the database and survives restarts, and a lock (file
 * {@value #LOCK_FILE}) that keeps a second process from starting with the same id. Blocking file I/O: call it off
 * event loops.
 */
final class NodeDirectory implements AutoCloseable {

	/** The file of the node's id. */
	static final String ID_FILE = "node-id";

	/** The lock file. */
	static final String LOCK_FILE = "node.lock";

	private final String id;
	private final FileChannel lockChannel;
	private final FileLock lock;

	private NodeDirectory(String id, FileChannel lockChannel, FileLock lock) {
		this.id = id;
		this.lockChannel = lockChannel;
		this.lock = lock;
	}

	/**
	 * Locks the directory (creating it when missing) and reads the node's id, storing {@code candidate} (or a new
	 * UUID) on first start.
	 *
	 * @param dir the directory
	 * @param candidate the id for a first start, {@code null} for a new UUID
	 * @return the claimed directory; close it to release the lock
	 * @throws IllegalStateException when another process holds the directory
	 * @throws UncheckedIOException when the directory or its files cannot be used
	 */
	static NodeDirectory claim(Path dir, String candidate) {
		FileChannel channel = null;
		try {
			Files.createDirectories(dir);
			channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (OverlappingFileLockException e) {
				// this JVM holds it already
				lock = null;
			}
			if (lock == null) {
				throw new IllegalStateException("the data directory " + dir.toAbsolutePath()
						+ " is in use by another process (one node per directory)");
			}
			Path idFile = dir.resolve(ID_FILE);
			String id;
			if (Files.exists(idFile)) {
				id = Files.readString(idFile, StandardCharsets.UTF_8).strip();
				if (id.isEmpty()) {
					throw new IllegalStateException(idFile.toAbsolutePath() + " is empty; it should hold the node's id");
				}
			}
			else {
				id = candidate != null ? candidate : UUID.randomUUID().toString();
				Path tmp = dir.resolve(ID_FILE + ".tmp");
				Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
				try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
					c.force(true);
				}
				try {
					Files.move(tmp, idFile, StandardCopyOption.ATOMIC_MOVE);
				}
				catch (AtomicMoveNotSupportedException e) {
					Files.move(tmp, idFile, StandardCopyOption.REPLACE_EXISTING);
				}
			}
			return new NodeDirectory(id, channel, lock);
		}
		catch (IOException e) {
			closeQuietly(channel, e);
			throw new UncheckedIOException("cannot use the data directory " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
		}
		catch (RuntimeException e) {
			closeQuietly(channel, e);
			throw e;
		}
	}

	/**
	 * The node's id.
	 *
	 * @return the id
	 */
	String id() {
		return id;
	}

	/** Releases the lock. */
	@Override
	public void close() {
		try {
			lock.release();
			lockChannel.close();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static void closeQuietly(FileChannel channel, Exception cause) {
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException e) {
				cause.addSuppressed(e);
			}
		}
	}
}
