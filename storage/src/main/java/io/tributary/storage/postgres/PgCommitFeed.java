package io.tributary.storage.postgres;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import io.tributary.Event;
import io.tributary.spi.EventStore;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * The commit feed of a PostgreSQL store that several nodes share: what
 * {@link EventStore#committedByOthers()} returns there. It pages through the store's own position-ordered,
 * horizon-limited {@link EventStore#read(long, int)}, from the position it is given on, and emits each page as one
 * batch in position order. After a round has read everything below the horizon it waits for the next wake-up:
 * <ul>
 * <li>a payload-free {@code NOTIFY} on {@value #CHANNEL}, heard on a dedicated {@code LISTEN} connection (when
 * notifications are on): the appending nodes send one after their commits, at most once per throttle interval
 * ({@link #committed()});</li>
 * <li>the poll interval, which alone is correct: a wake-up only shortens the wait, the read decides what is
 * served, so a lost notification, a transaction that commits without one (a held-open one, a raw insert) or a
 * database without {@code LISTEN}/{@code NOTIFY} costs at most one poll interval of latency.</li>
 * </ul>
 * Why the notification is sent from its own connection after the commit rather than inside the append's
 * transaction: PostgreSQL takes one database-wide lock at the commit of every transaction that notified, so a
 * {@code NOTIFY} in the append would serialize the commits of every node; sent apart and throttled, only the
 * notifications queue behind each other, at most one per node per throttle interval.
 * <p>
 * Backpressure: the feed reads at most one page ahead of what was taken downstream (the next page's read starts
 * when the previous one was emitted); wake-ups that come while a round runs are folded into one more round. Errors
 * of a read, of the {@code LISTEN} connection or of a notification are logged and retried with exponential backoff
 * (50 milliseconds up to five seconds): the feed reconnects by itself and never spins, and it never ends with an
 * error.
 */
final class PgCommitFeed {

	/** The channel of the payload-free commit notifications. */
	static final String CHANNEL = "tributary_commits";

	/** The default poll interval: the wait after a round when no notification comes. */
	static final Duration DEFAULT_POLL = Duration.ofMillis(500);

	/** The default notification throttle: the shortest time between two notifications of one node. */
	static final Duration DEFAULT_NOTIFY_THROTTLE = Duration.ofMillis(5);

	/** The default page size of the feed's reads. */
	static final int DEFAULT_PAGE = 1_000;

	private static final Logger log = Loggers.getLogger(PgCommitFeed.class);
	private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
	private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
	private static final Object WAKE = new Object();

	private final EventStore store;
	private final ConnectionFactory listenConnections;
	private final ConnectionFactory connections;
	private final boolean notifications;
	private final Duration poll;
	private final int page;
	private final Scheduler timer;
	private final Sinks.Many<Object> commits = Sinks.many().multicast().directBestEffort();
	private final Disposable notifier;

	/**
	 * A feed; starts its notifier (when notifications are on) but reads nothing until {@link #feed(Mono)} is
	 * subscribed.
	 *
	 * @param store the store whose {@link EventStore#read(long, int)} the feed pages through (horizon-limited)
	 * @param listenConnections where the {@code LISTEN} connection comes from: a factory of plain connections, not
	 *        a pool's (the connection listens for as long as the feed runs and is closed, not given back, after)
	 * @param connections where the notifications' connections come from (the store's pool)
	 * @param notifications whether to send and hear {@code NOTIFY}; off for databases without it
	 * @param poll the wait after a round when no notification comes, positive
	 * @param notifyThrottle the shortest time between two notifications sent by {@link #committed()}, not negative
	 * @param page the most events read and emitted at once, at least 1
	 * @param timer where the polls and the throttle wait
	 */
	PgCommitFeed(EventStore store, ConnectionFactory listenConnections, ConnectionFactory connections, boolean notifications, Duration poll,
			Duration notifyThrottle, int page, Scheduler timer) {
		this.store = Objects.requireNonNull(store, "store");
		this.listenConnections = Objects.requireNonNull(listenConnections, "listenConnections");
		this.connections = Objects.requireNonNull(connections, "connections");
		this.notifications = notifications;
		this.poll = positive("poll", poll);
		this.page = page;
		this.timer = Objects.requireNonNull(timer, "timer");
		if (page < 1) {
			throw new IllegalArgumentException("page must be at least 1, was " + page);
		}
		if (notifyThrottle.isNegative()) {
			throw new IllegalArgumentException("notify throttle must not be negative, was " + notifyThrottle);
		}
		this.notifier = notifications ? commits.asFlux().onBackpressureLatest()
				.concatMap(c -> sendNotification().then(Mono.delay(notifyThrottle, timer)), 1)
				.subscribe(null, e -> log.error("commit notifier ended", e)) : null;
	}

	/**
	 * The events committed to the store after {@code start}, as batches in position order, each at most a page.
	 * Cold: each subscription runs its own rounds from {@code start} (read when subscribed) and holds its own
	 * {@code LISTEN} connection; the store shares one subscription among its readers. Emits on the driver's or the
	 * timer's threads; never completes and never errors (failures are retried); cancelling stops the rounds and
	 * closes the {@code LISTEN} connection.
	 *
	 * @param start the position after which the feed begins (retried with backoff should it fail)
	 * @return the batches
	 */
	Flux<List<Event>> feed(Mono<Long> start) {
		return start.retryWhen(backoff("reading the feed's start")).flatMapMany(from -> {
			AtomicLong after = new AtomicLong(from);
			return wakeups().onBackpressureLatest()
					.concatMap(w -> round(after).retryWhen(backoff("reading the commit feed")), 1);
		});
	}

	/**
	 * Tells the other nodes that this one committed: sends one {@code NOTIFY} on {@value #CHANNEL} now, or at the
	 * end of the throttle interval when one went out less than an interval ago (commits in between share it).
	 * Returns at once; call it after an append's transaction committed. Does nothing when notifications are off.
	 */
	void committed() {
		if (!notifications) {
			return;
		}
		Sinks.EmitResult r = commits.tryEmitNext(WAKE);
		// FAIL_NON_SERIALIZED: another commit is being signalled right now; the notification it causes goes out
		// after this commit too. FAIL_ZERO_SUBSCRIBER / FAIL_TERMINATED: the feed is closed.
		if (r.isFailure() && r != Sinks.EmitResult.FAIL_NON_SERIALIZED && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER
				&& r != Sinks.EmitResult.FAIL_TERMINATED) {
			throw new IllegalStateException("commit signal not taken: " + r);
		}
	}

	/** Stops the notifier; the feeds end when their subscribers cancel them. */
	void close() {
		if (notifier != null) {
			notifier.dispose();
		}
	}

	/** One round: the pages after the cursor up to the horizon, each read once the previous one was taken. */
	private Flux<List<Event>> round(AtomicLong after) {
		// the cursor is taken when the next page is asked for, after the previous page moved it; concatMap
		// without prefetch asks for it once the previous page was emitted (one page ahead at most)
		return Flux.<Long>generate(sink -> sink.next(after.get())).concatMap(this::read, 0)
				.takeUntil(p -> p.size() < page).filter(p -> !p.isEmpty())
				.doOnNext(p -> after.set(p.get(p.size() - 1).position()));
	}

	private Mono<List<Event>> read(long from) {
		return store.read(from, page).collectList();
	}

	/** The first round at once, then one per poll and per notification heard. */
	private Flux<Object> wakeups() {
		Flux<Object> polls = Flux.interval(poll, poll, timer).onBackpressureDrop().map(t -> WAKE);
		return notifications ? Flux.merge(Flux.just(WAKE), polls, listen()) : Flux.concat(Flux.just(WAKE), polls);
	}

	/**
	 * The notifications on {@value #CHANNEL}, one wake-up each, and one more whenever {@code LISTEN} starts
	 * (notifications sent while it was not connected are lost). Reconnects with backoff when the connection fails
	 * or ends.
	 */
	private Flux<Object> listen() {
		return Flux.usingWhen(listenConnections.create(), c -> {
			PostgresqlConnection pg = unwrap(c);
			return Flux.from(pg.createStatement("LISTEN " + CHANNEL).execute()).flatMap(Result::getRowsUpdated)
					.thenMany(Flux.concat(Flux.just(WAKE), pg.getNotifications().map(n -> WAKE)));
		}, Connection::close)
				.concatWith(Flux.error(() -> new IllegalStateException("the LISTEN connection ended")))
				.retryWhen(backoff("listening for commit notifications"));
	}

	private Mono<Void> sendNotification() {
		return Mono.usingWhen(connections.create(),
				c -> Flux.from(c.createStatement("SELECT pg_notify('" + CHANNEL + "', '')").execute())
						.flatMap(r -> r.map((row, meta) -> 1)).then(),
				Connection::close)
				.onErrorResume(e -> {
					// the others still poll; the next commit notifies again
					log.warn("commit notification not sent: {}", e.toString());
					return Mono.empty();
				});
	}

	private RetryBackoffSpec backoff(String what) {
		return Retry.backoff(Long.MAX_VALUE, MIN_BACKOFF).maxBackoff(MAX_BACKOFF).transientErrors(true)
				.scheduler(timer).doBeforeRetry(s -> log.warn("{} failed, retrying: {}", what, s.failure().toString()));
	}

	private static PostgresqlConnection unwrap(Connection c) {
		Object inner = c;
		while (!(inner instanceof PostgresqlConnection) && inner instanceof Wrapped<?> w) {
			inner = w.unwrap();
		}
		if (inner instanceof PostgresqlConnection pg) {
			return pg;
		}
		throw new IllegalArgumentException("LISTEN needs a PostgreSQL connection, got " + c.getClass().getName());
	}

	private static Duration positive(String name, Duration d) {
		if (d == null || d.isZero() || d.isNegative()) {
			throw new IllegalArgumentException(name + " must be positive, was " + d);
		}
		return d;
	}
}
