package io.tributary;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An immutable version vector: per origin, the highest contiguous {@code originSeq} a replica holds.
 * <p>
 * Vectors are Tributary's sync checkpoint: a replica lacks exactly the events whose {@code originSeq}
 * is above its vector's entry for their origin, and an event at or below it is a duplicate.
 * <p>
 * In JSON a vector is an object of origin to sequence.
 */
public final class VersionVector {

	private static final VersionVector EMPTY = new VersionVector(Collections.emptyMap());

	private final Map<String, Long> entries;

	private VersionVector(Map<String, Long> entries) {
		this.entries = entries;
	}

	/**
	 * The empty vector.
	 *
	 * @return a vector holding nothing
	 */
	public static VersionVector empty() {
		return EMPTY;
	}

	/**
	 * A vector of the given entries; entries of 0 are left out.
	 *
	 * @param entries origin to highest contiguous sequence
	 * @return the vector
	 * @throws IllegalArgumentException for a negative sequence
	 */
	@JsonCreator
	public static VersionVector of(Map<String, Long> entries) {
		Map<String, Long> copy = new TreeMap<>();
		entries.forEach((origin, seq) -> {
			Objects.requireNonNull(origin, "origin");
			if (seq < 0) {
				throw new IllegalArgumentException("negative sequence " + seq + " for origin " + origin);
			}
			if (seq > 0) {
				copy.put(origin, seq);
			}
		});
		return copy.isEmpty() ? EMPTY : new VersionVector(Collections.unmodifiableMap(copy));
	}

	/**
	 * The highest contiguous sequence held for an origin.
	 *
	 * @param origin the origin
	 * @return the sequence, 0 when nothing is held
	 */
	public long get(String origin) {
		Long seq = entries.get(origin);
		return seq == null ? 0L : seq;
	}

	/**
	 * This vector with one entry set.
	 *
	 * @param origin the origin
	 * @param seq the sequence
	 * @return a new vector
	 */
	public VersionVector with(String origin, long seq) {
		Map<String, Long> copy = new HashMap<>(entries);
		copy.put(origin, seq);
		return of(copy);
	}

	/**
	 * The entry-wise maximum of two vectors.
	 *
	 * @param other the other vector
	 * @return the merged vector
	 */
	public VersionVector merge(VersionVector other) {
		Map<String, Long> copy = new HashMap<>(entries);
		other.entries.forEach((origin, seq) -> copy.merge(origin, seq, Math::max));
		return of(copy);
	}

	/**
	 * Whether this vector holds everything the other holds.
	 *
	 * @param other the other vector
	 * @return true when every entry of {@code other} is at or below this vector's
	 */
	public boolean covers(VersionVector other) {
		for (Map.Entry<String, Long> e : other.entries.entrySet()) {
			if (get(e.getKey()) < e.getValue()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether this vector holds an event.
	 *
	 * @param origin the event's origin
	 * @param originSeq the event's sequence
	 * @return true when the event is at or below this vector
	 */
	public boolean covers(String origin, long originSeq) {
		return originSeq <= get(origin);
	}

	/**
	 * What this vector lacks against another: per origin where {@code other} is ahead, this vector's
	 * entry (the events above it, up to {@code other}'s entry, are missing here).
	 *
	 * @param other the vector of a replica that may hold more
	 * @return origin to the highest sequence held here, for origins where {@code other} holds more
	 */
	public Map<String, Long> lacking(VersionVector other) {
		Map<String, Long> missing = new TreeMap<>();
		other.entries.forEach((origin, seq) -> {
			long mine = get(origin);
			if (mine < seq) {
				missing.put(origin, mine);
			}
		});
		return Collections.unmodifiableMap(missing);
	}

	/**
	 * The entries.
	 *
	 * @return an unmodifiable map of origin to sequence, without zero entries
	 */
	@JsonValue
	public Map<String, Long> entries() {
		return entries;
	}

	/**
	 * The number of events covered: the sum of all entries.
	 *
	 * @return the total
	 */
	public long total() {
		long sum = 0;
		for (long v : entries.values()) {
			sum += v;
		}
		return sum;
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof VersionVector && ((VersionVector) o).entries.equals(entries);
	}

	@Override
	public int hashCode() {
		return entries.hashCode();
	}

	@Override
	public String toString() {
		return "VersionVector" + new TreeMap<>(entries);
	}
}
