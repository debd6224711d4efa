package io.tributary.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tributary.Event;
import io.tributary.spi.Erasure;

/**
 * Peer events that arrived ahead of a missing predecessor of their origin, held (at most {@code max}) until it
 * comes. Touched only by the committer (inside the gate).
 */
final class HeldEvents {

	private final Map<String, TreeMap<Long, Event>> held = new HashMap<>();
	private final int max;
	private int count;

	HeldEvents(int max) {
		this.max = max;
	}

	/**
	 * Holds an event above a gap.
	 *
	 * @return false when the buffer is full and the event was dropped (the peer must send it again)
	 */
	boolean hold(Event e) {
		TreeMap<Long, Event> q = held.computeIfAbsent(e.origin(), o -> new TreeMap<>());
		if (q.containsKey(e.originSeq())) {
			return true;
		}
		if (count >= max) {
			return false;
		}
		q.put(e.originSeq(), e);
		count++;
		return true;
	}

	/**
	 * Takes the held event of an origin that follows {@code have}, dropping held ones it already covers.
	 *
	 * @return the next event of the origin, or null when none is held
	 */
	Event next(String origin, long have) {
		TreeMap<Long, Event> q = held.get(origin);
		while (q != null && !q.isEmpty() && q.firstKey() <= have + 1) {
			Event next = q.pollFirstEntry().getValue();
			count--;
			if (next.originSeq() == have + 1) {
				return next;
			}
		}
		return null;
	}

	/** Holds again peer events taken out for a commit that failed. */
	void restore(List<Event> events) {
		for (Event e : events) {
			TreeMap<Long, Event> q = held.computeIfAbsent(e.origin(), o -> new TreeMap<>());
			if (q.put(e.originSeq(), e) == null) {
				count++;
			}
		}
	}

	/** Drops the held events a user owns (erase). */
	void erase(String userId) {
		for (TreeMap<Long, Event> q : held.values()) {
			int before = q.size();
			q.values().removeIf(e -> Erasure.owns(userId, e));
			count -= before - q.size();
		}
	}
}
