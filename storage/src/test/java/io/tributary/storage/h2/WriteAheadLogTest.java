package io.tributary.storage.h2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.spi.EventCodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write-ahead file on its own: what is written is read back from the position asked for, a record cut
 * short or damaged ends its segment, a taken-back record is gone, and the storage leaves no segment after a
 * clean close.
 */
class WriteAheadLogTest {

	private static final Duration T = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private static Event event(long position) {
		return new Event(new UUID(0x7000L | position << 16, 0x8000_0000_0000_0000L | position), "wal-test", position,
				Hlc.pack(1_700_000_000_000L + position, 0), "todo", "e" + position % 7, Op.PUT,
				("{\"n\":" + position + ",\"s\":\"\u00E9\uD83D\uDE80\"}").getBytes(StandardCharsets.UTF_8), null,
				"user-" + position % 3, 1, 0).withPosition(position);
	}

	/** Writes events {@code from..to} as one record. */
	private static long write(WriteAheadLog wal, long from, long to) {
		int n = (int) (to - from + 1);
		Long[] positions = new Long[n];
		byte[][] bodies = new byte[n][];
		for (int i = 0; i < n; i++) {
			positions[i] = from + i;
			bodies[i] = EventCodec.encode(event(from + i));
		}
		return wal.write(positions, bodies);
	}

	private static List<Long> positions(List<Event> events) {
		List<Long> out = new ArrayList<>();
		for (Event e : events) {
			out.add(e.position());
		}
		return out;
	}

	private WriteAheadLog reopen() {
		return WriteAheadLog.open(dir, 1 << 20, false);
	}

	@Test
	void eventsComeBackWholeFromThePositionAskedFor() {
		WriteAheadLog wal = reopen();
		write(wal, 1, 3);
		wal.rotate();
		write(wal, 4, 4);
		write(wal, 5, 9);
		wal.close();

		WriteAheadLog again = reopen();
		List<Event> all = again.recover(0);
		assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), positions(all));
		for (Event e : all) {
			assertEquals(event(e.position()), e);
		}
		assertEquals(List.of(5L, 6L, 7L, 8L, 9L), positions(again.recover(4)));
		assertTrue(again.recover(9).isEmpty());
		again.close();
	}

	@Test
	void aRecordLargerThanTheWriteBufferComesBackWhole() throws IOException {
		WriteAheadLog wal = reopen();
		write(wal, 1, 4000); // about 480 KiB: written through the 256 KiB buffer in pieces
		write(wal, 4001, 4001);
		wal.close();
		assertTrue(Files.size(WriteAheadLog.files(dir).get(0)) > 256 * 1024);
		List<Event> all = reopen().recover(0);
		assertEquals(4001, all.size());
		for (int i = 0; i < all.size(); i++) {
			assertEquals(event(i + 1), all.get(i));
		}
	}

	@Test
	void aRecordCutShortEndsItsSegmentAndTheNextSegmentGoesOn() throws IOException {
		WriteAheadLog wal = reopen();
		write(wal, 1, 2);
		write(wal, 3, 5);
		wal.close();
		Path first = WriteAheadLog.files(dir).get(0);
		long full = Files.size(first);
		try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
			f.setLength(full - 7); // the crash cut the second write short: never acknowledged
		}
		// the process that opens next writes the lost positions again, in a new segment
		WriteAheadLog after = reopen();
		write(after, 3, 4);
		after.close();

		List<Event> recovered = reopen().recover(0);
		assertEquals(List.of(1L, 2L, 3L, 4L), positions(recovered));
	}

	@Test
	void aDamagedRecordIsNotReplayed() throws IOException {
		WriteAheadLog wal = reopen();
		write(wal, 1, 2);
		long second = write(wal, 3, 4);
		wal.close();
		Path segment = WriteAheadLog.files(dir).get(0);
		try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
			long at = second + 30;
			f.seek(at);
			int b = f.read();
			f.seek(at);
			f.write(b ^ 0x5A);
		}
		assertEquals(List.of(1L, 2L), positions(reopen().recover(0)));
	}

	@Test
	void aTakenBackRecordIsGone() {
		WriteAheadLog wal = reopen();
		write(wal, 1, 2);
		long mark = write(wal, 3, 4);
		wal.truncate(mark); // its transaction did not commit
		write(wal, 3, 3);
		wal.close();
		List<Event> recovered = reopen().recover(0);
		assertEquals(List.of(1L, 2L, 3L), positions(recovered));
	}

	@Test
	void aGapEndsRecovery() {
		WriteAheadLog wal = reopen();
		write(wal, 1, 2);
		write(wal, 5, 6);
		wal.close();
		assertEquals(List.of(1L, 2L), positions(reopen().recover(0)));
	}

	@Test
	void segmentsAreClosedPastTheirSizeAndDeletedWhenReleased() {
		WriteAheadLog wal = WriteAheadLog.open(dir, 200, false);
		write(wal, 1, 1);
		assertFalse(wal.rotateIfFull());
		write(wal, 2, 3);
		assertTrue(wal.rotateIfFull());
		assertEquals(1, wal.closed().size());
		assertEquals(2, WriteAheadLog.files(dir).size());
		wal.delete(wal.closed());
		assertTrue(wal.closed().isEmpty());
		assertEquals(1, WriteAheadLog.files(dir).size());
		wal.closeAndDelete();
		assertTrue(WriteAheadLog.files(dir).isEmpty());
	}

	@Test
	void theStorageLeavesNoSegmentAfterACleanCloseAndRotatesUnderLoad() {
		H2Storage storage = H2Storage.builder().directory(dir).writeAheadSegmentBytes(4096).open().block(T);
		List<Event> batch = new ArrayList<>();
		for (long seq = 1; seq <= 400; seq++) {
			batch.add(new Event(new UUID(0x7000L | seq << 16, 0x8000_0000_0000_0000L | seq), "wal-test", seq,
					Hlc.pack(1_700_000_000_000L + seq, 0), "todo", "e" + seq, Op.PUT,
					"{\"n\":1}".getBytes(StandardCharsets.UTF_8), null, null, 1, 0));
			if (batch.size() == 20) {
				storage.events().append(List.copyOf(batch)).block(T);
				batch.clear();
			}
		}
		assertEquals(0, storage.recoveredAtOpen());
		// segments of 4 KiB: closed ones are released in the background, a few may still be waiting
		assertFalse(WriteAheadLog.files(dir).isEmpty());
		storage.close().block(T);
		assertTrue(WriteAheadLog.files(dir).isEmpty());

		H2Storage reopened = H2Storage.builder().directory(dir).open().block(T);
		try {
			assertEquals(0, reopened.recoveredAtOpen());
			assertEquals(400L, reopened.events().lastPosition().block(T));
		}
		finally {
			reopened.close().block(T);
		}
	}

	@Test
	void theSizeMustBePositive() {
		assertThrows(IllegalArgumentException.class,
				() -> H2Storage.builder().writeAheadSegmentBytes(0));
	}
}
