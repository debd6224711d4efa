package io.tributary.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.tributary.Conflict;
import io.tributary.ConflictStrategy;
import io.tributary.Event;
import io.tributary.Op;

/**
 * The compact binary form of events that stores keep (the storage format, documented in
 * {@code docs/STORAGE.md}). The position is not part of it: it is the store's key.
 * <p>
 * Layout, big-endian: format byte (1), id (16), origin (str), originSeq (8), hlc (8), type (str),
 * entityId (str), op (1), flags (1: bit 0 base present, bit 1 userId present, bit 2 payload present,
 * bit 3 project present), [base (16)], [userId (str)], schemaVersion (4), [payload length (4), payload],
 * [project (str)]. A str is a 4-byte length and UTF-8 bytes. An event of the default project has no
 * project field, so its bytes are those of the format before projects. Stateless and thread-safe.
 */
public final class EventCodec {

	/** The current format byte. */
	public static final byte FORMAT = 1;

	private EventCodec() {
	}

	/**
	 * Encodes an event without its position.
	 *
	 * @param e the event
	 * @return the bytes
	 */
	public static byte[] encode(Event e) {
		// the exact size: one array, never grown or copied (every stored event passes here)
		Writer w = new Writer(size(e));
		write(w, e);
		return w.toByteArray();
	}

	/** The encoded size of an event. */
	private static int size(Event e) {
		int n = 1 + 16 + 4 + Writer.utf8Length(e.origin()) + 8 + 8 + 4 + Writer.utf8Length(e.type()) + 4
				+ Writer.utf8Length(e.entityId()) + 1 + 1 + 4;
		if (e.base() != null) {
			n += 16;
		}
		if (e.userId() != null) {
			n += 4 + Writer.utf8Length(e.userId());
		}
		if (e.payload() != null) {
			n += 4 + e.payload().length;
		}
		if (!e.inDefaultProject()) {
			n += 4 + Writer.utf8Length(e.project());
		}
		return n;
	}

	/**
	 * Decodes an event.
	 *
	 * @param bytes the bytes from {@link #encode(Event)}
	 * @param position the position to give the event
	 * @return the event
	 * @throws IllegalArgumentException when the bytes are not an event of a known format
	 */
	public static Event decode(byte[] bytes, long position) {
		Reader r = new Reader(bytes);
		Event e = read(r, position);
		if (r.pos != bytes.length) {
			throw new IllegalArgumentException("trailing bytes after event: " + (bytes.length - r.pos));
		}
		return e;
	}

	/**
	 * Encodes a list of events with their positions.
	 *
	 * @param events the events
	 * @return the bytes
	 */
	public static byte[] encodeList(List<Event> events) {
		Writer w = new Writer(128 * events.size() + 8);
		w.writeInt(events.size());
		for (Event e : events) {
			w.writeLong(e.position());
			write(w, e);
		}
		return w.toByteArray();
	}

