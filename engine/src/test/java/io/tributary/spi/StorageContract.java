package io.tributary.spi;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.Conflict;
import io.tributary.ConflictStrategy;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.VersionVector;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link Storage} must show, whatever it is built on. A storage module subclasses this
 * (from the engine's test jar) and says how to open a fresh store and how to reopen it after a close.
 * <p>
 * Each test gets a fresh store from {@link #openFresh()}; the store in use is closed after the test.
 */
public abstract class StorageContract {

	/** Upper bound for any single call to the store. */
	protected static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final long T0 = 1_700_000_000_000L;

	/** The store under test. */
	protected Storage storage;

	/**
	 * A new, empty storage.
	 *
	 * @return the storage
	 */
	protected abstract Storage openFresh();

	/**
	 * The storage last returned by {@link #openFresh()}, opened again after it was closed: the same data.
	 *
	 * @return the reopened storage
	 */
	protected abstract Storage reopen();

	@BeforeEach
	void openStorage() {
		storage = openFresh();
	}

	@AfterEach
	void closeStorage() {
		if (storage != null) {
			storage.close().block(TIMEOUT);
			storage = null;
		}
	}

	// ------------------------------------------------------------ helpers

	/**
	 * An event of an origin, with every kind of field exercised across sequences: payloads with text in
	 * several scripts, deletes without payload, bases and owners on some.
	 *
	 * @param origin origin
	 * @param seq origin sequence
	 * @return the event, position 0
	 */
	protected static Event event(String origin, long seq) {
		boolean delete = seq % 4 == 0;
		byte[] payload = delete ? null
				: ("{\"n\":" + seq + ",\"s\":\"\u00E9\u05E9\u200F\uD83D\uDE80\"}").getBytes(StandardCharsets.UTF_8);
		UUID base = seq % 3 == 0 ? new UUID(seq, seq) : null;
		String userId = seq % 2 == 0 ? "user-\u00FC" + seq : null;
		UUID id = new UUID(0x0000_0000_0000_7000L | (origin.hashCode() & 0xFFFFL) << 16 | seq, 0x8000_0000_0000_0000L | seq);
		return new Event(id, origin, seq, Hlc.pack(T0 + seq, origin.length()), "todo", "e" + (seq % 3),
				delete ? Op.DELETE : Op.PUT, payload, base, userId, (int) seq % 5, 0);
	}

	/**
	 * Events interleaving several origins: a1 b1 a2 c1 b2 a3 ... up to the given count per origin.
	 *
	 * @param perOrigin events per origin
	 * @return the events, each origin in sequence order
	 */
	protected static List<Event> interleaved(int perOrigin) {
		List<Event> out = new ArrayList<>();
		for (int seq = 1; seq <= perOrigin; seq++) {
			out.add(event("a", seq));
			out.add(event("b", seq));
			if (seq % 2 == 1) {
				out.add(event("c\u00E9", (seq + 1) / 2));
			}
		}
		return out;
	}

	/**
	 * Appends and waits.
	 *
	 * @param events events
	 * @return the appended events with positions
	 */
	protected List<Event> append(List<Event> events) {
		return storage.events().append(events).block(TIMEOUT);
	}

	/**
	 * Every stored event.
	 *
	 * @return the events in position order
	 */
	protected List<Event> readAll() {
		return storage.events().read(0, Integer.MAX_VALUE).collectList().block(TIMEOUT);
	}

	private VersionVector vector() {
		return storage.events().vector().block(TIMEOUT);
	}

	private long lastPosition() {
		Long p = storage.events().lastPosition().block(TIMEOUT);
		return p == null ? -1 : p;
	}

	private static List<Event> positioned(List<Event> events, long first) {
		List<Event> out = new ArrayList<>();
		for (int i = 0; i < events.size(); i++) {
			out.add(events.get(i).withPosition(first + i));
		}
		return out;
	}

	/**
	 * Asserts that events were appended as given, at the next positions after {@code after}: for a store that numbers
	 * its events 1, 2, 3, ... in append order, exactly {@code after + 1} on; for a {@linkplain EventStore#shared()
	 * shared} store, whose positions only grow (within an append and from one to the next) but leave gaps between
	 * appends, strictly increasing positions above {@code after}.
	 */
	private void assertAppended(List<Event> expected, long after, List<Event> appended) {
		if (!storage.events().shared()) {
			assertEquals(positioned(expected, after + 1), appended);
			return;
		}
		assertEquals(expected.size(), appended.size(), "appended " + appended);
		long previous = after;
		for (int i = 0; i < expected.size(); i++) {
			Event e = appended.get(i);
			assertTrue(e.position() > previous, "positions grow: " + appended);
			assertEquals(expected.get(i).withPosition(e.position()), e);
			previous = e.position();
		}
	}

	private static long last(List<Event> events) {
		return events.get(events.size() - 1).position();
	}

	private static String describe(EntityRecord r) {
		return r.type() + "/" + r.entityId() + " user=" + r.userId() + " fold=" + Arrays.toString(r.fold());
	}

	private List<String> entities() {
		return storage.projections().entities().map(StorageContract::describe).sort().collectList().block(TIMEOUT);
	}

	private static EntityRecord record(String type, String entityId, String userId, String fold) {
		return new EntityRecord(type, entityId, userId, fold.getBytes(StandardCharsets.UTF_8));
	}

	private static Conflict conflict(Event incoming, Event head, ConflictStrategy strategy) {
		return new Conflict(incoming.type(), incoming.entityId(), incoming, head, head.id(), strategy);
	}

	// ------------------------------------------------------------ append

	@Test
	void appendAssignsGaplessPositionsFromOneInListOrder() {
		List<Event> first = List.of(event("a", 1), event("b", 1), event("a", 2));
		List<Event> second = List.of(event("b", 2), event("a", 3));

		List<Event> firstStored = append(first);
		assertAppended(first, 0, firstStored);
		List<Event> secondStored = append(second);
		assertAppended(second, last(firstStored), secondStored);
		List<Event> all = new ArrayList<>(firstStored);
		all.addAll(secondStored);
		assertEquals(all, readAll(), "read gives back every field as appended");
		assertEquals(last(all), lastPosition());
	}

	@Test
	void appendOfNothingAppendsNothing() {
		assertEquals(List.of(), append(List.of()));
		assertEquals(0, lastPosition());
	}

	@Test
	void appendIgnoresEventsTheVectorCovers() {
		List<Event> events = List.of(event("a", 1), event("a", 2), event("b", 1));
		List<Event> stored = append(events);

		assertEquals(List.of(), append(events), "the same events again append nothing");
		assertEquals(last(stored), lastPosition());

		List<Event> mixed = List.of(event("a", 2), event("a", 3), event("b", 1), event("b", 2));
		// only the events above the vector are appended
		assertAppended(List.of(event("a", 3), event("b", 2)), last(stored), append(mixed));
		assertEquals(VersionVector.empty().with("a", 3).with("b", 2), vector());
		assertEquals(5, readAll().size());
	}

	@Test
	void gapIsRefusedAndNothingOfTheBatchIsAppended() {
		List<Event> stored = append(List.of(event("a", 1)));

		storage.events().append(List.of(event("b", 1), event("a", 3))).as(StepVerifier::create)
				.expectError(SequenceGapException.class)
				.verify(TIMEOUT);

		assertEquals(VersionVector.empty().with("a", 1), vector());
		assertEquals(last(stored), lastPosition());
		assertEquals(stored, readAll());
		// the store still takes valid appends after a refused one
		assertAppended(List.of(event("b", 1)), last(stored), append(List.of(event("b", 1))));
	}

	@Test
	void firstEventOfAnOriginMustBeSequenceOne() {
		storage.events().append(List.of(event("a", 2))).as(StepVerifier::create)
				.expectError(SequenceGapException.class)
				.verify(TIMEOUT);
		assertEquals(0, lastPosition());
	}

	@Test
	void eventsOutOfSequenceWithinABatchAreAGap() {
		storage.events().append(List.of(event("a", 2), event("a", 1))).as(StepVerifier::create)
				.expectError(SequenceGapException.class)
				.verify(TIMEOUT);
		assertEquals(VersionVector.empty(), vector());
	}

	// ------------------------------------------------------------ read

	@Test
	void readPagesAfterAPosition() {
		List<Event> stored = append(interleaved(4));
		assertEquals(10, stored.size());

		assertEquals(stored.subList(0, 4), storage.events().read(0, 4).collectList().block(TIMEOUT));
		assertEquals(stored.subList(4, 8), storage.events().read(at(stored, 4), 4).collectList().block(TIMEOUT));
		assertEquals(stored.subList(8, 10), storage.events().read(at(stored, 8), 4).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.events().read(at(stored, 10), 4).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.events().read(at(stored, 10) + 89, 4).collectList().block(TIMEOUT));
		assertEquals(stored.subList(3, 10), storage.events().read(at(stored, 3), 100).collectList().block(TIMEOUT));
		assertEquals(stored.subList(5, 6), storage.events().read(at(stored, 5), 1).collectList().block(TIMEOUT));
	}

	/**
	 * The position of the n-th stored event, counting from 1: a cursor after the first n events.
	 *
	 * @param stored the stored events in position order
	 * @param n how many events the cursor is after
	 * @return the position
	 */
	private static long at(List<Event> stored, int n) {
		return stored.get(n - 1).position();
	}

	/** Reads of more events than a store fetches at a time (H2: 4,096) go on where each fetch ended. */
	@Test
	void longReadsGoOnAcrossFetches() {
		List<Event> stored = append(interleaved(4_000));
		assertEquals(10_000, stored.size());

		assertEquals(stored.subList(0, 9_000), storage.events().read(0, 9_000).collectList().block(TIMEOUT));
		assertEquals(stored.subList(4_095, 10_000),
				storage.events().read(at(stored, 4_095), 50_000).collectList().block(TIMEOUT));
		assertEquals(stored.subList(4_096, 8_193),
				storage.events().read(at(stored, 4_096), 4_097).collectList().block(TIMEOUT));
		assertEquals(stored, readAll());
		assertEquals(List.of(), storage.events().read(at(stored, 10_000), 5_000).collectList().block(TIMEOUT));
	}

	@Test
	void readLackingReturnsExactlyTheEventsNotCovered() {
		List<Event> stored = append(interleaved(6));
		List<VersionVector> haves = List.of(VersionVector.empty(),
				VersionVector.empty().with("a", 2).with("b", 5),
				VersionVector.empty().with("c\u00E9", 3),
				VersionVector.empty().with("a", 6).with("b", 6).with("c\u00E9", 2),
				VersionVector.empty().with("a", 9).with("z", 4),
				VersionVector.empty().with("a", 6).with("b", 6).with("c\u00E9", 3));

		for (VersionVector have : haves) {
			List<Event> expected = stored.stream().filter(e -> !have.covers(e.origin(), e.originSeq()))
					.collect(Collectors.toList());
			assertEquals(expected, storage.events().readLacking(have, 1000).collectList().block(TIMEOUT),
					"lacking against " + have);
		}
	}

	@Test
	void readLackingPagesByAdvancingTheVector() {
		List<Event> stored = append(interleaved(7));
		VersionVector have = VersionVector.empty().with("b", 3);
		List<Event> received = new ArrayList<>();
		for (int call = 0; call < 100; call++) {
			List<Event> page = storage.events().readLacking(have, 3).collectList().block(TIMEOUT);
			assertTrue(page.size() <= 3, "limit respected");
			if (page.isEmpty()) {
				break;
			}
			for (Event e : page) {
				assertEquals(have.get(e.origin()) + 1, e.originSeq(), "each origin comes in sequence order: " + e);
				have = have.with(e.origin(), e.originSeq());
				received.add(e);
			}
		}
		List<Event> expected = stored.stream().filter(e -> !(e.origin().equals("b") && e.originSeq() <= 3))
				.collect(Collectors.toList());
		assertEquals(expected, received, "every lacking event exactly once, in position order");
		assertEquals(vector(), have);
	}

	@Test
	void readLackingAfterThePreviousPageReturnsTheSameEventsAsOneRead() {
		List<Event> stored = append(interleaved(40));
		VersionVector start = VersionVector.empty().with("b", 11);
		List<Event> whole = storage.events().readLacking(start, 10_000).collectList().block(TIMEOUT);
		VersionVector have = start;
		long after = 0;
		List<Event> paged = new ArrayList<>();
		for (int call = 0; call < 1000; call++) {
			List<Event> page = storage.events().readLacking(have, after, 7).collectList().block(TIMEOUT);
			if (page.isEmpty()) {
				break;
			}
			for (Event e : page) {
				assertTrue(e.position() > after, "after the previous page: " + e);
				have = have.with(e.origin(), e.originSeq());
				paged.add(e);
			}
			after = page.get(page.size() - 1).position();
		}
		assertEquals(whole, paged, "paging with the position hint returns every lacking event once, in order");
		assertEquals(stored.size() - 11, paged.size());
	}

	@Test
	void vectorAndLastPositionFollowTheAppends() {
		assertEquals(VersionVector.empty(), vector());
		assertEquals(0, lastPosition());

		List<Event> stored = append(interleaved(3));

		assertEquals(VersionVector.empty().with("a", 3).with("b", 3).with("c\u00E9", 2), vector());
		assertEquals(8, stored.size());
		assertEquals(last(stored), lastPosition());
	}

	// ------------------------------------------------------------ origin

	@Test
	void originKeepsTheFirstCandidate() {
		assertEquals("first", storage.origin("first").block(TIMEOUT));
		assertEquals("first", storage.origin("second").block(TIMEOUT));
	}

	// ------------------------------------------------------------ projections

	@Test
	void projectionStoreStartsEmpty() {
		assertEquals(Long.valueOf(0), storage.projections().checkpoint().block(TIMEOUT));
		assertEquals(List.of(), entities());
		assertEquals(List.of(), storage.projections().conflicts(null, 10).collectList().block(TIMEOUT));
	}

	@Test
	void savedEntitiesAreLoadedAndReplacedByTypeAndId() {
		storage.projections().save(5, List.of(record("todo", "a", "u1", "fold-a1"), record("todo", "b", null, "fold-b"),
				record("note", "a", null, "fold-note-a")), List.of(), false).block(TIMEOUT);

		assertEquals(Long.valueOf(5), storage.projections().checkpoint().block(TIMEOUT));
		assertEquals(3, entities().size());

		storage.projections().save(8, List.of(record("todo", "a", "u2", "fold-a2")), List.of(), false).block(TIMEOUT);

		assertEquals(Long.valueOf(8), storage.projections().checkpoint().block(TIMEOUT));
		assertEquals(List.of(describe(record("note", "a", null, "fold-note-a")),
				describe(record("todo", "a", "u2", "fold-a2")), describe(record("todo", "b", null, "fold-b"))),
				entities());
	}

	@Test
	void largeBinaryFoldIsKeptByteForByte() {
		byte[] fold = new byte[300_000];
		for (int i = 0; i < fold.length; i++) {
			fold[i] = (byte) (i * 31);
		}
		storage.projections().save(1, List.of(new EntityRecord("todo", "big", null, fold)), List.of(), false)
				.block(TIMEOUT);
		EntityRecord loaded = storage.projections().entities().blockFirst(TIMEOUT);
		assertTrue(loaded != null && Arrays.equals(fold, loaded.fold()));
	}

	@Test
	void fullSnapshotReplacesEverythingSavedBefore() {
		storage.projections().save(3, List.of(record("todo", "a", null, "a1"), record("todo", "b", null, "b1"),
				record("note", "c", null, "c1")), List.of(), false).block(TIMEOUT);
		storage.projections().save(4, List.of(record("todo", "b", null, "b2")), List.of(), false).block(TIMEOUT);

		storage.projections().save(9, List.of(record("todo", "a", null, "a3"), record("todo", "b", null, "b3")),
				List.of(), true).block(TIMEOUT);

		assertEquals(List.of(describe(record("todo", "a", null, "a3")), describe(record("todo", "b", null, "b3"))),
				entities(), "entities left out of a full snapshot are gone");
		assertEquals(Long.valueOf(9), storage.projections().checkpoint().block(TIMEOUT));

		storage.projections().save(10, List.of(record("todo", "a", null, "a4")), List.of(), false).block(TIMEOUT);
		assertEquals(List.of(describe(record("todo", "a", null, "a4")), describe(record("todo", "b", null, "b3"))),
				entities(), "changes after a snapshot apply on top of it");
	}

	private static String describeWithDocument(EntityRecord r) {
		return describe(r) + " document="
				+ (r.document() == null ? "null" : new String(r.document(), StandardCharsets.UTF_8));
	}

	private static EntityRecord withDocument(String type, String entityId, String fold, byte[] document) {
		return new EntityRecord(type, entityId, null, fold.getBytes(StandardCharsets.UTF_8), document);
	}

	private List<String> lookup(String type, String... ids) {
		return storage.projections().entities(type, List.of(ids)).map(StorageContract::describeWithDocument).sort()
				.collectList().block(TIMEOUT);
	}

	@Test
	void lookupsByIdsFindTheSavedFoldsOfTheTypeOnly() {
		storage.projections().save(3, List.of(record("todo", "a", "u1", "fold-a"), record("todo", "b", null, "fold-b"),
				record("note", "a", null, "note-a"), record("note", "c", null, "note-c")), List.of(), false)
				.block(TIMEOUT);

		assertEquals(List.of(describeWithDocument(record("todo", "a", "u1", "fold-a")),
				describeWithDocument(record("todo", "b", null, "fold-b"))), lookup("todo", "a", "b"));
		assertEquals(List.of(describeWithDocument(record("todo", "b", null, "fold-b"))),
				lookup("todo", "b", "absent", "c"), "absent ids and ids of another type are left out");
		assertEquals(List.of(describeWithDocument(record("note", "a", null, "note-a"))), lookup("note", "a", "b"));
		assertEquals(List.of(), lookup("todo"), "no ids, no records");
		assertEquals(List.of(), lookup("nothing", "a"), "a type without folds");
	}

	@Test
	void pagesOfATypeFollowStringOrderAfterTheCursor() {
		// spaces, prefixes, upper and lower case, characters beyond ASCII and outside the basic plane: the order
		// is String.compareTo's, which is what the engine merges its unsaved folds into
		List<String> ids = new ArrayList<>(List.of("a", "a b", "a-b", "ab", "abc", "B", "b", " lead", "z", "\u00e9t\u00e9",
				"\u65e5\u672c", "\ud83d\ude00", "a\t", "10", "9", "aa"));
		List<EntityRecord> records = new ArrayList<>();
		for (String id : ids) {
			records.add(record("todo", id, null, "f-" + id));
		}
		records.add(record("other", "m", null, "other-m"));
		storage.projections().save(4, records, List.of(), false).block(TIMEOUT);
		List<String> sorted = new ArrayList<>(ids);
		sorted.sort(String::compareTo);

		List<String> paged = new ArrayList<>();
		String after = "";
		for (;;) {
			List<EntityRecord> page = storage.projections().entities("todo", after, 3).collectList().block(TIMEOUT);
			if (page.isEmpty()) {
				break;
			}
			assertTrue(page.size() <= 3, "a page holds at most the limit");
			for (EntityRecord r : page) {
				assertEquals("f-" + r.entityId(), new String(r.fold(), StandardCharsets.UTF_8));
				paged.add(r.entityId());
			}
			after = page.get(page.size() - 1).entityId();
		}
		assertEquals(sorted, paged, "every id once, in String.compareTo order");
		assertEquals(List.of("a\t", "a b", "a-b"),
				storage.projections().entities("todo", "a", 3).map(EntityRecord::entityId).collectList().block(TIMEOUT),
				"the cursor is exclusive");
		assertEquals(List.of(), storage.projections().entities("todo", "\ud83d\ude00", 5).collectList().block(TIMEOUT));
	}

	@Test
	void typesAndCountFollowTheSavedFolds() {
		assertEquals(Long.valueOf(0), storage.projections().count().block(TIMEOUT));
		assertEquals(List.of(), storage.projections().types().collectList().block(TIMEOUT));
		storage.projections().save(2, List.of(record("todo", "a", null, "1"), record("todo", "b", null, "1"),
				record("note", "a", null, "1"), record("zeta type", "x", null, "1")), List.of(), false).block(TIMEOUT);
		storage.projections().save(3, List.of(record("todo", "a", null, "2"), record("alpha", "q", null, "1")),
				List.of(), false).block(TIMEOUT);

		assertEquals(Long.valueOf(5), storage.projections().count().block(TIMEOUT), "an upsert adds no entity");
		assertEquals(List.of("alpha", "note", "todo", "zeta type"),
				storage.projections().types().sort().collectList().block(TIMEOUT));
	}

	@Test
	void upsertsReplaceTheFoldAndTheDocumentIsKeptBesideIt() {
		byte[] doc = "{\"title\":\"\u00e9t\u00e9\"}".getBytes(StandardCharsets.UTF_8);
		storage.projections().save(1, List.of(withDocument("todo", "a", "f1", doc), withDocument("todo", "gone", "g1", null)),
				List.of(), false).block(TIMEOUT);
		assertEquals(List.of(describeWithDocument(withDocument("todo", "a", "f1", doc)),
				describeWithDocument(withDocument("todo", "gone", "g1", null))), lookup("todo", "a", "gone"));

		byte[] doc2 = "{\"title\":\"two\"}".getBytes(StandardCharsets.UTF_8);
		storage.projections().save(2, List.of(withDocument("todo", "a", "f2", doc2), withDocument("todo", "gone", "g2", null)),
				List.of(), false).block(TIMEOUT);

		assertEquals(List.of(describeWithDocument(withDocument("todo", "a", "f2", doc2)),
				describeWithDocument(withDocument("todo", "gone", "g2", null))), lookup("todo", "a", "gone"),
				"the newest fold and document, a deleted entity without document");
		assertEquals(List.of(describeWithDocument(withDocument("todo", "a", "f2", doc2))),
				storage.projections().entities("todo", "", 1).map(StorageContract::describeWithDocument).collectList()
						.block(TIMEOUT),
				"pages carry the document too");
		storage.close().block(TIMEOUT);
		storage = reopen();
		assertEquals(List.of(describeWithDocument(withDocument("todo", "a", "f2", doc2)),
				describeWithDocument(withDocument("todo", "gone", "g2", null))), lookup("todo", "a", "gone"));
	}

	@Test
	void aSharedStoreMergesASaveWithTheSavedFold() {
		org.junit.jupiter.api.Assumptions.assumeTrue(storage.events().shared(),
				"a store one engine writes to may replace folds");
		// the merge concatenates the folds' bytes in order, so the test sees which side is which
		storage.projections().merger((saved, incoming) -> {
			String both = new String(saved.fold(), StandardCharsets.UTF_8) + "+"
					+ new String(incoming.fold(), StandardCharsets.UTF_8);
			return new EntityRecord(incoming.type(), incoming.entityId(), incoming.userId(),
					both.getBytes(StandardCharsets.UTF_8), incoming.document());
		});
		storage.projections().save(1, List.of(record("todo", "a", null, "one")), List.of(), false).block(TIMEOUT);
		storage.projections().save(2, List.of(record("todo", "a", null, "two"), record("todo", "b", null, "new")),
				List.of(), false).block(TIMEOUT);

		assertEquals(List.of(describeWithDocument(record("todo", "a", null, "one+two")),
				describeWithDocument(record("todo", "b", null, "new"))), lookup("todo", "a", "b"),
				"a saved row is merged, a new one inserted as it is");
	}

	@Test
	void conflictsAreKeptOnceOldestFirstAndFilteredByType() {
		List<Event> stored = append(List.of(event("a", 1), event("b", 1), event("a", 2), event("b", 2), event("a", 3)));
		Event noteHead = new Event(new UUID(9, 9), "n", 1, 1, "note", "x", Op.PUT, "{}".getBytes(StandardCharsets.UTF_8),
				null, null, 1, 0);
		Event noteIncoming = new Event(new UUID(9, 10), "m", 1, 2, "note", "x", Op.DELETE, null, null, null, 1, 0);
		noteHead = append(List.of(noteHead)).get(0);
		noteIncoming = append(List.of(noteIncoming)).get(0);
		Conflict first = conflict(stored.get(1), stored.get(0), ConflictStrategy.LAST_WRITE_WINS);
		Conflict second = conflict(stored.get(3), stored.get(2), ConflictStrategy.CUSTOM);
		Conflict note = conflict(noteIncoming, noteHead, ConflictStrategy.FIELD_MERGE);

		storage.projections().save(2, List.of(), List.of(first), false).block(TIMEOUT);
		storage.projections().save(4, List.of(), List.of(first, second), false).block(TIMEOUT);
		storage.projections().save(7, List.of(), List.of(second, note, note), false).block(TIMEOUT);

		assertEquals(List.of(first, second, note),
				storage.projections().conflicts(null, 10).collectList().block(TIMEOUT),
				"saving the same conflict again keeps one");
		assertEquals(List.of(first, second), storage.projections().conflicts("todo", 10).collectList().block(TIMEOUT));
		assertEquals(List.of(note), storage.projections().conflicts("note", 10).collectList().block(TIMEOUT));
		assertEquals(List.of(first), storage.projections().conflicts(null, 1).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.projections().conflicts("other", 10).collectList().block(TIMEOUT));
	}

	@Test
	void conflictPagesAfterACursorHoldEveryConflictOnceInPositionOrder() {
		List<Event> stored = append(interleaved(6));
		List<Conflict> all = new ArrayList<>();
		for (int i = 1; i < stored.size(); i += 2) {
			all.add(conflict(stored.get(i), stored.get(i - 1), ConflictStrategy.LAST_WRITE_WINS));
		}
		// saved out of order and across checkpoints, one of them twice
		storage.projections().save(6, List.of(), List.of(all.get(2), all.get(0), all.get(1)), false).block(TIMEOUT);
		storage.projections().save(stored.size(), List.of(), all.subList(2, all.size()), false).block(TIMEOUT);

		List<Conflict> paged = new ArrayList<>();
		long cursor = 0;
		int pages = 0;
		while (true) {
			List<Conflict> page = storage.projections().conflicts(null, cursor, 2).collectList().block(TIMEOUT);
			if (page.isEmpty()) {
				break;
			}
			assertTrue(page.size() <= 2, "a page holds at most the limit");
			paged.addAll(page);
			cursor = page.get(page.size() - 1).incoming().position();
			pages++;
		}
		assertEquals(all, paged, "every conflict once, in the order of the incoming position");
		assertEquals((all.size() + 1) / 2, pages);
		assertEquals(all.subList(3, all.size()), storage.projections()
				.conflicts("todo", all.get(2).incoming().position(), 100).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.projections().conflicts("note", 0, 100).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.projections().conflicts(null, last(stored), 100).collectList().block(TIMEOUT),
				"nothing after the last");
	}

	// ------------------------------------------------------------ dead letters

	private static DeadLetter letter(Event e, String code, long millis) {
		return new DeadLetter(e, code, "refused: " + code + " \u05E9\u200F", java.time.Instant.ofEpochMilli(T0 + millis));
	}

	@Test
	void deadLettersAreListedOldestFirstWithEveryField() {
		DeadLetter late = letter(event("a", 2), "FORBIDDEN", 20);
		DeadLetter early = letter(event("b", 1), "INVALID_EVENT", 10);
		DeadLetter tie = letter(event("a", 1), "INVALID_EVENT", 10);
		storage.deadLetters().put(late).block(TIMEOUT);
		storage.deadLetters().put(early).block(TIMEOUT);
		storage.deadLetters().put(tie).block(TIMEOUT);

		assertEquals(List.of(tie, early, late), storage.deadLetters().list(10).collectList().block(TIMEOUT));
		assertEquals(List.of(tie), storage.deadLetters().list(1).collectList().block(TIMEOUT));
		assertEquals(late, storage.deadLetters().get("a", 2).block(TIMEOUT));
		assertEquals(3L, storage.deadLetters().count().block(TIMEOUT));
		assertEquals(null, storage.deadLetters().get("a", 3).block(TIMEOUT), "no letter at an unknown address");
	}

	@Test
	void deadLetterPagesFollowTheAddressesAndFilterByUser() {
		// a store holds dead letters of any address: a gap in the sequences is fine here
		List<Event> s = List.of(owned("b", 1, "alice"), owned("a", 1, "bob"), owned("a", 2, "alice"), event("a", 3),
				owned("a", 10, "alice"));
		List<DeadLetter> letters = new ArrayList<>();
		for (int i = s.size() - 1; i >= 0; i--) {
			DeadLetter d = letter(s.get(i), "FORBIDDEN", i);
			letters.add(0, d);
			storage.deadLetters().put(d).block(TIMEOUT);
		}
		// by origin, then by sequence as a number (a10 after a3)
		List<DeadLetter> byAddress = List.of(letters.get(1), letters.get(2), letters.get(3), letters.get(4),
				letters.get(0));

		List<DeadLetter> paged = new ArrayList<>();
		String origin = null;
		long seq = 0;
		while (true) {
			List<DeadLetter> page = storage.deadLetters().list(null, origin, seq, 2).collectList().block(TIMEOUT);
			if (page.isEmpty()) {
				break;
			}
			paged.addAll(page);
			origin = page.get(page.size() - 1).event().origin();
			seq = page.get(page.size() - 1).event().originSeq();
		}
		assertEquals(byAddress, paged, "every letter once, by address");
		assertEquals(List.of(letters.get(2), letters.get(4), letters.get(0)),
				storage.deadLetters().list("alice", null, 0, 10).collectList().block(TIMEOUT), "alice's only");
		assertEquals(List.of(letters.get(4), letters.get(0)),
				storage.deadLetters().list("alice", "a", 2, 10).collectList().block(TIMEOUT), "alice's after a:2");
		assertEquals(List.of(letters.get(1)),
				storage.deadLetters().list("bob", null, 0, 10).collectList().block(TIMEOUT));
		assertEquals(List.of(), storage.deadLetters().list("carol", null, 0, 10).collectList().block(TIMEOUT));
	}

	@Test
	void deadLetterForTheSameEventIsReplacedAndDeletedOnce() {
		storage.deadLetters().put(letter(event("a", 1), "INVALID_EVENT", 1)).block(TIMEOUT);
		DeadLetter again = letter(event("a", 1), "FORBIDDEN", 2);
		storage.deadLetters().put(again).block(TIMEOUT);
		assertEquals(List.of(again), storage.deadLetters().list(10).collectList().block(TIMEOUT));

		assertEquals(Boolean.TRUE, storage.deadLetters().delete("a", 1).block(TIMEOUT));
		assertEquals(Boolean.FALSE, storage.deadLetters().delete("a", 1).block(TIMEOUT));
		assertEquals(0L, storage.deadLetters().count().block(TIMEOUT));
	}

	@Test
	void deadLettersSurviveAReopen() {
		DeadLetter d = letter(event("a", 3), "FORBIDDEN", 5);
		storage.deadLetters().put(d).block(TIMEOUT);
		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();
		assertEquals(List.of(d), storage.deadLetters().list(10).collectList().block(TIMEOUT));
	}

	// ------------------------------------------------------------ kept ids and idempotency keys

	@Test
	void keptIdsFindTheirEventsAlsoAfterAnEraseAndAReopen() {
		List<Event> before = append(List.of(event("a", 1)));
		Event kept = event("a", 2);
		Event also = event("b", 1);
		List<Event> stored = storage.events().append(List.of(kept, also, event("a", 3)),
				java.util.Set.of(kept.id(), also.id())).block(TIMEOUT);
		assertAppended(List.of(kept, also, event("a", 3)), last(before), stored);
		assertEquals(stored.get(0), storage.events().eventById(kept.id()).block(TIMEOUT));
		assertEquals(null, storage.events().eventById(UUID.randomUUID()).block(TIMEOUT), "an unknown id finds nothing");
		assertEquals(List.of(), storage.events().append(List.of(kept), java.util.Set.of(kept.id())).block(TIMEOUT),
				"a covered event is skipped as by the plain append");

		storage.erase(kept.userId()).block(TIMEOUT);
		assertEquals(stored.get(0).blank(), storage.events().eventById(kept.id()).block(TIMEOUT),
				"an erased event is found as its blank");
		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();

		assertEquals(stored.get(1), storage.events().eventById(also.id()).block(TIMEOUT));
		assertEquals(stored.get(0).blank(), storage.events().eventById(kept.id()).block(TIMEOUT));
	}

	@Test
	void keptIdsOfAFailedAppendAreNotKept() {
		Event kept = event("a", 1);
		storage.events().append(List.of(kept, event("a", 3)), java.util.Set.of(kept.id())).as(StepVerifier::create)
				.expectError(SequenceGapException.class).verify(TIMEOUT);
		assertEquals(null, storage.events().eventById(kept.id()).block(TIMEOUT));
	}

	private static final java.time.Instant NOW = java.time.Instant.ofEpochMilli(T0);

	private static IdempotencyRecord keyRecord(String scope, String key, String body, java.time.Instant at) {
		return new IdempotencyRecord(scope, key, body.getBytes(StandardCharsets.UTF_8), 201,
				("{\"body\":\"" + body + "\u00E9\"}").getBytes(StandardCharsets.UTF_8), at);
	}

	@Test
	void idempotencyKeyKeepsTheFirstAnswerPerScopeAndSurvivesAReopen() {
		IdempotencyStore keys = storage.idempotencyKeys();
		IdempotencyRecord first = keyRecord("", "k-1", "one", NOW);
		assertEquals(null, keys.find("", "k-1").block(TIMEOUT));
		assertEquals(first, keys.save(first, NOW.minusSeconds(60)).block(TIMEOUT));
		IdempotencyRecord second = keyRecord("", "k-1", "two", NOW.plusSeconds(1));
		assertEquals(first, keys.save(second, NOW.minusSeconds(60)).block(TIMEOUT), "a live key keeps its first answer");
		IdempotencyRecord otherScope = keyRecord("user:b\u00F6b", "k-1", "three", NOW);
		assertEquals(otherScope, keys.save(otherScope, NOW.minusSeconds(60)).block(TIMEOUT),
				"another principal's key of the same name is another key");

		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();

		assertEquals(first, storage.idempotencyKeys().find("", "k-1").block(TIMEOUT));
		assertEquals(otherScope, storage.idempotencyKeys().find("user:b\u00F6b", "k-1").block(TIMEOUT));
	}

	@Test
	void expiredIdempotencyKeysAreReplacedAndPurged() {
		IdempotencyStore keys = storage.idempotencyKeys();
		IdempotencyRecord old = keyRecord("", "old", "a", NOW);
		IdempotencyRecord young = keyRecord("", "young", "b", NOW.plusSeconds(100));
		keys.save(old, NOW.minusSeconds(1)).block(TIMEOUT);
		keys.save(young, NOW.minusSeconds(1)).block(TIMEOUT);

		IdempotencyRecord renewed = keyRecord("", "old", "c", NOW.plusSeconds(200));
		assertEquals(renewed, keys.save(renewed, NOW.plusSeconds(50)).block(TIMEOUT), "an expired key is replaced");
		assertEquals(renewed, keys.find("", "old").block(TIMEOUT));

		assertEquals(1L, keys.purge(NOW.plusSeconds(150)).block(TIMEOUT));
		assertEquals(null, keys.find("", "young").block(TIMEOUT));
		assertEquals(renewed, keys.find("", "old").block(TIMEOUT));
		assertEquals(0L, keys.purge(NOW.plusSeconds(150)).block(TIMEOUT));
	}

	// ------------------------------------------------------------ restart

	@Test
	void reopenedStoreHoldsTheSameEventsVectorPositionsAndProjection() {
		String origin = storage.origin("me").block(TIMEOUT);
		List<Event> stored = append(interleaved(5));
		Conflict c = conflict(stored.get(2), stored.get(0), ConflictStrategy.ORIGIN_PRIORITY);
		storage.projections().save(stored.size(), List.of(record("todo", "e1", "u", "fold-1"),
				record("todo", "e2", null, "fold-2")), List.of(c), false).block(TIMEOUT);
		VersionVector vector = vector();
		List<String> entities = entities();

		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();

		assertEquals(origin, storage.origin("someone-else").block(TIMEOUT));
		assertEquals(stored, readAll());
		assertEquals(vector, vector());
		assertEquals(last(stored), lastPosition());
		assertEquals(Long.valueOf(stored.size()), storage.projections().checkpoint().block(TIMEOUT));
		assertEquals(entities, entities());
		assertEquals(List.of(c), storage.projections().conflicts(null, 10).collectList().block(TIMEOUT));

		assertEquals(List.of(), append(List.of(event("a", 5))), "duplicates are still recognised");
		storage.events().append(List.of(event("a", 7))).as(StepVerifier::create)
				.expectError(SequenceGapException.class).verify(TIMEOUT);
		// positions continue after the reopen
		assertAppended(List.of(event("a", 6)), last(stored), append(List.of(event("a", 6))));
	}

	@Test
	void publishersAreColdAndDoNothingUntilSubscribed() {
		append(List.of(event("a", 1)));
		Mono<List<Event>> read = storage.events().read(0, 10).collectList();
		append(List.of(event("a", 2)));
		assertEquals(2, read.block(TIMEOUT).size(), "a read runs when subscribed, not when built");
		List<Event> third = append(List.of(event("a", 3)));
		assertEquals(3, read.block(TIMEOUT).size(), "each subscription reads again");
		storage.events().append(List.of(event("a", 4)));
		assertEquals(VersionVector.empty().with("a", 3), vector(), "an append not subscribed to does nothing");
		assertEquals(last(third), lastPosition());
	}

	// ------------------------------------------------------------ erase

	/**
	 * {@link #event(String, long)} owned by a user.
	 *
	 * @param origin origin
	 * @param seq origin sequence
	 * @param userId owner
	 * @return the event, position 0
	 */
	protected static Event owned(String origin, long seq, String userId) {
		Event e = event(origin, seq);
		return new Event(e.id(), e.origin(), e.originSeq(), e.hlc(), e.type(), userId + "-entity-" + seq, e.op(),
				e.payload(), e.base(), userId, e.schemaVersion(), 0);
	}

	private static EntityRecord fold(Event... events) {
		Event head = events[events.length - 1];
		return new EntityRecord(head.type(), head.entityId(), head.userId(), EventCodec.encodeList(List.of(events)));
	}

	@Test
	void eraseReplacesTheUsersEventsByBlanksInPlaceAndKeepsVectorAndPositions() {
		List<Event> stored = append(List.of(owned("a", 1, "alice"), owned("a", 2, "bob"), owned("b", 1, "alice"),
				owned("b", 2, "alice"), event("b", 3), owned("a", 3, "bob")));
		VersionVector vector = vector();

		assertEquals(3L, storage.erase("alice").block(TIMEOUT));

		List<Event> expected = new ArrayList<>();
		for (Event e : stored) {
			expected.add("alice".equals(e.userId()) ? e.blank() : e);
		}
		assertEquals(expected, readAll(), "same positions; alice's events are blanks, the others untouched");
		assertTrue(readAll().stream().noneMatch(e -> "alice".equals(e.userId()) || e.entityId().startsWith("alice")));
		assertEquals(vector, vector(), "the vector does not change");
		assertEquals(last(stored), lastPosition());
		assertEquals(expected.subList(1, expected.size()),
				storage.events().readLacking(VersionVector.empty().with("a", 1), 10).collectList().block(TIMEOUT),
				"blanks are served like any event");
		assertEquals(List.of(), append(List.of(owned("a", 1, "alice"))), "an erased address is still a duplicate");
		// appends continue the sequence and the positions
		assertAppended(List.of(event("a", 4)), last(stored), append(List.of(event("a", 4))));
		assertEquals(0L, storage.erase("nobody").block(TIMEOUT));
	}

	@Test
	void eraseRemovesTheDeadLettersOfTheUsersEventsOnly() {
		List<Event> s = append(List.of(owned("a", 1, "alice"), owned("a", 2, "bob"), event("a", 3)));
		DeadLetter bobs = letter(s.get(1), "FORBIDDEN", 2);
		DeadLetter nobodys = letter(s.get(2), "INVALID_EVENT", 3);
		storage.deadLetters().put(letter(s.get(0), "INVALID_EVENT", 1)).block(TIMEOUT);
		storage.deadLetters().put(bobs).block(TIMEOUT);
		storage.deadLetters().put(nobodys).block(TIMEOUT);

		storage.erase("alice").block(TIMEOUT);

		assertEquals(List.of(bobs, nobodys), storage.deadLetters().list(10).collectList().block(TIMEOUT),
				"alice's dead letter is gone with her events; the others stay");
	}

	@Test
	void eraseDiscardsTheSavedProjectionAndTheConflictsHoldingTheUsersEvents() {
		List<Event> s = append(List.of(owned("a", 1, "alice"), owned("a", 2, "bob"), owned("a", 3, "bob"),
				owned("a", 4, "carol"), owned("a", 5, "carol")));
		Conflict aliceIncoming = conflict(s.get(0), s.get(1), ConflictStrategy.LAST_WRITE_WINS);
		Conflict aliceHead = conflict(s.get(2), s.get(0), ConflictStrategy.LAST_WRITE_WINS);
		Conflict carolOnly = conflict(s.get(4), s.get(3), ConflictStrategy.FIELD_MERGE);
		storage.projections().save(3, List.of(fold(s.get(0), s.get(1)), fold(s.get(2))),
				List.of(aliceIncoming, aliceHead), false).block(TIMEOUT);
		storage.projections().save(5, List.of(fold(s.get(3), s.get(4))), List.of(carolOnly), false).block(TIMEOUT);

		storage.erase("alice").block(TIMEOUT);

		assertEquals(List.of(), entities(), "every fold goes: a restart folds the log again");
		assertEquals(0L, storage.projections().checkpoint().block(TIMEOUT));
		assertEquals(List.of(carolOnly), storage.projections().conflicts(null, 10).collectList().block(TIMEOUT),
				"conflicts with alice's event on either side are gone");

		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();
		assertEquals(List.of(), entities(), "the erase is durable");
		assertEquals(s.get(0).blank(), readAll().get(0));
		storage.projections().save(5, List.of(fold(s.get(3), s.get(4))), List.of(), true).block(TIMEOUT);
		assertEquals(5L, storage.projections().checkpoint().block(TIMEOUT), "checkpoints move on after an erase");
		assertEquals(List.of(describe(fold(s.get(3), s.get(4)))), entities());
	}

	@Test
	void fillPutsEventsInThePlaceOfBlanksAndNowhereElse() {
		List<Event> stored = append(List.of(owned("a", 1, "alice"), owned("a", 2, "bob"), owned("b", 1, "alice"),
				owned("a", 3, "alice")));
		storage.erase("alice").block(TIMEOUT);
		storage.projections().save(4, List.of(fold(stored.get(1))), List.of(), true).block(TIMEOUT);
		VersionVector vector = vector();

		List<Event> filled = storage.fill(List.of(owned("b", 1, "alice"), owned("a", 2, "bob"),
				owned("a", 9, "alice"), owned("a", 1, "alice"), owned("a", 1, "alice"))).block(TIMEOUT);

		assertEquals(List.of(stored.get(0), stored.get(2)), filled, "in position order, each address once");
		assertEquals(0L, storage.projections().checkpoint().block(TIMEOUT), "filled events are below the checkpoint");
		assertEquals(List.of(), entities());
		List<Event> expected = List.of(stored.get(0), stored.get(1), stored.get(2), stored.get(3).blank());
		assertEquals(expected, readAll());
		assertEquals(vector, vector());
		assertEquals(last(stored), lastPosition());
		assertEquals(List.of(), storage.fill(List.of(owned("a", 1, "alice"))).block(TIMEOUT),
				"a filled address holds no blank any more");

		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();
		assertEquals(expected, readAll());
	}

	@Test
	void fillPutsEventsInThePlaceOfStubsOfTheSameEventsOnly() {
		Event put = owned("a", 1, "alice");
		Event other = owned("b", 1, "alice");
		Event kept = owned("a", 2, "alice");
		List<Event> stored = append(List.of(put.stub(), other.stub(), kept));
		storage.projections().save(3, List.of(fold(kept)), List.of(), true).block(TIMEOUT);
		Event impostor = new Event(java.util.UUID.randomUUID(), "b", 1, other.hlc(), other.type(), other.entityId(),
				other.op(), other.payload(), null, "alice", 0, 0);

		List<Event> filled = storage.fill(List.of(impostor, put.stub(), put, kept)).block(TIMEOUT);

		assertEquals(List.of(put.withPosition(stored.get(0).position())), filled,
				"only the stub of the same event is filled; a stub offered and a held full event are left alone");
		assertEquals(0L, storage.projections().checkpoint().block(TIMEOUT), "filled events are below the checkpoint");
		List<Event> expected = List.of(put.withPosition(stored.get(0).position()), stored.get(1), stored.get(2));
		assertEquals(expected, readAll());

		storage.close().block(TIMEOUT);
		storage = null;
		storage = reopen();
		assertEquals(expected, readAll(), "the fill is durable");
	}

	@Test
	void fillFindsEveryAddressOfLongInterleavedSegments() {
		List<Event> mixed = new ArrayList<>();
		for (int seq = 1; seq <= 700; seq++) {
			mixed.add(owned("a", seq, seq % 3 == 0 ? "bob" : "alice"));
			mixed.add(owned("b", seq, seq % 5 == 0 ? "alice" : "bob"));
		}
		List<Event> stored = append(mixed.subList(0, 600));
		stored = new ArrayList<>(stored);
		stored.addAll(append(mixed.subList(600, mixed.size())));
		List<Event> alices = stored.stream().filter(e -> "alice".equals(e.userId())).toList();
		storage.erase("alice").block(TIMEOUT);

		List<Event> shuffled = new ArrayList<>(alices);
		java.util.Collections.shuffle(shuffled, new java.util.Random(7));
		List<Event> filled = storage.fill(shuffled).block(TIMEOUT);

		assertEquals(alices, filled, "every blank of two long segments per origin, in position order");
		assertEquals(stored, readAll());
	}
}
