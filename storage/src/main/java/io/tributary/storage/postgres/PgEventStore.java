package io.tributary.storage.postgres;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.tributary.Event;
import io.tributary.TributaryException;
import io.tributary.VersionVector;
import io.tributary.spi.EventCodec;
import io.tributary.spi.EventStore;
import io.tributary.spi.Fills;
import io.tributary.spi.SequenceGapException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The event log on PostgreSQL, shared by every node on the database. See {@code docs/STORAGE.md} and
 * {@code docs/SCALING.md}.
 * <p>
 * An append runs in one transaction: it makes sure each origin of the batch has its vector row, locks those rows
 * (in origin order, so that two appends never wait for each other in a circle), checks the batch against the
 * sequences they hold, and inserts every accepted event in one statement that also advances the rows. Appends of
 * one origin through several nodes therefore run one after the other; an event two nodes relay is stored once and
 * skipped by the second. Positions are {@code (transaction id << 20) + ordinal}; position-ordered reads stop below
 * the visibility horizon, {@code pg_snapshot_xmin(pg_current_snapshot()) << 20}, computed in the reading statement.
 */
final class PgEventStore implements EventStore {

	/** Bits of a position below the transaction id: the most events one transaction can append is 2^20 - 1. */
	static final int ORDINAL_BITS = 20;
	static final int MAX_BATCH = (1 << ORDINAL_BITS) - 1;
	/** Rows fetched by one read statement. */
	private static final int READ_PAGE = 4096;

