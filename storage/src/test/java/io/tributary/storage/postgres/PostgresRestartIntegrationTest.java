package io.tributary.storage.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.TributaryException;
import io.tributary.VersionVector;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import reactor.test.StepVerifier;

import static io.tributary.storage.postgres.PostgresHorizonTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL stopped and started again on the same data directory and port while a storage is open: while it is
 * down, operations fail within the acquire timeout with an error naming the database; once it is back, the same
 * storage works again by itself, with everything acknowledged before still there.
 */
class PostgresRestartIntegrationTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private EmbeddedPostgres server;
	private PostgresStorage storage;
	private Path data;

	@AfterEach
	void close() throws IOException {
		if (storage != null) {
			storage.close().block(TIMEOUT);
		}
		if (server != null) {
			server.close();
		}
		if (data != null) {
			try (java.util.stream.Stream<Path> files = Files.walk(data)) {
				for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
					Files.delete(p);
				}
			}
		}
	}

	@Test
	void storageFailsClearlyWhileTheDatabaseIsDownAndRecoversByItself() throws IOException {
		data = Files.createTempDirectory("tributary-pg-restart");
		server = EmbeddedPostgresFixture.start(data, 0);
		int port = server.getPort();
		String database = EmbeddedPostgresFixture.freshDatabase(server);
		storage = EmbeddedPostgresFixture.storage(server, database).node("n").poolSize(3)
				.connectTimeout(Duration.ofSeconds(2)).acquireTimeout(Duration.ofSeconds(5)).open().block(TIMEOUT);
		List<Event> before = storage.events().append(List.of(event("a", 1), event("a", 2))).block(TIMEOUT);
		// every pooled connection in use once, so that the pool holds several that the stop breaks
		assertEquals(before, storage.events().read(0, 10).collectList().block(TIMEOUT));

		server.close();
		server = null;

		long start = System.nanoTime();
		storage.events().append(List.of(event("a", 3))).as(StepVerifier::create)
				.expectErrorSatisfies(e -> {
					assertTrue(e instanceof TributaryException, "a typed error: " + e);
					assertTrue(e.getMessage().contains("is unavailable") && e.getMessage().contains(database), e.getMessage());
				})
				.verify(TIMEOUT);
		storage.events().read(0, 10).as(StepVerifier::create).expectError(TributaryException.class).verify(TIMEOUT);
		assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(30)) < 0,
				"operations fail within the timeouts, they do not hang");

		server = EmbeddedPostgresFixture.start(data, port);

		List<Event> after = storage.events().append(List.of(event("a", 3))).block(TIMEOUT);
		assertEquals(1, after.size(), "the same storage appends again once PostgreSQL is back");
		assertEquals(VersionVector.empty().with("a", 3), storage.events().vector().block(TIMEOUT));
		List<Event> log = storage.events().read(0, 10).collectList().block(TIMEOUT);
		assertEquals(before, log.subList(0, 2), "what was acknowledged before the restart is there");
		assertEquals(after, log.subList(2, 3));
	}
}
