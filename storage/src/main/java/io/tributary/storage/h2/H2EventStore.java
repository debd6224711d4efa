package io.tributary.storage.h2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.nio.charset.StandardCharsets;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.tributary.Event;
import io.tributary.VersionVector;
import io.tributary.spi.Erasure;
import io.tributary.spi.Fills;
import io.tributary.spi.EventCodec;
import io.tributary.spi.EventStore;
import io.tributary.spi.SequenceGapException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The event log on H2. Appends run on the executor's writer thread, which is also the only place the
 * in-memory vector and last position change; reads run on the reader thread.
 */
final class H2EventStore implements EventStore {

	private static final int SCAN_PAGE = 1024;
	/** The most events one read returns in one row. */
	private static final int READ_PAGE = 4096;
	/** Aggregated in the order of the subquery; {@link #decodePage} sorts a page that would come out of order. */
	private static final String READ_PAGE_SQL = "SELECT ARRAY_AGG(position), ARRAY_AGG(body) "
			+ "FROM (SELECT position, body FROM tributary_event WHERE position > $1 ORDER BY position LIMIT $2)";

	private static final String INSERT_EVENTS = "INSERT INTO tributary_event (position, body) "
			+ "SELECT * FROM UNNEST(CAST($1 AS BIGINT ARRAY), CAST($2 AS VARBINARY(1000000000) ARRAY))";
	private static final String REPLACE_EVENTS = "MERGE INTO tributary_event (position, body) KEY (position) "
			+ "SELECT * FROM UNNEST(CAST($1 AS BIGINT ARRAY), CAST($2 AS VARBINARY(1000000000) ARRAY))";
	/** The most elements of one bound H2 array. */
	static final int H2_ARRAY_LIMIT = 65_536;
	/** Rows read at a time while looking for addresses from the start of their segment. */
	private static final int FIND_PAGE = 256;
	private static final String INSERT_ID = "INSERT INTO tributary_event_id (id, position) VALUES ($1, $2)";
	private static final String MERGE_ID = "MERGE INTO tributary_event_id (id, position) KEY (id) VALUES ($1, $2)";
	private static final String EVENT_BY_ID = "SELECT e.position, e.body FROM tributary_event_id i "
			+ "JOIN tributary_event e ON e.position = i.position WHERE i.id = $1";
	private static final String INSERT_SEGMENT = "INSERT INTO tributary_segment (origin, first_seq, last_seq, first_position) "
			+ "VALUES ($1, $2, $3, $4)";

	private final H2Executor executor;
	private volatile VersionVector vector;
	private volatile long lastPosition;

	private H2EventStore(H2Executor executor, VersionVector vector, long lastPosition) {
		this.executor = executor;
		this.vector = vector;
		this.lastPosition = lastPosition;
	}

	static Mono<H2EventStore> load(H2Executor executor) {
		Mono<VersionVector> vector = executor.read(c -> Sql.query(c,
				"SELECT origin, MAX(last_seq) FROM tributary_segment GROUP BY origin",
				row -> Map.entry(row.get(0, String.class), ((Number) row.get(1)).longValue())))
				.collectMap(Map.Entry::getKey, Map.Entry::getValue)
				.map(VersionVector::of);
		Mono<Long> last = executor.read(c -> Sql.scalar(c, "SELECT COALESCE(MAX(position), 0) FROM tributary_event")
				.flux()).single();
		return Mono.zip(vector, last).map(t -> new H2EventStore(executor, t.getT1(), t.getT2()));
	}

	@Override
	public Mono<List<Event>> append(List<Event> events) {
		return append(events, Set.of());
	}