	/** The horizon: every position below it belongs to a transaction that has ended. */
	static final String HORIZON = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << " + ORDINAL_BITS + ")";

	private static final String ENSURE_ORIGINS = "INSERT INTO tributary_vector (origin, seq) "
			+ "SELECT o, 0 FROM unnest($1::text[]) AS o ORDER BY o ON CONFLICT (origin) DO NOTHING";
	/** Locks the batch's vector rows and reads their sequences, and the transaction's id, which positions are made of. */
	private static final String LOCK_ORIGINS = "SELECT origin, seq, pg_current_xact_id()::text::bigint "
			+ "FROM tributary_vector WHERE origin = ANY($1::text[]) ORDER BY origin FOR UPDATE";
	/** Inserts the accepted events at the positions the append computed and advances the vector rows, in one statement. */
	private static final String INSERT_EVENTS = "WITH adv AS (UPDATE tributary_vector v SET seq = n.seq "
			+ "FROM unnest($6::text[], $7::bigint[]) AS n(origin, seq) WHERE v.origin = n.origin) "
			+ "INSERT INTO tributary_event (position, origin, origin_seq, user_id, body) "
			+ "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bytea[])";
	private static final String INSERT_IDS = "INSERT INTO tributary_event_id (id, position) "
			+ "SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT (id) DO NOTHING";
	private static final String EVENT_BY_ID = "SELECT e.position, e.body FROM tributary_event_id i "
			+ "JOIN tributary_event e ON e.position = i.position WHERE i.id = $1";
	private static final String READ = "SELECT position, body FROM tributary_event WHERE position > $1 AND position < "
			+ HORIZON + " ORDER BY position LIMIT $2";
	private static final String READ_LACKING = "SELECT e.position, e.body FROM tributary_event e "
			+ "LEFT JOIN unnest($3::text[], $4::bigint[]) AS h(origin, seq) ON h.origin = e.origin "
			+ "WHERE e.position > $1 AND e.position < " + HORIZON + " AND e.origin_seq > COALESCE(h.seq, 0) "
			+ "ORDER BY e.position LIMIT $2";
	/** Where the first event a vector lacks lies: per lacking origin, the position of the sequence after it. */
	private static final String LACKING_START = "SELECT MIN(e.position) FROM unnest($1::text[], $2::bigint[]) AS m(origin, seq) "
			+ "JOIN tributary_event e ON e.origin = m.origin AND e.origin_seq = m.seq";
	private static final String HELD_AT = "SELECT e.position, e.body FROM unnest($1::text[], $2::bigint[]) AS a(origin, seq) "
			+ "JOIN tributary_event e ON e.origin = a.origin AND e.origin_seq = a.seq";
	private static final String REPLACE = "UPDATE tributary_event e SET body = r.body, user_id = r.uid "
			+ "FROM unnest($1::bigint[], $2::bytea[], $3::text[]) AS r(position, body, uid) WHERE e.position = r.position";

	private final PgExecutor executor;
	/** The commit feed: told of every commit, and what {@link #committedByOthers()} serves; set once at open. */
	private volatile PgCommitFeed feed;
	private volatile Flux<List<Event>> committed = Flux.never();
	/** Origins known to have a vector row (rows are never deleted): their appends skip creating it. */
	private final Set<String> knownOrigins = ConcurrentHashMap.newKeySet();

	PgEventStore(PgExecutor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<List<Event>> append(List<Event> events) {
		return append(events, Set.of());
	}

	@Override
	public Mono<List<Event>> append(List<Event> events, Set<UUID> keptIds) {
		if (events.isEmpty()) {
			return Mono.just(List.of());
		}
		if (events.size() > MAX_BATCH) {
			return Mono.error(new IllegalArgumentException("at most " + MAX_BATCH + " events in one append: "
					+ events.size()));
		}
		return Mono.defer(() -> {
			// the bodies are encoded here, on the caller's thread, before a connection is taken
			TreeSet<String> sorted = new TreeSet<>();
			byte[][] bodies = new byte[events.size()][];
			for (int i = 0; i < bodies.length; i++) {
				Event e = events.get(i);
				sorted.add(e.origin());
				bodies[i] = EventCodec.encode(e);
			}
			String[] origins = sorted.toArray(new String[0]);
			boolean known = knownOrigins.containsAll(sorted);
			return executor.inTransaction(c -> (known ? Mono.<Long>empty() : PgSql.update(c, ENSURE_ORIGINS, (Object) origins))
					.then(PgSql.query(c, LOCK_ORIGINS, row -> new Held(row.get(0, String.class), row.get(1, Long.class),
							row.get(2, Long.class)), (Object) origins).collectList())
					.flatMap(held -> insert(c, events, bodies, held, keptIds)))
					.doOnNext(stored -> {
						knownOrigins.addAll(sorted);
						PgCommitFeed f = feed;
						if (f != null) {
							f.committed();
						}
					});
		});
	}

	/** A locked vector row, and the id of the transaction that locked it. */
	private record Held(String origin, long seq, long xid) {
	}

	/**
	 * Checks the batch against the locked sequences and inserts what they do not cover, at
	 * {@code (transaction id << 20) + ordinal}, the ordinals counting the accepted events from 1 in batch order.
	 */
	private static Mono<List<Event>> insert(Connection c, List<Event> events, byte[][] bodies, List<Held> locked,
			Set<UUID> keptIds) {
		if (locked.isEmpty()) {
			return Mono.error(new TributaryException("PostgreSQL holds no vector row for the origins of the batch"));
		}
		long base = locked.get(0).xid() << ORDINAL_BITS;
		Map<String, Long> held = new HashMap<>();
		for (Held h : locked) {
			held.put(h.origin(), h.seq());
		}
		Map<String, Long> next = new LinkedHashMap<>();
		int[] accepted = new int[events.size()];
		int n = 0;
		for (int i = 0; i < accepted.length; i++) {
			Event e = events.get(i);
			long have = next.computeIfAbsent(e.origin(), o -> held.getOrDefault(o, 0L));
			if (e.originSeq() <= have) {
				continue;
			}
			if (e.originSeq() != have + 1) {
				return Mono.error(new SequenceGapException(e.origin(), have + 1, e.originSeq()));
			}
			next.put(e.origin(), e.originSeq());
			accepted[n++] = i;
		}
		if (n == 0) {
			return Mono.just(List.of());
		}
		Long[] positions = new Long[n];
		String[] origins = new String[n];
		Long[] seqs = new Long[n];
		String[] users = new String[n];
		byte[][] accBodies = new byte[n][];
		List<Event> stored = new ArrayList<>(n);
		for (int k = 0; k < n; k++) {
			Event e = events.get(accepted[k]);
			positions[k] = base + k + 1;
			origins[k] = e.origin();
			seqs[k] = e.originSeq();
			users[k] = e.userId();
			accBodies[k] = bodies[accepted[k]];
			stored.add(e.withPosition(positions[k]));
		}
		String[] advanced = new String[next.size()];
		Long[] to = new Long[next.size()];
		int k = 0;
		for (Map.Entry<String, Long> m : next.entrySet()) {
			advanced[k] = m.getKey();
			to[k++] = m.getValue();
		}
		int count = n;
		return PgSql.update(c, INSERT_EVENTS, positions, origins, seqs, users, accBodies, advanced, to)
				.flatMap(inserted -> inserted == count ? keepIds(c, stored, keptIds).thenReturn(stored)
						: Mono.error(new TributaryException("PostgreSQL inserted " + inserted + " of " + count + " events")));
	}

	private static Mono<Long> keepIds(Connection c, List<Event> stored, Set<UUID> keptIds) {
		if (keptIds.isEmpty()) {
			return Mono.just(0L);
		}
		List<UUID> ids = new ArrayList<>();
		List<Long> positions = new ArrayList<>();
		for (Event e : stored) {
			if (keptIds.contains(e.id())) {
				ids.add(e.id());
				positions.add(e.position());
			}
		}
		return ids.isEmpty() ? Mono.just(0L)
				: PgSql.update(c, INSERT_IDS, ids.toArray(new UUID[0]), positions.toArray(new Long[0]));
	}

	@Override
	public Mono<Event> eventById(UUID id) {
		return executor.read(c -> PgSql.query(c, EVENT_BY_ID, PgEventStore::event, id)).next();
	}

	static Event event(Readable row) {
		return EventCodec.decode(row.get(1, byte[].class), row.get(0, Long.class));
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return pages(afterPosition, limit, (after, page) -> executor.read(c -> PgSql.query(c, READ, PgEventStore::event,
				after, page)));
	}

	/**
	 * Reads pages of at most {@link #READ_PAGE} events, each page one statement (its own horizon, never lower than
	 * the previous one's), from after the last event of the previous page, until {@code limit} events or a short page.
	 */
	private static Flux<Event> pages(long after, int limit, java.util.function.BiFunction<Long, Integer, Flux<Event>> page) {
		int size = Math.min(limit, READ_PAGE);
		return page.apply(after, size).collectList()
				.flatMapMany(events -> events.size() < size || limit == size ? Flux.fromIterable(events)
						: Flux.fromIterable(events).concatWith(Flux.defer(() -> pages(events.get(events.size() - 1).position(),
								limit - size, page))));
	}

	@Override
	public Flux<Event> readLacking(VersionVector have, int limit) {
		return readLacking(have, 0, limit);
	}

	@Override
	public Flux<Event> readLacking(VersionVector have, long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return vector().flatMapMany(held -> {
			Map<String, Long> missing = have.lacking(held);
			if (missing.isEmpty()) {
				return Flux.empty();
			}
			String[] lackOrigins = new String[missing.size()];
			Long[] nextSeqs = new Long[missing.size()];
			int i = 0;
			for (Map.Entry<String, Long> m : missing.entrySet()) {
				lackOrigins[i] = m.getKey();
				nextSeqs[i++] = m.getValue() + 1;
			}
			Map<String, Long> entries = have.entries();
			String[] haveOrigins = entries.keySet().toArray(new String[0]);
			Long[] haveSeqs = new Long[haveOrigins.length];
			for (int j = 0; j < haveOrigins.length; j++) {
				haveSeqs[j] = entries.get(haveOrigins[j]);
			}
			return executor.read(c -> PgSql.query(c, LACKING_START, row -> {
						Long p = row.get(0, Long.class);
						return p == null ? Long.MAX_VALUE : p;
					}, lackOrigins, nextSeqs))
					.next()
					// a reader paging through what it lacks has every lacking event up to afterPosition
					.flatMapMany(start -> start == Long.MAX_VALUE ? Flux.empty()
							: pages(Math.max(start - 1, afterPosition), limit, (after, size) -> executor.read(c -> PgSql
									.query(c, READ_LACKING, PgEventStore::event, after, size, haveOrigins, haveSeqs))));
		});
	}

	@Override
	public Mono<VersionVector> vector() {
		return executor.read(c -> PgSql.query(c, "SELECT origin, seq FROM tributary_vector WHERE seq > 0",
				row -> Map.entry(row.get(0, String.class), row.get(1, Long.class))))
				.collectMap(Map.Entry::getKey, Map.Entry::getValue)
				.map(VersionVector::of);
	}

	@Override
	public Mono<Long> lastPosition() {
		return executor.read(c -> PgSql.query(c, "SELECT COALESCE(MAX(position), 0) FROM tributary_event WHERE position < "
				+ HORIZON, row -> row.get(0, Long.class))).single();
	}

	@Override
	public boolean shared() {
		return true;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Every node's commits, this one's too, below the horizon, from where the log stood when the storage opened: the
	 * {@link PgCommitFeed}, one subscription shared by every subscriber.
	 */
	@Override
	public Flux<List<Event>> committedByOthers() {
		return committed;
	}

	/** Wires the commit feed, starting after {@code openedAt}. */
	void feed(PgCommitFeed value, long openedAt) {
		this.feed = value;
		this.committed = value.feed(Mono.just(openedAt)).share();
	}

	/**
	 * Replaces the user's events by their blanks at their positions. Runs in the caller's transaction.
	 *
	 * @return how many events were replaced
	 */
	static Mono<Long> erase(Connection c, String userId) {
		return PgSql.query(c, "SELECT position, body FROM tributary_event WHERE user_id = $1", PgEventStore::event, userId)
				.map(Event::blank)
				.collectList()
				.flatMap(blanks -> replace(c, blanks));
	}

	/**
	 * Puts events in the place of the blanks and stubs at their addresses ({@link Fills#fillable}). Runs in the
	 * caller's transaction.
	 *
	 * @return the events that replaced one, with their positions, in position order
	 */
	static Mono<List<Event>> fill(Connection c, List<Event> events) {
		Map<String, Event> wanted = new HashMap<>();
		for (Event e : events) {
			if (!e.isStub()) {
				wanted.putIfAbsent(e.origin() + '\u0000' + e.originSeq(), e);
			}
		}
		if (wanted.isEmpty()) {
			return Mono.just(List.of());
		}
		String[] origins = new String[wanted.size()];
		Long[] seqs = new Long[wanted.size()];
		int i = 0;
		for (Event e : wanted.values()) {
			origins[i] = e.origin();
			seqs[i++] = e.originSeq();
		}
		return PgSql.query(c, HELD_AT, PgEventStore::event, origins, seqs)
				.collectList()
				.flatMap(held -> {
					List<Event> filled = new ArrayList<>();
					for (Event h : held) {
						Event full = wanted.get(h.origin() + '\u0000' + h.originSeq());
						if (full != null && Fills.fillable(h, full)) {
							filled.add(full.withPosition(h.position()));
						}
					}
					filled.sort(java.util.Comparator.comparingLong(Event::position));
					return replace(c, filled).thenReturn(filled);
				});
	}

	/** Writes events over the rows at their positions, owners included. */
	private static Mono<Long> replace(Connection c, List<Event> events) {
		if (events.isEmpty()) {
			return Mono.just(0L);
		}
		int n = events.size();
		Long[] positions = new Long[n];
		byte[][] bodies = new byte[n][];
		String[] users = new String[n];
		for (int i = 0; i < n; i++) {
			Event e = events.get(i);
			positions[i] = e.position();
			bodies[i] = EventCodec.encode(e);
			users[i] = e.userId();
		}
		return PgSql.update(c, REPLACE, positions, bodies, users);
	}
}
