package io.tributary.storage.h2;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;

import io.tributary.Event;
import io.tributary.spi.EventCodec;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The write-ahead file in front of H2's event table (see {@code docs/STORAGE.md}, "Durability").
 * <p>
 * Every append's events are written here, in one {@code write} to the operating system (and synced to the
 * device under {@link Durability#POWER_LOSS}), inside the append's transaction before its commit. H2 then
 * stores its pages on its own schedule ({@code WRITE_DELAY}), many commits at a time, instead of writing a
 * chunk per commit. After a crash, the events the file holds beyond H2's last stored position are inserted
 * again at open.
 * <p>
 * The file is a sequence of segments, {@code tributary-<n>.wal}. A segment is closed once it is larger than
 * the configured size; closed segments are deleted after a {@code CHECKPOINT} has stored in H2 everything they
 * hold. A record is {@code magic, payload length, CRC-32C of the payload, payload}, and the payload is the
 * number of events and, per event, its position, body length and body (the storage format of
 * {@link EventCodec}). Reading stops at the first record of a segment that is short or fails its checksum: a
 * write the crash cut short, never acknowledged.
 * <p>
 * {@link #write}, {@link #truncate} and {@link #rotateIfFull} run on the writer thread only; {@link #closed}
 * and {@link #delete} may run on another.
 */
final class WriteAheadLog implements AutoCloseable {

	private static final Logger log = Loggers.getLogger(WriteAheadLog.class);

	static final String PREFIX = "tributary-";
	static final String SUFFIX = ".wal";
	/** "TWL1". */
	private static final int MAGIC = 0x54574c31;
	private static final int HEADER = 12;
	private static final int BUFFER_BYTES = 256 * 1024;

	private final Path dir;
	private final long segmentBytes;
	private final boolean force;
	private final List<Path> closed = new CopyOnWriteArrayList<>();
	/** Writer thread only: the record buffer, a scratch array and the checksum, reused by every write. */
	private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
	private final byte[] scratch = new byte[12];
	private final CRC32C crc = new CRC32C();
	private FileChannel channel;
	private Path current;
	private long index;
	private long size;
	/** Bytes written since {@link #takeWritten()} last ran; writer thread only. */
	private long written;

	private WriteAheadLog(Path dir, long segmentBytes, boolean force, long nextIndex) {
		this.dir = dir;
		this.segmentBytes = segmentBytes;
		this.force = force;
		this.index = nextIndex - 1;
	}

	/**
	 * Opens the log in a directory: the segments already there are closed ones (see {@link #recover}), and a
	 * new segment is started after them.
	 *
	 * @param dir the data directory
	 * @param segmentBytes the size past which a segment is closed
	 * @param force whether every write is synced to the device
	 * @return the log
	 */
	static WriteAheadLog open(Path dir, long segmentBytes, boolean force) {
		List<Path> existing = segments(dir);
		long next = existing.isEmpty() ? 1 : indexOf(existing.get(existing.size() - 1)) + 1;
		WriteAheadLog wal = new WriteAheadLog(dir, segmentBytes, force, next);
		wal.closed.addAll(existing);
		wal.startSegment();
		return wal;
	}

	/**
	 * The events of the closed segments with positions from {@code afterPosition + 1} on, without a gap. The
	 * caller inserts them into H2, stores them ({@code CHECKPOINT}) and then {@link #delete deletes} the
	 * segments.
	 *
	 * @param afterPosition the last position H2 holds
	 * @return the events, with their positions, in order
	 */
	List<Event> recover(long afterPosition) {
		List<Event> out = new ArrayList<>();
		long expected = afterPosition + 1;
		for (Path segment : closed) {
			try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(segment), 1 << 16))) {
				byte[] payload;
				while ((payload = readRecord(in, segment)) != null) {
					ByteBuffer b = ByteBuffer.wrap(payload);
					int count = b.getInt();
					for (int i = 0; i < count; i++) {
						long position = b.getLong();
						byte[] body = new byte[b.getInt()];
						b.get(body);
						if (position < expected) {
							continue;
						}
						if (position > expected) {
							// a gap: what follows can only be later than a lost write; never the case without a
							// damaged file, and nothing after it can be put in place
							log.warn("write-ahead log {}: position {} follows {}; {} events recovered, the rest ignored",
									segment.getFileName(), position, expected - 1, out.size());
							return out;
						}
						out.add(EventCodec.decode(body, position));
						expected++;
					}
				}
			}
			catch (IOException e) {
				throw new UncheckedIOException("cannot read the write-ahead log " + segment, e);
			}
		}
		return out;
	}

	/** The next record's payload, or null at the end of the segment or at a record cut short or damaged. */
	private static byte[] readRecord(DataInputStream in, Path segment) throws IOException {
		try {
			int magic = in.readInt();
			int length = in.readInt();
			int crc = in.readInt();
			if (magic != MAGIC || length < 4) {
				log.warn("write-ahead log {}: no record where one was expected; the rest of the segment is ignored",
						segment.getFileName());
				return null;
			}
			byte[] payload = new byte[length];
			in.readFully(payload);
			CRC32C check = new CRC32C();
			check.update(payload);
			if ((int) check.getValue() != crc) {
				log.warn("write-ahead log {}: a record fails its checksum; the rest of the segment is ignored",
						segment.getFileName());
				return null;
			}
			return payload;
		}
		catch (EOFException end) {
			return null;
		}
	}

	/**
	 * Writes one record of events to the operating system (and to the device when so configured). The record
	 * goes through one reused direct buffer: a group commit of thousands of events allocates nothing (a
	 * buffer the size of the record would be a humongous object for G1), at the price of several
	 * {@code write} calls for a large record, which is safe since reading stops at a record cut short.
	 *
	 * @param positions the events' positions
	 * @param bodies the events in the storage format
	 * @return the segment's size before the write, for {@link #truncate}
	 */
	long write(Long[] positions, byte[][] bodies) {
		int payload = 4;
		crc.reset();
		putInt(scratch, 0, bodies.length);
		crc.update(scratch, 0, 4);
		for (int i = 0; i < bodies.length; i++) {
			payload += 12 + bodies[i].length;
			putLong(scratch, 0, positions[i]);
			putInt(scratch, 8, bodies[i].length);
			crc.update(scratch, 0, 12);
			crc.update(bodies[i]);
		}
		long mark = size;
		try {
			buffer.clear();
			buffer.putInt(MAGIC).putInt(payload).putInt((int) crc.getValue()).putInt(bodies.length);
			for (int i = 0; i < bodies.length; i++) {
				if (buffer.remaining() < 12) {
					flush();
				}
				buffer.putLong(positions[i]).putInt(bodies[i].length);
				byte[] body = bodies[i];
				for (int off = 0; off < body.length;) {
					if (!buffer.hasRemaining()) {
						flush();
					}
					int n = Math.min(buffer.remaining(), body.length - off);
					buffer.put(body, off, n);
					off += n;
				}
			}
			flush();
			if (force) {
				channel.force(false);
			}
		}
		catch (IOException e) {
			truncate(mark);
			throw new UncheckedIOException("cannot write the write-ahead log " + current, e);
		}
		size = mark + HEADER + payload;
		written += HEADER + payload;
		return mark;
	}

	private void flush() throws IOException {
		buffer.flip();
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
		buffer.clear();
	}

	private static void putInt(byte[] b, int at, int v) {
		b[at] = (byte) (v >>> 24);
		b[at + 1] = (byte) (v >>> 16);
		b[at + 2] = (byte) (v >>> 8);
		b[at + 3] = (byte) v;
	}

	private static void putLong(byte[] b, int at, long v) {
		putInt(b, at, (int) (v >>> 32));
		putInt(b, at + 4, (int) v);
	}

	/**
	 * The bytes written since the last call, counting from zero again. Writer thread only.
	 *
	 * @return the bytes
	 */
	long takeWritten() {
		long n = written;
		written = 0;
		return n;
	}

	/**
	 * Takes back the writes after a mark: their transaction did not commit.
	 *
	 * @param mark a value {@link #write} returned
	 */
	void truncate(long mark) {
		try {
			channel.truncate(mark);
			channel.position(mark);
			size = mark;
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot truncate the write-ahead log " + current, e);
		}
	}

	/**
	 * Closes the current segment and starts the next one when it is larger than the configured size. Called
	 * between transactions, so that a closed segment holds only committed events.
	 *
	 * @return whether a segment was closed
	 */
	boolean rotateIfFull() {
		if (size < segmentBytes) {
			return false;
		}
		rotate();
		return true;
	}

	/** Closes the current segment and starts the next one. Between transactions, on the writer thread. */
	void rotate() {
		closeChannel();
		closed.add(current);
		startSegment();
	}

	/**
	 * The closed segments now. Once H2 has stored everything committed up to now, they can be deleted.
	 *
	 * @return the segments
	 */
	List<Path> closed() {
		return List.copyOf(closed);
	}

	/**
	 * Deletes closed segments whose events H2 has stored.
	 *
	 * @param segments segments {@link #closed()} returned
	 */
	void delete(List<Path> segments) {
		for (Path segment : segments) {
			try {
				Files.deleteIfExists(segment);
				closed.remove(segment);
			}
			catch (IOException e) {
				throw new UncheckedIOException("cannot delete the write-ahead segment " + segment, e);
			}
		}
	}

	/** Closes the current segment; the log is unusable afterwards. */
	@Override
	public void close() {
		closeChannel();
	}

	/**
	 * Closes the log and deletes every segment: once the database was closed, its file holds everything.
	 */
	void closeAndDelete() {
		closeChannel();
		closed.add(current);
		delete(closed());
	}

	private void closeChannel() {
		try {
			channel.close();
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot close the write-ahead log " + current, e);
		}
	}

	private void startSegment() {
		index++;
		current = dir.resolve(String.format("%s%016d%s", PREFIX, index, SUFFIX));
		try {
			channel = FileChannel.open(current, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot create the write-ahead segment " + current, e);
		}
		size = 0;
	}

	private static List<Path> segments(Path dir) {
		List<Path> out = new ArrayList<>();
		try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
			for (Path file : files) {
				if (indexOf(file) > 0) {
					out.add(file);
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot list the write-ahead log in " + dir, e);
		}
		out.sort((a, b) -> Long.compare(indexOf(a), indexOf(b)));
		return out;
	}

	private static long indexOf(Path segment) {
		String name = segment.getFileName().toString();
		try {
			return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
		}
		catch (NumberFormatException e) {
			return -1;
		}
	}

	/** For tests: the segment files, closed and current. */
	static List<Path> files(Path dir) {
		return segments(dir);
	}
}