	@Override
	public Mono<List<Event>> append(List<Event> events, Set<UUID> keptIds) {
		return executor.inLoggedTransaction(c -> {
			Map<String, Long> next = new HashMap<>();
			List<Event> accepted = new ArrayList<>(events.size());
			for (Event e : events) {
				long held = next.computeIfAbsent(e.origin(), o -> vector.get(o));
				if (e.originSeq() <= held) {
					continue;
				}
				if (e.originSeq() != held + 1) {
					return Mono.error(new SequenceGapException(e.origin(), held + 1, e.originSeq()));
				}
				next.put(e.origin(), e.originSeq());
				accepted.add(e);
			}
			if (accepted.isEmpty()) {
				return Mono.just(List.<Event>of());
			}
			long first = lastPosition + 1;
			List<Event> stored = new ArrayList<>(accepted.size());
			for (int i = 0; i < accepted.size(); i++) {
				stored.add(accepted.get(i).withPosition(first + i));
			}
			Rows rows = Rows.of(stored);
			Mono<Void> ids = keptIds.isEmpty() ? Mono.empty() : Flux.fromIterable(stored)
					.filter(e -> keptIds.contains(e.id()))
					.concatMap(e -> Sql.update(c, INSERT_ID, e.id(), e.position()))
					.then();
			return insert(c, rows).then(ids).then(executor.log(rows.positions, rows.bodies)).thenReturn(stored);
		}).doOnNext(this::advance);
	}

	@Override
	public Mono<Event> eventById(UUID id) {
		return executor.read(c -> Sql.query(c, EVENT_BY_ID, H2EventStore::event, id)).next();
	}

	/** A row of (position, body). */
	private static Event event(Readable row) {
		return EventCodec.decode(row.get(1, byte[].class), row.get(0, Long.class));
	}

	/** Runs on the writer thread after a commit: the only writer of the vector and the last position. */
	private void advance(List<Event> stored) {
		if (!stored.isEmpty()) {
			Map<String, Long> v = new HashMap<>(vector.entries());
			for (Event e : stored) {
				v.put(e.origin(), e.originSeq());
			}
			vector = VersionVector.of(v);
			lastPosition = stored.get(stored.size() - 1).position();
		}
	}

	/** Positioned events as the rows of one insert: positions, bodies, and a segment per origin. */
	private record Rows(Long[] positions, byte[][] bodies, Map<String, long[]> segments) {

		static Rows of(List<Event> stored) {
			int n = stored.size();
			Long[] positions = new Long[n];
			byte[][] bodies = new byte[n][];
			Map<String, long[]> segments = new LinkedHashMap<>();
			for (int i = 0; i < n; i++) {
				Event e = stored.get(i);
				positions[i] = e.position();
				bodies[i] = EventCodec.encode(e);
				long[] seg = segments.get(e.origin());
				if (seg == null) {
					segments.put(e.origin(), new long[] { e.originSeq(), e.originSeq(), e.position() });
				}
				else {
					seg[1] = e.originSeq();
				}
			}
			return new Rows(positions, bodies, segments);
		}
	}

	private static Mono<Void> insert(Connection c, Rows rows) {
		Mono<Long> insert = Sql.update(c, INSERT_EVENTS, rows.positions, rows.bodies);
		Mono<Long> segs = Sql.forEach(rows.segments.entrySet(), s -> Sql.update(c, INSERT_SEGMENT, s.getKey(),
				s.getValue()[0], s.getValue()[1], s.getValue()[2]));
		return insert.then(segs).then();
	}

	/**
	 * Puts the events of the write-ahead log that H2 did not store before a crash back in place, in one
	 * transaction that is stored before the open goes on; then the log's old segments are deleted. Runs
	 * before {@link #load}.
	 *
	 * @param executor the executor
	 * @return how many events were recovered (0 in memory)
	 */
	static Mono<Integer> recover(H2Executor executor) {
		WriteAheadLog wal = executor.writeAheadLog();
		if (wal == null) {
			return Mono.just(0);
		}
		return executor.inTransaction(c -> Sql.scalar(c, "SELECT COALESCE(MAX(position), 0) FROM tributary_event")
				.flatMap(last -> {
					List<Event> lost = wal.recover(last);
					// the write-ahead log holds events only: which of them had ids of the writers' choosing is
					// not known, so every recovered event's id is kept (ids are unique: a superset is harmless)
					return Flux.fromIterable(lost).buffer(H2_ARRAY_LIMIT)
							.concatMap(chunk -> insert(c, Rows.of(chunk)))
							.thenMany(Flux.fromIterable(lost))
							.concatMap(e -> Sql.update(c, MERGE_ID, e.id(), e.position()))
							.then(Mono.just(lost.size()));
				}))
				.doOnNext(n -> {
					wal.delete(wal.closed());
					executor.recovered();
				});
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		return executor.read(c -> readPages(c, afterPosition, limit));
	}

