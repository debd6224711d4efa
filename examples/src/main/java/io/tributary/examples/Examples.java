package io.tributary.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the examples share: their timeout, their data directory and waiting for a condition. */
final class Examples {

	/** How long any step of an example may take. */
	static final Duration TIMEOUT = Duration.ofSeconds(30);

	private Examples() {
	}

	/**
	 * The example's data directory: the first argument when given (kept afterwards), else a new temporary one.
	 *
	 * @throws IOException when a temporary directory cannot be made
	 */
	static Path dataDirectory(String[] args, String name) throws IOException {
		return args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory(name);
	}

	/** Removes a temporary data directory; keeps one the user named. */
	static void cleanUp(String[] args, Path data) throws IOException {
		if (args.length == 0) {
			delete(data);
		}
	}

	/**
	 * Removes a directory and everything in it.
	 *
	 * @throws IOException when something cannot be removed
	 */
	static void delete(Path root) throws IOException {
		if (!Files.exists(root)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(root)) {
			for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
				Files.delete(p);
			}
		}
	}

	/**
	 * Waits until a condition holds, checking it every 20 ms (each check a cold {@code Mono}, never blocking); for a
	 * program's main thread, never an event loop.
	 *
	 * @throws IllegalStateException naming {@code what} when it does not hold within {@link #TIMEOUT}
	 */
	static void await(String what, Supplier<Mono<Boolean>> condition) {
		Boolean met = Flux.interval(Duration.ZERO, Duration.ofMillis(20)).onBackpressureDrop()
				.concatMap(tick -> condition.get())
				.filter(Boolean::booleanValue)
				.next()
				.timeout(TIMEOUT, Mono.just(false))
				.block();
		if (!Boolean.TRUE.equals(met)) {
			throw new IllegalStateException("not within " + TIMEOUT.toSeconds() + " s: " + what);
		}
	}
}
