package io.tributary.storage.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.ConnectionFactory;
import io.tributary.Event;
import io.tributary.TestEvents;
import io.tributary.VersionVector;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.EventStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The commit feed against a real PostgreSQL for its wake-ups ({@code LISTEN}/{@code NOTIFY}), over a store whose
 * reads it pages through.
 */
class PgCommitFeedIntegrationTest {

	private static final Duration LONG = Duration.ofHours(1);

	private static ConnectionFactory connections;

	private final List<PgCommitFeed> feeds = new ArrayList<>();
	private final InMemoryStorage storage = new InMemoryStorage();

	@BeforeAll
	static void start() {
		connections = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder().host("localhost")
				.port(EmbeddedPostgresFixture.server().getPort()).username(EmbeddedPostgresFixture.USER)
				.database(EmbeddedPostgresFixture.freshDatabase()).build());
	}

	@AfterEach
	void closeFeeds() {
		feeds.forEach(PgCommitFeed::close);
	}

	private PgCommitFeed feed(EventStore store, boolean notify, Duration poll, int page) {
		PgCommitFeed f = new PgCommitFeed(store, connections, connections, notify, poll, Duration.ofMillis(5), page,
				Schedulers.parallel());
		feeds.add(f);
		return f;
	}

	private void append(String origin, int from, int count) {
		List<Event> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			batch.add(TestEvents.put(origin, from + i, 1_000 + from + i, "e" + (from + i), "{\"n\":" + (from + i) + "}"));
		}
		storage.events().append(batch).block(TestEvents.TIMEOUT);
	}

	@Test
	void notificationFromAnotherNodeWakesTheFeedLongBeforeItsPoll() {
		append("a", 1, 3);
		PgCommitFeed reader = feed(storage.events(), true, LONG, 100);
		PgCommitFeed writer = feed(storage.events(), true, LONG, 100);
		StepVerifier.create(reader.feed(Mono.just(1L)))
				.assertNext(b -> assertEquals(List.of(2L, 3L), positions(b)))
				// once LISTEN runs, with an hour's poll, only a notification can wake the feed
				.then(() -> awaitListener(List.of()))
				.then(() -> {
					append("a", 4, 2);
					writer.committed();
				})
				.assertNext(b -> assertEquals(List.of(4L, 5L), positions(b)))
				.thenCancel().verify(TestEvents.TIMEOUT);
	}

	@Test
	void withoutNotificationsThePollAloneDeliversEveryCommitOnceInOrder() {
		PgCommitFeed reader = feed(storage.events(), false, Duration.ofMillis(20), 7);
		List<Long> seen = new ArrayList<>();
		StepVerifier.create(reader.feed(Mono.just(0L)).flatMapIterable(b -> b))
				.then(() -> {
					for (int i = 0; i < 10; i++) {
						append("a", 1 + 10 * i, 10);
					}
				})
				.thenConsumeWhile(e -> {
					seen.add(e.position());
					return seen.size() < 100;
				})
				.thenCancel().verify(TestEvents.TIMEOUT);
		List<Long> expected = new ArrayList<>();
		for (long p = 1; p <= 100; p++) {
			expected.add(p);
		}
		assertEquals(expected, seen);
	}

	@Test
	void aSlowSubscriberIsReadAtMostOnePageAhead() {
		append("a", 1, 50);
		AtomicInteger reads = new AtomicInteger();
		EventStore counting = new ReadCounting(storage.events(), reads);
		PgCommitFeed reader = feed(counting, false, LONG, 10);
		StepVerifier.create(reader.feed(Mono.just(0L)), 1)
				.assertNext(b -> assertEquals(10, b.size()))
				.then(() -> assertTrue(reads.get() <= 2, "pages read while one was requested: " + reads.get()))
				.thenRequest(2)
				.expectNextCount(2)
				.then(() -> assertTrue(reads.get() <= 4, "pages read while three were requested: " + reads.get()))
				.thenCancel().verify(TestEvents.TIMEOUT);
	}

	@Test
	void listenReconnectsAfterItsConnectionIsKilled() {
		PgCommitFeed reader = feed(storage.events(), true, LONG, 100);
		PgCommitFeed writer = feed(storage.events(), true, LONG, 100);
		List<Integer> killed = new ArrayList<>();
		StepVerifier.create(reader.feed(Mono.just(0L)))
				.then(() -> awaitListener(List.of()))
				.then(() -> {
					append("a", 1, 1);
					writer.committed();
				})
				.assertNext(b -> assertEquals(List.of(1L), positions(b)))
				.then(() -> {
					killed.addAll(terminateListeners());
					assertEquals(1, killed.size(), "LISTEN backends terminated");
				})
				// reconnecting runs one round at once; after it, a notification must be heard again
				.then(() -> awaitListener(killed))
				.then(() -> {
					append("a", 2, 1);
					writer.committed();
				})
				.assertNext(b -> assertEquals(List.of(2L), positions(b)))
				.thenCancel().verify(TestEvents.TIMEOUT);
	}

	@Test
	void aFailingReadIsRetriedAndTheFeedGoesOn() {
		append("a", 1, 3);
		AtomicInteger failures = new AtomicInteger(2);
		EventStore flaky = new ReadCounting(storage.events(), new AtomicInteger()) {
			@Override
			public Flux<Event> read(long afterPosition, int limit) {
				return failures.getAndDecrement() > 0 ? Flux.error(new IllegalStateException("connection reset"))
						: super.read(afterPosition, limit);
			}
		};
		PgCommitFeed reader = feed(flaky, false, LONG, 100);
		StepVerifier.create(reader.feed(Mono.just(0L)))
				.assertNext(b -> assertEquals(List.of(1L, 2L, 3L), positions(b)))
				.thenCancel().verify(TestEvents.TIMEOUT);
		assertTrue(failures.get() < 0);
	}

	private static List<Long> positions(List<Event> batch) {
		return batch.stream().map(Event::position).toList();
	}

	private static List<Integer> terminateListeners() {
		return Mono.usingWhen(connections.create(),
				c -> Flux.from(c.createStatement("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
						+ "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()").execute())
						.flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).collectList(),
				c -> c.close()).block(TestEvents.TIMEOUT);
	}

	/** Waits until a backend other than the given ones has run {@code LISTEN} and idles. */
	private static void awaitListener(List<Integer> except) {
		Flux.interval(Duration.ZERO, Duration.ofMillis(20)).onBackpressureDrop().concatMap(t -> Mono.usingWhen(connections.create(),
				c -> Flux.from(c.createStatement("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
						+ "AND state = 'idle' AND pid <> pg_backend_pid()").execute())
						.flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).collectList(),
				c -> c.close()))
				.filter(pids -> pids.stream().anyMatch(p -> !except.contains(p))).next()
				.block(TestEvents.TIMEOUT);
	}

	/** A store that counts its reads. */
	private static class ReadCounting implements EventStore {
		private final EventStore inner;
		private final AtomicInteger reads;

		ReadCounting(EventStore inner, AtomicInteger reads) {
			this.inner = inner;
			this.reads = reads;
		}

		@Override
		public Mono<List<Event>> append(List<Event> events) {
			return inner.append(events);
		}

		@Override
		public Flux<Event> read(long afterPosition, int limit) {
			return inner.read(afterPosition, limit).doOnSubscribe(s -> reads.incrementAndGet());
		}

		@Override
		public Flux<Event> readLacking(VersionVector have, int limit) {
			return inner.readLacking(have, limit);
		}

		@Override
		public Mono<VersionVector> vector() {
			return inner.vector();
		}

		@Override
		public Mono<Long> lastPosition() {
			return inner.lastPosition();
		}
	}
}