	/**
	 * Events after a position, at most {@code limit}, a page of up to {@link #READ_PAGE} in one result row: the
	 * driver's cost per row (a column map, a value copy, a codec lookup per column) is then paid per page.
	 */
	private static Flux<Event> readPages(Connection c, long after, int limit) {
		int page = Math.min(limit, READ_PAGE);
		return Sql.query(c, READ_PAGE_SQL, row -> decodePage(row.get(0, Object[].class), row.get(1, Object[].class)),
				after, page)
				.concatMap(events -> events.size() < page || limit == page ? Flux.fromIterable(events)
						: Flux.fromIterable(events)
								.concatWith(Flux.defer(() -> readPages(c, events.get(events.size() - 1).position(),
										limit - page))));
	}

	private static List<Event> decodePage(Object[] positions, Object[] bodies) {
		if (positions == null) {
			return List.of(); // no row after the position: the aggregates of nothing are null
		}
		List<Event> out = new ArrayList<>(positions.length);
		boolean ordered = true;
		for (int i = 0; i < positions.length; i++) {
			Event e = EventCodec.decode((byte[]) bodies[i], ((Number) positions[i]).longValue());
			ordered &= out.isEmpty() || out.get(out.size() - 1).position() < e.position();
			out.add(e);
		}
		if (!ordered) {
			// the aggregates have no ORDER BY of their own (it sorted every page again): H2 keeps the subquery's
			// order, and this keeps the result right if a version did not
			out.sort(java.util.Comparator.comparingLong(Event::position));
		}
		return out;
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
		return Flux.defer(() -> {
			Map<String, Long> missing = have.lacking(vector);
			if (missing.isEmpty()) {
				return Flux.empty();
			}
			return executor.read(c -> Flux.fromIterable(missing.entrySet())
					.concatMap(m -> Sql.query(c, "SELECT first_position FROM tributary_segment "
							+ "WHERE origin = $1 AND first_seq <= $2 ORDER BY first_seq DESC LIMIT 1",
							row -> row.get(0, Long.class), m.getKey(), m.getValue() + 1))
					.reduce(Long.MAX_VALUE, Math::min)
					.flux())
					.single()
					// a reader paging through what it lacks has every lacking event up to afterPosition
					.flatMapMany(start -> scan(Math.max(start - 1, afterPosition), have, limit));
		});
	}

	/** Reads pages from a position on, keeping the events {@code have} lacks, until {@code limit} are found. */
	private Flux<Event> scan(long after, VersionVector have, int limit) {
		return read(after, SCAN_PAGE).collectList()
				.expand(page -> page.size() < SCAN_PAGE ? Mono.empty()
						: read(page.get(page.size() - 1).position(), SCAN_PAGE).collectList())
				.concatMapIterable(l -> l)
				.filter(e -> !have.covers(e.origin(), e.originSeq()))
				.take(limit);
	}

	/**
	 * Replaces the user's events by their blanks, in place (same positions, so the vector, the segments and
	 * every reader's cursor stay valid). Runs inside the caller's transaction on the writer connection.
	 *
	 * @param c the writer connection
	 * @param userId the user
	 * @return how many events were replaced
	 */
	static Mono<Long> erase(Connection c, String userId) {
		byte[] needle = userId.getBytes(StandardCharsets.UTF_8);
		return Sql.query(c, "SELECT position, body FROM tributary_event ORDER BY position", row -> {
					byte[] body = row.get(1, byte[].class);
					// only bodies holding the user's id are decoded
					if (!Erasure.mayOwn(needle, body)) {
						return Optional.<Event>empty();
					}
					Event e = EventCodec.decode(body, row.get(0, Long.class));
					return Erasure.owns(userId, e) ? Optional.of(e.blank()) : Optional.<Event>empty();
				})
				.flatMap(Mono::justOrEmpty)
				// the whole scan first: no statement runs on the connection while its rows are read
				.collectList()
				.flatMap(blanks -> replace(c, blanks));
	}

