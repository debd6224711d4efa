package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh data directory for one run, removed on {@link #close()} unless it is to be kept.
 */
final class DataDirectory implements AutoCloseable {

	private final Path path;
	private final boolean keep;

	private DataDirectory(Path path, boolean keep) {
		this.path = path;
		this.keep = keep;
	}

	/**
	 * Makes {@code <parent>/tributary-perf-<random>} and says where on the error writer.
	 *
	 * @param parent where to make it; {@code null} for the system's temporary directory
	 * @param keep keep it on close
	 * @param scenario the scenario's name, for the message
	 * @param err where the message goes
	 * @return the directory
	 * @throws IOException when it cannot be made
	 */
	static DataDirectory create(Path parent, boolean keep, String scenario, PrintWriter err) throws IOException {
		Path p = parent == null ? Path.of(System.getProperty("java.io.tmpdir")) : parent;
		Files.createDirectories(p);
		Path dir = Files.createTempDirectory(p.toAbsolutePath(), "tributary-perf-");
		err.println("[" + scenario + "] data in " + dir + (keep ? " (kept)" : " (removed afterwards)"));
		err.flush();
		return new DataDirectory(dir, keep);
	}

	Path path() {
		return path;
	}

	Path resolve(String name) {
		return path.resolve(name);
	}

	/** Bytes of the regular files under a directory. */
	static long sizeOf(Path dir) {
		return sizeOf(dir, "");
	}

	/** Bytes of the regular files under a directory whose names start with a prefix. */
	static long sizeOf(Path dir, String prefix) {
		try (Stream<Path> files = Files.walk(dir)) {
			return files.filter(Files::isRegularFile)
					.filter(p -> p.getFileName().toString().startsWith(prefix))
					.mapToLong(p -> {
						try {
							return Files.size(p);
						}
						catch (IOException e) {
							throw new UncheckedIOException(e);
						}
					})
					.sum();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Removes the directory and everything in it, unless it is kept. */
	@Override
	public void close() throws IOException {
		if (keep || !Files.exists(path)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(path)) {
			for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
				Files.delete(p);
			}
		}
	}
}
