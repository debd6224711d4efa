package io.tributary.storage.h2;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.tributary.Conflict;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.Erasure;
import io.tributary.spi.EventCodec;
import io.tributary.spi.ProjectionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Entity folds, conflicts and the projection checkpoint on H2, saved in one transaction.
 * <p>
 * Folds are appended in chunks to {@code tributary_projection} (see the schema script for why); the
 * writer thread is the only one that touches {@link #nextSeq}.
 */
final class H2ProjectionStore implements ProjectionStore {

	static final String CHECKPOINT = "projection.checkpoint";
	/** Meta key: the highest chunk sequence number a completed save covers; chunks above it are ignored. */
	static final String HIGH = "projection.high_seq";
	/** Meta key: the first chunk of the last full snapshot; chunks below it are obsolete and ignored. */
	static final String LOW = "projection.low_seq";
	/** Chunks per transaction when a full snapshot is written in pieces. */
	static final int PIECE_CHUNKS = 4;

	/** Folds per chunk row, and a soft cap of a chunk's bytes. */
	private static final int CHUNK_RECORDS = 1024;
	private static final int CHUNK_BYTES = 64 * 1024;

	private static final String INSERT_CHUNKS = "INSERT INTO tributary_projection (seq, chunk) "
			+ "SELECT * FROM UNNEST(CAST($1 AS BIGINT ARRAY), CAST($2 AS VARBINARY(1000000000) ARRAY))";
	private static final String MERGE_CONFLICT = "MERGE INTO tributary_conflict (incoming_id, entity_type, incoming_position, body) "
			+ "KEY (incoming_id) VALUES ($1, $2, $3, $4)";

	private final H2Executor executor;
	private volatile long nextSeq = -1;

	H2ProjectionStore(H2Executor executor) {
		this.executor = executor;
	}

	@Override
	public Mono<Long> checkpoint() {
		return H2Storage.meta(executor, CHECKPOINT).map(Long::parseLong).defaultIfEmpty(0L);
	}

	@Override
	public Flux<EntityRecord> entities() {
		// chunks above the high-water mark belong to a snapshot that never completed, chunks below the low-water
		// mark to one a full snapshot replaced and that were not removed yet
		return executor.read(c -> Sql.query(c, "SELECT chunk FROM tributary_projection WHERE seq BETWEEN "
				+ "COALESCE((SELECT CAST(val AS BIGINT) FROM tributary_meta WHERE name = '" + LOW + "'), 0) AND "
				+ "COALESCE((SELECT CAST(val AS BIGINT) FROM tributary_meta WHERE name = '" + HIGH + "'), "
				+ Long.MAX_VALUE + ") ORDER BY seq", row -> row.get(0, byte[].class)))
				.reduce(new LinkedHashMap<String, EntityRecord>(), (latest, chunk) -> {
					for (EntityRecord record : decodeChunk(chunk)) {
						latest.put(record.type() + '\u0000' + record.entityId(), record);
					}
					return latest;
				})
				.flatMapIterable(Map::values);
	}

	@Override
	public Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts, boolean replaceAll) {
		return Mono.defer(() -> {
			Chunks chunks = new Chunks(entities);
			// every save goes in pieces, each its own short transaction, so that H2's store lock (which every commit
			// of the event log needs too) is never held for the whole of it, and each piece is encoded just before it
			// is written: a checkpoint never holds its whole encoding, so the collector finds its pieces dead instead
			// of copying them. The pieces stay invisible until the last transaction moves the high-water mark.
			return firstSeq()
					.flatMap(first -> writeFrom(chunks, first, first, checkpoint, conflicts, replaceAll)
							// a full snapshot makes everything below it obsolete at once: the rows below it are
							// removed afterwards, a piece at a time
							.flatMap(next -> (replaceAll ? removeBelow(first) : Mono.<Void>empty()).thenReturn(next)))
					.doOnNext(next -> nextSeq = next)
					// a failed save may have left pieces: the next one finds and removes them
					.doOnError(e -> nextSeq = -1)
					.then();
		});
	}

	/**
	 * Writes the chunks from {@code seq} on, a piece at a time; the last piece goes with the conflicts and the
	 * marks. Emits the sequence number after the last chunk.
	 */
	private Mono<Long> writeFrom(Chunks chunks, long first, long seq, long checkpoint, List<Conflict> conflicts,
			boolean replaceAll) {
		return Mono.defer(() -> {
			List<byte[]> piece = chunks.next(PIECE_CHUNKS);
			long written = piece.stream().mapToLong(chunk -> chunk.length).sum();
			long next = seq + piece.size();
			boolean last = !chunks.hasNext();
			return executor.inCheckpointTransaction(c -> insertChunks(c, piece, seq)
					.then(last ? mark(c, checkpoint, next - 1, replaceAll ? first : -1, conflicts) : Mono.empty())
					.thenReturn(next))
					.doOnNext(n -> executor.checkpointWrote(written))
					.flatMap(n -> last ? Mono.just(n) : writeFrom(chunks, first, n, checkpoint, conflicts, replaceAll));
		});
	}

	/**
	 * The last piece's rest: the conflicts, the checkpoint, the high-water mark and, for a full snapshot
	 * ({@code low} at least 0), the low-water mark.
	 */
	private static Mono<Long> mark(Connection c, long checkpoint, long high, long low, List<Conflict> conflicts) {
		return recordConflicts(c, conflicts)
				.then(H2Storage.putMeta(c, CHECKPOINT, Long.toString(checkpoint)))
				.then(H2Storage.putMeta(c, HIGH, Long.toString(high)))
				.then(low >= 0 ? H2Storage.putMeta(c, LOW, Long.toString(low)) : Mono.just(0L));
	}

	/** Removes the chunks below a full snapshot, a few per transaction (reads no longer see them). */
	private Mono<Void> removeBelow(long low) {
		return executor.read(c -> Sql.scalar(c, "SELECT COALESCE(MIN(seq), $1) FROM tributary_projection", low).flux())
				.next()
				.flatMapMany(min -> Flux.range(0, (int) ((low - min + PIECE_CHUNKS - 1) / PIECE_CHUNKS))
						.map(i -> min + (long) i * PIECE_CHUNKS))
				.concatMap(from -> executor.inCheckpointTransaction(c -> Sql.update(c,
						"DELETE FROM tributary_projection WHERE seq >= $1 AND seq < $2", from, Math.min(low, from + PIECE_CHUNKS))))
				.then();
	}

	/**
	 * The sequence number of the next chunk. After an open (or a failed save) the chunks above the high-water
	 * mark are pieces of a snapshot that never completed: they are removed first.
	 */
	private Mono<Long> firstSeq() {
		if (nextSeq >= 0) {
			return Mono.just(nextSeq);
		}
		return executor.inCheckpointTransaction(c -> H2Storage.meta(c, HIGH)
				.flatMap(high -> Sql.update(c, "DELETE FROM tributary_projection WHERE seq > $1",
						Long.parseLong(high)))
				.then(Sql.scalar(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM tributary_projection")));
	}

	private static Mono<Long> insertChunks(Connection c, List<byte[]> chunks, long first) {
		if (chunks.isEmpty()) {
			return Mono.just(0L);
		}
		Long[] seqs = new Long[chunks.size()];
		for (int i = 0; i < seqs.length; i++) {
			seqs[i] = first + i;
		}
		return Sql.update(c, INSERT_CHUNKS, seqs, chunks.toArray(new byte[0][]));
	}

	private static Mono<Long> recordConflicts(Connection c, List<Conflict> conflicts) {
		return Sql.forEach(conflicts, conflict -> Sql.update(c, MERGE_CONFLICT, conflict.incoming().id(), conflict.type(),
				conflict.incoming().position(), EventCodec.encodeConflict(conflict)));
	}

	/**
	 * Discards the saved projection (every fold; the checkpoint goes back to 0) and, for an erase, the conflicts
	 * that involve one of the user's events; see {@link io.tributary.spi.Storage#erase(String)}. Runs inside the
	 * caller's transaction; no checkpoint may run meanwhile.
	 *
	 * @param c the connection
	 * @param erasedUser the erased user, or {@code null} to keep every conflict
	 * @return completes when done
	 */
	Mono<Void> discard(Connection c, String erasedUser) {
		Mono<Long> conflicts = erasedUser == null ? Mono.just(0L)
				: Sql.query(c, "SELECT body FROM tributary_conflict", H2ProjectionStore::conflict)
						.filter(conflict -> Erasure.involves(erasedUser, conflict))
						// the whole scan first: no statement runs on the connection while its rows are read
						.collectList()
						.flatMap(doomed -> Sql.forEach(doomed, conflict -> Sql.update(c,
								"DELETE FROM tributary_conflict WHERE incoming_id = $1", conflict.incoming().id())));
		return Sql.update(c, "DELETE FROM tributary_projection")
				.doOnNext(n -> nextSeq = -1)
				.then(conflicts)
				.then(H2Storage.putMeta(c, CHECKPOINT, "0"))
				.then(H2Storage.putMeta(c, HIGH, "0"))
				.then(H2Storage.putMeta(c, LOW, "0"))
				.then();
	}

	@Override
	public Flux<Conflict> conflicts(String type, long afterPosition, int limit) {
		// no index on incoming_position: a page scans the conflict table (never the event log) and keeps the
		// first `limit` by position. Conflicts are few next to events and the table is not on the append path;
		// an index would need a schema migration for a read that audits rather than serves traffic
		return executor.read(c -> type == null
				? Sql.query(c, "SELECT body FROM tributary_conflict WHERE incoming_position > $1 "
						+ "ORDER BY incoming_position, incoming_id LIMIT $2", H2ProjectionStore::conflict, afterPosition, limit)
				: Sql.query(c, "SELECT body FROM tributary_conflict WHERE entity_type = $1 AND incoming_position > $2 "
						+ "ORDER BY incoming_position, incoming_id LIMIT $3", H2ProjectionStore::conflict, type, afterPosition,
						limit));
	}

	private static Conflict conflict(Readable row) {
		return EventCodec.decodeConflict(row.get(0, byte[].class));
	}

	/** Chunk layout: count (int), then per record: type, entityId, userId (flag + str), fold (length + bytes). */
	static List<byte[]> encodeChunks(List<EntityRecord> records) {
		Chunks chunks = new Chunks(records);
		List<byte[]> out = new ArrayList<>();
		while (chunks.hasNext()) {
			out.addAll(chunks.next(Integer.MAX_VALUE));
		}
		return out;
	}

	/** Records encoded into chunks on demand, in order; each record is read once. */
	private static final class Chunks {

		private final java.util.Iterator<EntityRecord> records;
		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
		private final DataOutputStream out = new DataOutputStream(bytes);

		Chunks(List<EntityRecord> records) {
			this.records = records.iterator();
		}

		boolean hasNext() {
			return records.hasNext();
		}

		/** The next chunks, at most {@code max}; none when every record is in a chunk. */
		List<byte[]> next(int max) {
			List<byte[]> chunks = new ArrayList<>(Math.min(max, 16));
			List<EntityRecord> pending = new ArrayList<>();
			long size = 0;
			try {
				while (chunks.size() < max && records.hasNext()) {
					EntityRecord r = records.next();
					pending.add(r);
					size += r.fold().length + 64L;
					if (pending.size() == CHUNK_RECORDS || size >= CHUNK_BYTES) {
						chunks.add(encode(pending, bytes, out));
						pending.clear();
						size = 0;
					}
				}
				if (!pending.isEmpty()) {
					chunks.add(encode(pending, bytes, out));
				}
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			return chunks;
		}
	}

	private static byte[] encode(List<EntityRecord> records, ByteArrayOutputStream bytes, DataOutputStream out)
			throws IOException {
		bytes.reset();
		out.writeInt(records.size());
		for (EntityRecord r : records) {
			writeString(out, r.type());
			writeString(out, r.entityId());
			out.writeBoolean(r.userId() != null);
			if (r.userId() != null) {
				writeString(out, r.userId());
			}
			out.writeInt(r.fold().length);
			out.write(r.fold());
		}
		out.flush();
		return bytes.toByteArray();
	}

	static List<EntityRecord> decodeChunk(byte[] chunk) {
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(chunk))) {
			int n = in.readInt();
			List<EntityRecord> out = new ArrayList<>(n);
			for (int i = 0; i < n; i++) {
				String type = readString(in);
				String entityId = readString(in);
				String userId = in.readBoolean() ? readString(in) : null;
				byte[] fold = new byte[in.readInt()];
				in.readFully(fold);
				out.add(new EntityRecord(type, entityId, userId, fold));
			}
			return out;
		}
		catch (IOException e) {
			throw new IllegalStateException("corrupt projection chunk", e);
		}
	}

	private static void writeString(DataOutputStream out, String s) throws IOException {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		out.writeInt(b.length);
		out.write(b);
	}

	private static String readString(DataInputStream in) throws IOException {
		byte[] b = new byte[in.readInt()];
		in.readFully(b);
		return new String(b, StandardCharsets.UTF_8);
	}
}