	/**
	 * Puts events in the place of the blanks and stubs at their addresses (see
	 * {@link io.tributary.spi.Storage#fill}). Runs inside the caller's transaction on the writer connection.
	 * The addresses are grouped by the segment that holds them, and each segment is read once, from its start,
	 * until all of its addresses were seen: a pulled frame of a thousand events costs one scan, not a thousand.
	 *
	 * @param c the writer connection
	 * @param events the events
	 * @return the events that replaced a blank or a stub, with their positions
	 */
	Mono<List<Event>> fill(Connection c, List<Event> events) {
		Map<String, java.util.TreeMap<Long, Event>> wanted = new HashMap<>();
		for (Event e : events) {
			if (!e.isStub() && e.originSeq() <= vector.get(e.origin())) {
				// one replacement per address, even when the same event is given twice
				wanted.computeIfAbsent(e.origin(), o -> new java.util.TreeMap<>()).putIfAbsent(e.originSeq(), e);
			}
		}
		return Flux.fromIterable(wanted.entrySet())
				.concatMap(o -> segments(c, o.getKey(), o.getValue().firstKey(), o.getValue().lastKey())
						.concatMap(seg -> {
							Map<Long, Event> inSegment = new HashMap<>(o.getValue().subMap(seg.firstSeq(), true,
									seg.lastSeq(), true));
							return inSegment.isEmpty() ? Flux.<Event>empty()
									: fillFrom(c, o.getKey(), inSegment, seg.firstPosition() - 1);
						}))
				.collectSortedList(java.util.Comparator.comparingLong(Event::position))
				.flatMap(filled -> replace(c, filled).thenReturn(filled));
	}

	private record Segment(long firstSeq, long lastSeq, long firstPosition) {
	}

	/** The segments of an origin that hold any sequence from {@code from} to {@code to}, in order. */
	private static Flux<Segment> segments(Connection c, String origin, long from, long to) {
		return Sql.query(c, "SELECT first_seq FROM tributary_segment "
				+ "WHERE origin = $1 AND first_seq <= $2 ORDER BY first_seq DESC LIMIT 1", row -> row.get(0, Long.class),
				origin, from)
				.next()
				// the whole list first: no statement runs on the connection while its rows are read
				.flatMap(first -> Sql.query(c, "SELECT first_seq, last_seq, first_position FROM "
						+ "tributary_segment WHERE origin = $1 AND first_seq >= $2 AND first_seq <= $3 ORDER BY first_seq",
						row -> new Segment(row.get(0, Long.class), row.get(1, Long.class), row.get(2, Long.class)),
						origin, first, to)
						.collectList())
				.flatMapIterable(l -> l);
	}

	/**
	 * Reads forward from a position a page at a time until every address in {@code wanted} was seen, and emits
	 * the events that replace a blank or a stub there.
	 */
	private static Flux<Event> fillFrom(Connection c, String origin, Map<Long, Event> wanted, long after) {
		return Sql.query(c, "SELECT position, body FROM tributary_event WHERE position > $1 ORDER BY position LIMIT $2",
				H2EventStore::event, after, FIND_PAGE)
				.collectList()
				.flatMapMany(page -> {
					List<Event> out = new ArrayList<>();
					for (Event held : page) {
						Event full = held.origin().equals(origin) ? wanted.remove(held.originSeq()) : null;
						if (full != null && Fills.fillable(held, full)) {
							out.add(full.withPosition(held.position()));
						}
					}
					Flux<Event> found = Flux.fromIterable(out);
					return wanted.isEmpty() || page.size() < FIND_PAGE ? found
							: found.concatWith(fillFrom(c, origin, wanted, page.get(page.size() - 1).position()));
				});
	}

	/** Writes events over the rows at their positions. */
	private static Mono<Long> replace(Connection c, List<Event> events) {
		return Flux.fromIterable(events)
				.buffer(H2_ARRAY_LIMIT)
				.concatMap(chunk -> {
					Long[] positions = new Long[chunk.size()];
					byte[][] bodies = new byte[chunk.size()][];
					for (int i = 0; i < positions.length; i++) {
						positions[i] = chunk.get(i).position();
						bodies[i] = EventCodec.encode(chunk.get(i));
					}
					return Sql.update(c, REPLACE_EVENTS, positions, bodies);
				})
				.reduce(0L, Long::sum);
	}


	@Override
	public Mono<VersionVector> vector() {
		return Mono.fromSupplier(() -> vector);
	}

	@Override
	public Mono<Long> lastPosition() {
		return Mono.fromSupplier(() -> lastPosition);
	}
}
