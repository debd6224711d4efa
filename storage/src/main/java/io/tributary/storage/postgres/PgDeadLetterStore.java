package io.tributary.storage.postgres;

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

import org.jspecify.annotations.Nullable;

/**
 * Dead letters on PostgreSQL ({@code tributary_dead_letter}), each write its own transaction.
 */
final class PgDeadLetterStore implements DeadLetterStore {

	private static final String COLUMNS = "code, reason, rejected_at, position, body";
	/** Reasons come from a remote node: kept to a bounded size. */
	private static final int MAX_REASON = 4096;

	private final PgExecutor executor;

	PgDeadLetterStore(PgExecutor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<Void> put(DeadLetter letter) {
		return Mono.defer(() -> {
			Event e = letter.event();
			String reason = letter.reason().length() > MAX_REASON ? letter.reason().substring(0, MAX_REASON)
					: letter.reason();
			Object user = e.userId() == null ? new PgSql.Null(String.class) : e.userId();
			return executor.inTransaction(c -> PgSql.update(c, "INSERT INTO tributary_dead_letter (origin, origin_seq, "
					+ "user_id, " + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (origin, origin_seq) "
					+ "DO UPDATE SET user_id = EXCLUDED.user_id, code = EXCLUDED.code, reason = EXCLUDED.reason, "
					+ "rejected_at = EXCLUDED.rejected_at, position = EXCLUDED.position, body = EXCLUDED.body",
					e.origin(), e.originSeq(), user, letter.code(), reason, letter.rejectedAt().toEpochMilli(), e.position(),
					EventCodec.encode(e)));
		}).then();
	}

	@Override
	public Flux<DeadLetter> list(int limit) {
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_dead_letter ORDER BY rejected_at, origin, origin_seq LIMIT $1", PgDeadLetterStore::letter,
				limit));
	}

	@Override
	public Flux<DeadLetter> list(@Nullable String userId, @Nullable String afterOrigin, long afterSeq, int limit) {
		return Flux.defer(() -> {
			StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tributary_dead_letter WHERE TRUE");
			List<Object> args = new ArrayList<>(4);
			if (userId != null) {
				args.add(userId);
				sql.append(" AND user_id = $").append(args.size());
			}
			if (afterOrigin != null) {
				args.add(afterOrigin);
				args.add(afterSeq);
				sql.append(" AND (origin, origin_seq) > ($").append(args.size() - 1).append(", $").append(args.size())
						.append(")");
			}
			args.add(limit);
			sql.append(" ORDER BY origin, origin_seq LIMIT $").append(args.size());
			return executor.read(c -> PgSql.query(c, sql.toString(), PgDeadLetterStore::letter, args.toArray()));
		});
	}

	@Override
	public Mono<DeadLetter> get(String origin, long originSeq) {
		return executor.read(c -> PgSql.query(c, "SELECT " + COLUMNS
				+ " FROM tributary_dead_letter WHERE origin = $1 AND origin_seq = $2", PgDeadLetterStore::letter, origin,
				originSeq)).next();
	}

	@Override
	public Mono<Boolean> delete(String origin, long originSeq) {
		return executor.inTransaction(c -> PgSql.update(c,
				"DELETE FROM tributary_dead_letter WHERE origin = $1 AND origin_seq = $2", origin, originSeq))
				.map(n -> n > 0);
	}

	@Override
	public Mono<Long> count() {
		return executor.read(c -> PgSql.query(c, "SELECT COUNT(*) FROM tributary_dead_letter", row -> row.get(0, Long.class)))
				.single();
	}

	private static DeadLetter letter(Readable row) {
		Event e = EventCodec.decode(row.get(4, byte[].class), row.get(3, Long.class));
		return new DeadLetter(e, row.get(0, String.class), row.get(1, String.class),
				Instant.ofEpochMilli(row.get(2, Long.class)));
	}
}
