package io.tributary;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionVectorTest {

	private static VersionVector vv(Object... originAndSeq) {
		Map<String, Long> m = new HashMap<>();
		for (int i = 0; i < originAndSeq.length; i += 2) {
			m.put((String) originAndSeq[i], ((Number) originAndSeq[i + 1]).longValue());
		}
		return VersionVector.of(m);
	}

	@Test
	void getReturnsTheEntryOrZeroForAnUnknownOrigin() {
		VersionVector v = vv("a", 3, "b", 1);
		assertEquals(3, v.get("a"));
		assertEquals(1, v.get("b"));
		assertEquals(0, v.get("c"));
	}

	@Test
	void zeroEntriesAreDropped() {
		VersionVector v = vv("a", 0, "b", 2);
		assertEquals(Map.of("b", 2L), v.entries());
		assertEquals(vv("b", 2), v);
		assertEquals(VersionVector.empty(), vv("a", 0));
		assertEquals(Map.of(), vv("a", 5).with("a", 0).entries(), "with(origin, 0) removes the entry");
	}

	@Test
	void negativeSequenceIsRejected() {
		assertThrows(IllegalArgumentException.class, () -> vv("a", -1));
		assertThrows(IllegalArgumentException.class, () -> VersionVector.empty().with("a", -1));
	}

	@Test
	void entriesAreUnmodifiable() {
		VersionVector v = vv("a", 1);
		assertThrows(UnsupportedOperationException.class, () -> v.entries().put("b", 1L));
	}

	@Test
	void withSetsOneEntryAndLeavesTheOriginalUnchanged() {
		VersionVector v = vv("a", 1);
		VersionVector w = v.with("b", 4).with("a", 2);
		assertEquals(vv("a", 2, "b", 4), w);
		assertEquals(vv("a", 1), v);
	}

	@Test
	void mergeTakesTheEntrywiseMaximum() {
		VersionVector merged = vv("a", 3, "b", 1).merge(vv("b", 5, "c", 2));
		assertEquals(vv("a", 3, "b", 5, "c", 2), merged);
		assertEquals(merged, vv("b", 5, "c", 2).merge(vv("a", 3, "b", 1)), "merge is commutative");
		assertEquals(merged, merged.merge(merged), "merge is idempotent");
	}

	@Test
	void coversAVectorWhenEveryEntryIsAtOrBelow() {
		VersionVector v = vv("a", 3, "b", 2);
		assertTrue(v.covers(vv("a", 3, "b", 2)));
		assertTrue(v.covers(vv("a", 1)));
		assertTrue(v.covers(VersionVector.empty()));
		assertFalse(v.covers(vv("a", 4)));
		assertFalse(v.covers(vv("c", 1)), "an origin it never saw is not covered");
		assertFalse(VersionVector.empty().covers(v));
	}

	@Test
	void coversAnEventAtOrBelowItsOriginEntry() {
		VersionVector v = vv("a", 3);
		assertTrue(v.covers("a", 1));
		assertTrue(v.covers("a", 3));
		assertFalse(v.covers("a", 4));
		assertFalse(v.covers("b", 1));
	}

	@Test
	void lackingListsOwnEntryWhereTheOtherIsAhead() {
		VersionVector mine = vv("x", 3, "y", 5);
		VersionVector theirs = vv("x", 5, "y", 2, "z", 1);
		assertEquals(Map.of("x", 3L, "z", 0L), mine.lacking(theirs));
		assertEquals(Map.of(), theirs.merge(mine).lacking(theirs), "nothing lacks against a covered vector");
		assertEquals(Map.of("y", 2L), theirs.lacking(mine));
	}

	@Test
	void totalSumsTheEntries() {
		assertEquals(0, VersionVector.empty().total());
		assertEquals(10, vv("a", 3, "b", 7).total());
	}

	@Test
	void equalsAndHashCodeFollowTheEntries() {
		VersionVector a = vv("a", 1, "b", 2);
		VersionVector b = VersionVector.empty().with("b", 2).with("a", 1);
		assertEquals(a, b);
		assertEquals(a.hashCode(), b.hashCode());
		assertNotEquals(a, vv("a", 1, "b", 3));
		assertNotEquals(a, vv("a", 1));
		assertEquals("VersionVector{a=1, b=2}", a.toString());
	}
}