	/**
	 * Decodes a list encoded by {@link #encodeList(List)}.
	 *
	 * @param bytes the bytes
	 * @return the events
	 */
	public static List<Event> decodeList(byte[] bytes) {
		Reader r = new Reader(bytes);
		int n = r.readInt();
		if (n < 0 || n > bytes.length) {
			throw new IllegalArgumentException("bad event count " + n);
		}
		List<Event> list = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			long position = r.readLong();
			list.add(read(r, position));
		}
		return list;
	}

	/**
	 * Encodes a conflict.
	 *
	 * @param c the conflict
	 * @return the bytes
	 */
	public static byte[] encodeConflict(Conflict c) {
		Writer w = new Writer(256);
		w.writeByte(c.strategy().ordinal());
		w.writeUuid(c.winner());
		w.writeLong(c.incoming().position());
		write(w, c.incoming());
		w.writeLong(c.head().position());
		write(w, c.head());
		return w.toByteArray();
	}

	/**
	 * Decodes a conflict encoded by {@link #encodeConflict(Conflict)}.
	 *
	 * @param bytes the bytes
	 * @return the conflict
	 */
	public static Conflict decodeConflict(byte[] bytes) {
		Reader r = new Reader(bytes);
		int code = r.readByte();
		if (code >= ConflictStrategy.values().length) {
			throw new IllegalArgumentException("unknown conflict strategy " + code);
		}
		ConflictStrategy strategy = ConflictStrategy.values()[code];
		UUID winner = r.readUuid();
		Event incoming = read(r, r.readLong());
		Event head = read(r, r.readLong());
		return new Conflict(incoming.type(), incoming.entityId(), incoming, head, winner, strategy);
	}

	private static void write(Writer w, Event e) {
		w.writeByte(FORMAT);
		w.writeUuid(e.id());
		w.writeString(e.origin());
		w.writeLong(e.originSeq());
		w.writeLong(e.hlc());
		w.writeString(e.type());
		w.writeString(e.entityId());
		w.writeByte(e.op().code());
		int flags = (e.base() != null ? 1 : 0) | (e.userId() != null ? 2 : 0) | (e.payload() != null ? 4 : 0)
				| (e.inDefaultProject() ? 0 : 8);
		w.writeByte(flags);
		if (e.base() != null) {
			w.writeUuid(e.base());
		}
		if (e.userId() != null) {
			w.writeString(e.userId());
		}
		w.writeInt(e.schemaVersion());
		if (e.payload() != null) {
			w.writeInt(e.payload().length);
			w.writeBytes(e.payload());
		}
		if (!e.inDefaultProject()) {
			// last, under a flag of its own: the events of the default project keep the bytes they always had
			w.writeString(e.project());
		}
	}

	private static Event read(Reader r, long position) {
		int format = r.readByte();
		if (format != FORMAT) {
			throw new IllegalArgumentException("unknown event format " + format);
		}
		UUID id = r.readUuid();
		String origin = r.readString();
		long originSeq = r.readLong();
		long hlc = r.readLong();
		String type = r.readString();
		String entityId = r.readString();
		Op op = Op.ofCode(r.readByte());
		int flags = r.readByte();
		UUID base = (flags & 1) != 0 ? r.readUuid() : null;
		String userId = (flags & 2) != 0 ? r.readString() : null;
		int schemaVersion = r.readInt();
		byte[] payload = (flags & 4) != 0 ? r.readBytes(r.readInt()) : null;
		String project = (flags & 8) != 0 ? r.readString() : Event.DEFAULT_PROJECT;
		return new Event(id, origin, originSeq, hlc, type, entityId, op, payload, base, userId, schemaVersion, position,
				project);
	}

	private static final class Writer {
		private byte[] buf;
		private int pos;

		Writer(int capacity) {
			buf = new byte[capacity];
		}

		private void ensure(int n) {
			if (pos + n > buf.length) {
				buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
			}
		}

		void writeByte(int v) {
			ensure(1);
			buf[pos++] = (byte) v;
		}

		void writeInt(int v) {
			ensure(4);
			buf[pos++] = (byte) (v >>> 24);
			buf[pos++] = (byte) (v >>> 16);
			buf[pos++] = (byte) (v >>> 8);
			buf[pos++] = (byte) v;
		}

		void writeLong(long v) {
			writeInt((int) (v >>> 32));
			writeInt((int) v);
		}

		void writeUuid(UUID id) {
			writeLong(id.getMostSignificantBits());
			writeLong(id.getLeastSignificantBits());
		}

		void writeBytes(byte[] b) {
			ensure(b.length);
			System.arraycopy(b, 0, buf, pos, b.length);
			pos += b.length;
		}

		/**
		 * Writes a length and the UTF-8 bytes of a string, encoded in place: the same bytes as
		 * {@code s.getBytes(UTF_8)} (a lone surrogate becomes {@code '?'}), without a temporary array.
		 */
		void writeString(String s) {
			int length = utf8Length(s);
			writeInt(length);
			ensure(length);
			int n = s.length();
			for (int i = 0; i < n; i++) {
				char c = s.charAt(i);
				if (c < 0x80) {
					buf[pos++] = (byte) c;
				}
				else if (c < 0x800) {
					buf[pos++] = (byte) (0xC0 | c >> 6);
					buf[pos++] = (byte) (0x80 | c & 0x3F);
				}
				else if (Character.isSurrogate(c)) {
					if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
						int cp = Character.toCodePoint(c, s.charAt(++i));
						buf[pos++] = (byte) (0xF0 | cp >> 18);
						buf[pos++] = (byte) (0x80 | cp >> 12 & 0x3F);
						buf[pos++] = (byte) (0x80 | cp >> 6 & 0x3F);
						buf[pos++] = (byte) (0x80 | cp & 0x3F);
					}
					else {
						buf[pos++] = '?';
					}
				}
				else {
					buf[pos++] = (byte) (0xE0 | c >> 12);
					buf[pos++] = (byte) (0x80 | c >> 6 & 0x3F);
					buf[pos++] = (byte) (0x80 | c & 0x3F);
				}
			}
		}

		/** The length of {@code s.getBytes(UTF_8)}, counted without encoding. */
		static int utf8Length(String s) {
			int n = s.length();
			int length = n;
			for (int i = 0; i < n; i++) {
				char c = s.charAt(i);
				if (c < 0x80) {
					continue;
				}
				if (c < 0x800) {
					length += 1;
				}
				else if (Character.isSurrogate(c)) {
					if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
						length += 2; // two chars, four bytes
						i++;
					}
					// a lone surrogate: one '?'
				}
				else {
					length += 2;
				}
			}
			return length;
		}

		byte[] toByteArray() {
			return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
		}
	}

	private static final class Reader {
		private final byte[] buf;
		private int pos;

		Reader(byte[] buf) {
			this.buf = buf;
		}

		private void need(int n) {
			if (n < 0 || n > buf.length - pos) {
				throw new IllegalArgumentException("truncated event: need " + n + " bytes at " + pos + " of " + buf.length);
			}
		}

		int readByte() {
			need(1);
			return buf[pos++] & 0xFF;
		}

		int readInt() {
			need(4);
			int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
					| (buf[pos + 3] & 0xFF);
			pos += 4;
			return v;
		}

		long readLong() {
			return ((long) readInt() << 32) | (readInt() & 0xFFFFFFFFL);
		}

		UUID readUuid() {
			return new UUID(readLong(), readLong());
		}

		byte[] readBytes(int n) {
			need(n);
			byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
			pos += n;
			return b;
		}

		String readString() {
			int n = readInt();
			need(n);
			String s = new String(buf, pos, n, StandardCharsets.UTF_8);
			pos += n;
			return s;
		}
	}
}
