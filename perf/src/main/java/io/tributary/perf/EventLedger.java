package io.tributary.perf;

import java.util.Arrays;
import java.util.BitSet;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import io.tributary.Event;
import io.tributary.Op;

/**
 * The events one engine acknowledged, by origin sequence, in columns (about 45 bytes an event instead of a
 * retained {@link Event}): what the baselines insert and what the reopened store is checked against.
 * The engine's origin is fresh, so its sequence runs from 1 to {@link #capacity()}; on a fresh single-writer H2
 * store that is also the position (on a shared store positions are the database's and say nothing here). Each
 * slot is written once, by whichever thread completes the write; readers read after the phase's {@code block()},
 * which orders the writes before them.
 */
final class EventLedger {

	private final String origin;
	private final long[] idMsb;
	private final long[] idLsb;
	private final long[] originSeq;
	private final long[] hlc;
	private final int[] entity;
	private final int[] payload;
	private final byte[] op;
	// the head the engine wrote each event on (0, 0 for none) and its schema version: with these the ledger
	// rebuilds the very event, and so its encoded bytes
	private final long[] baseMsb;
	private final long[] baseLsb;
	private final BitSet hasBase;
	private final int[] schemaVersion;
	private final LongAdder acknowledged = new LongAdder();

	EventLedger(String origin, int capacity) {
		this.origin = origin;
		this.idMsb = new long[capacity];
		this.idLsb = new long[capacity];
		this.originSeq = new long[capacity];
		this.hlc = new long[capacity];
		this.entity = new int[capacity];
		this.payload = new int[capacity];
		this.op = new byte[capacity];
		this.baseMsb = new long[capacity];
		this.baseLsb = new long[capacity];
		this.hasBase = new BitSet(capacity);
		this.schemaVersion = new int[capacity];
	}

	/**
	 * Records an acknowledged event.
	 *
	 * @throws IllegalStateException when the event's sequence is not one of a fresh origin or it is not from
	 *         this origin
	 */
	void record(Event e, int entityIndex, int payloadIndex) {
		long seq = e.originSeq();
		if (seq < 1 || seq > idMsb.length) {
			throw new IllegalStateException("acknowledged origin sequence " + seq + " is outside 1.." + idMsb.length
					+ ": the origin was not fresh");
		}
		if (!origin.equals(e.origin())) {
			throw new IllegalStateException("acknowledged event of origin " + e.origin() + ", expected " + origin);
		}
		int i = (int) (seq - 1);
		idMsb[i] = e.id().getMostSignificantBits();
		idLsb[i] = e.id().getLeastSignificantBits();
		originSeq[i] = e.originSeq();
		hlc[i] = e.hlc();
		entity[i] = entityIndex;
		payload[i] = payloadIndex;
		op[i] = (byte) e.op().code();
		if (e.base() != null) {
			baseMsb[i] = e.base().getMostSignificantBits();
			baseLsb[i] = e.base().getLeastSignificantBits();
			synchronized (hasBase) {
				hasBase.set(i);
			}
		}
		schemaVersion[i] = e.schemaVersion();
		acknowledged.increment();
	}

	String origin() {
		return origin;
	}

	int capacity() {
		return idMsb.length;
	}

	long acknowledged() {
		return acknowledged.sum();
	}

	UUID id(int index) {
		return new UUID(idMsb[index], idLsb[index]);
	}

	long originSeq(int index) {
		return originSeq[index];
	}

	long hlc(int index) {
		return hlc[index];
	}

	int entity(int index) {
		return entity[index];
	}

	int payload(int index) {
		return payload[index];
	}

	byte op(int index) {
		return op[index];
	}

	/**
	 * The event acknowledged at an index as the engine stored it, its position aside (0): what the PostgreSQL
	 * baseline encodes. The workload writes no user id.
	 *
	 * @param i the ledger index (the acknowledged origin sequence minus one)
	 * @param workload the workload the entity and payload indexes refer to
	 * @return the event
	 */
	Event event(int i, Workload workload) {
		boolean based;
		synchronized (hasBase) {
			based = hasBase.get(i);
		}
		return new Event(id(i), origin, originSeq[i], hlc[i], Workload.TYPE, workload.entityId(entity[i]),
				Op.ofCode(op[i]), workload.payload(payload[i]), based ? new UUID(baseMsb[i], baseLsb[i]) : null, null,
				schemaVersion[i], 0);
	}

	/**
	 * Whether a stored event is the one acknowledged with its origin sequence, field by field.
	 *
	 * @param e an event read back from the store
	 * @param workload the workload the entity and payload indexes refer to
	 * @return true when it matches
	 */
	boolean matches(Event e, Workload workload) {
		long seq = e.originSeq();
		if (seq < 1 || seq > idMsb.length) {
			return false;
		}
		return matchesAt((int) (seq - 1), e, workload);
	}

	/**
	 * Whether an event is the one acknowledged at an index, field by field, its position aside: for a
	 * replica that holds the events at other positions.
	 *
	 * @param i the ledger index (the acknowledged origin sequence minus one)
	 * @param e an event read back from a store
	 * @param workload the workload the entity and payload indexes refer to
	 * @return true when it matches
	 */
	boolean matchesAt(int i, Event e, Workload workload) {
		if (i < 0 || i >= idMsb.length) {
			return false;
		}
		return e.id().getMostSignificantBits() == idMsb[i] && e.id().getLeastSignificantBits() == idLsb[i]
				&& origin.equals(e.origin()) && e.originSeq() == originSeq[i] && e.hlc() == hlc[i]
				&& e.op().code() == op[i] && Workload.TYPE.equals(e.type())
				&& workload.entityId(entity[i]).equals(e.entityId())
				&& Arrays.equals(workload.payload(payload[i]), e.payload());
	}

	/**
	 * How many of the acknowledged events a replica holds identically, found by origin sequence (on this
	 * ledger's fresh single-writer store, sequence and position are the same). Blocking.
	 *
	 * @param replica a node that synced from the ledger's store
	 * @param workload the workload the entity and payload indexes refer to
	 * @return the events held field by field as acknowledged, each counted once
	 */
	long verifiedOn(Node replica, Workload workload) {
		BitSet matched = new BitSet(capacity());
		replica.forEachEvent(e -> {
			long index = e.originSeq() - 1;
			if (origin.equals(e.origin()) && index < capacity() && matchesAt((int) index, e, workload)) {
				matched.set((int) index);
			}
		});
		return matched.cardinality();
	}

	/** How many distinct entities the acknowledged events wrote. */
	int distinctEntities(int keySpace) {
		BitSet seen = new BitSet(keySpace);
		long n = acknowledged();
		for (int i = 0; i < n; i++) {
			seen.set(entity[i]);
		}
		return seen.cardinality();
	}
}
