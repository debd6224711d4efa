package io.tributary.perf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.tributary.spi.Storage;
import io.tributary.storage.h2.Durability;

/**
 * The nodes of one run, closed together (newest first) on {@link #close()}, with later failures added to
 * the first as suppressed. Used from one thread.
 */
final class Nodes implements AutoCloseable {

	private final List<Node> open = new ArrayList<>();

	/**
	 * Opens a node and keeps it for closing; see {@link Node#open(Path, Durability, String)}.
	 *
	 * @param dir the store's directory
	 * @param durability what an acknowledged write survives
	 * @param origin the origin id on first start
	 * @return the open node
	 */
	Node open(Path dir, Durability durability, String origin) {
		Node node = Node.open(dir, durability, origin);
		open.add(node);
		return node;
	}

	/**
	 * Opens an engine on an open storage and keeps it for closing; see {@link Node#open(Storage, String)}.
	 *
	 * @param storage the open storage, closed with the engine
	 * @param origin the origin id on first start
	 * @return the open node
	 */
	Node open(Storage storage, String origin) {
		Node node = Node.open(storage, origin);
		open.add(node);
		return node;
	}

	@Override
	public void close() {
		RuntimeException failure = null;
		for (int i = open.size() - 1; i >= 0; i--) {
			try {
				open.get(i).close();
			}
			catch (RuntimeException e) {
				if (failure == null) {
					failure = e;
				}
				else {
					failure.addSuppressed(e);
				}
			}
		}
		open.clear();
		if (failure != null) {
			throw failure;
		}
	}
}
