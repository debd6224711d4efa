package io.tributary.storage.h2;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.r2dbc.spi.Readable;
import io.tributary.Event;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.DeadLetterStore;
import io.tributary.spi.EventCodec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Dead letters on H2 ({@code tributary_dead_letter}). Writes run on the checkpoint connection, beside the
 * event appends and never in their transaction; reads on the reader thread.
 */
final class H2DeadLetterStore implements DeadLetterStore {

	private static final String COLUMNS = "code, reason, rejected_at, position, body";
	/** Reasons come from a remote node: kept to the column's size. */
	private static final int MAX_REASON = 4096;

	private final H2Executor executor;

	H2DeadLetterStore(H2Executor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<Void> put(DeadLetter letter) {
		Event e = letter.event();
		String reason = letter.reason().length() > MAX_REASON ? letter.reason().substring(0, MAX_REASON) : letter.reason();
		Object user = e.userId() == null ? new Sql.Null(String.class) : e.userId();
		return executor.inStoredCheckpointTransaction(c -> Sql.update(c, "MERGE INTO tributary_dead_letter "
				+ "(origin, origin_seq, user_id, " + COLUMNS + ") KEY (origin, origin_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				e.origin(), e.originSeq(), user, letter.code(), reason, letter.rejectedAt().toEpochMilli(), e.position(),
				EventCodec.encode(e))).then();
	}

	@Override
	public Flux<DeadLetter> list(int limit) {
		return executor.read(c -> Sql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_dead_letter ORDER BY rejected_at, origin, origin_seq LIMIT $1", H2DeadLetterStore::letter,
				limit));
	}

	@Override
	public Flux<DeadLetter> list(String userId, String afterOrigin, long afterSeq, int limit) {
		return Flux.defer(() -> {
			// the primary key (origin, origin_seq) serves both the cursor and the order
			StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tributary_dead_letter WHERE TRUE");
			List<Object> args = new ArrayList<>(4);
			if (userId != null) {
				args.add(userId);
				sql.append(" AND user_id = $").append(args.size());
			}
			if (afterOrigin != null) {
				args.add(afterOrigin);
				int o = args.size();
				args.add(afterSeq);
				sql.append(" AND (origin > $").append(o).append(" OR (origin = $").append(o).append(" AND origin_seq > $")
						.append(o + 1).append("))");
			}
			args.add(limit);
			sql.append(" ORDER BY origin, origin_seq LIMIT $").append(args.size());
			return executor.read(c -> Sql.query(c, sql.toString(), H2DeadLetterStore::letter, args.toArray()));
		});
	}

	@Override
	public Mono<DeadLetter> get(String origin, long originSeq) {
		return executor.read(c -> Sql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_dead_letter WHERE origin = $1 AND origin_seq = $2", H2DeadLetterStore::letter, origin,
				originSeq)).next();
	}

	@Override
	public Mono<Boolean> delete(String origin, long originSeq) {
		return executor.inStoredCheckpointTransaction(c -> Sql.update(c,
				"DELETE FROM tributary_dead_letter WHERE origin = $1 AND origin_seq = $2", origin, originSeq))
				.map(n -> n > 0);
	}

	@Override
	public Mono<Long> count() {
		return executor.read(c -> Sql.scalar(c, "SELECT COUNT(*) FROM tributary_dead_letter").flux()).next();
	}

	private static DeadLetter letter(Readable row) {
		Event e = EventCodec.decode(row.get(4, byte[].class), row.get(3, Long.class));
		return new DeadLetter(e, row.get(0, String.class), row.get(1, String.class),
				Instant.ofEpochMilli(row.get(2, Long.class)));
	}
}
