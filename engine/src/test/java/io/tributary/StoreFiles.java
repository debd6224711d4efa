package io.tributary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.tributary.internal.Bytes;

/**
 * Reads every byte of every file under a store's directory, to prove what is, and is not, in them. Shared by
 * the storage and transport tests through the engine's test jar.
 */
public final class StoreFiles {

	private StoreFiles() {
	}

	/**
	 * The markers found in any file under a directory, looked for as UTF-8 and as UTF-16 (both byte orders),
	 * the encodings a database may use for text.
	 *
	 * @param dir the directory, searched recursively
	 * @param markers the strings to look for
	 * @return the markers found, each with the file it was found in
	 */
	public static List<String> find(Path dir, Iterable<String> markers) {
		List<String> found = new ArrayList<>();
		try (Stream<Path> files = Files.walk(dir)) {
			for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
				byte[] bytes = Files.readAllBytes(file);
				for (String marker : markers) {
					for (byte[] needle : encodings(marker)) {
						if (Bytes.indexOf(bytes, needle) >= 0) {
							found.add(marker + " in " + file.getFileName());
							break;
						}
					}
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return found;
	}

	/**
	 * The names and sizes of the files under a directory, for messages.
	 *
	 * @param dir the directory
	 * @return one line per file
	 */
	public static List<String> list(Path dir) {
		try (Stream<Path> files = Files.walk(dir)) {
			List<String> out = new ArrayList<>();
			for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
				out.add(dir.relativize(f) + " " + Files.size(f) + " bytes");
			}
			return out;
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static Set<byte[]> encodings(String s) {
		Set<byte[]> out = new LinkedHashSet<>();
		out.add(s.getBytes(StandardCharsets.UTF_8));
		out.add(s.getBytes(StandardCharsets.UTF_16BE));
		out.add(s.getBytes(StandardCharsets.UTF_16LE));
		return out;
	}
}
