package io.tributary.storage.h2;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile strings — SQL, NoSQL, XSS, path traversal, NUL, bidirectional marks, int64 extremes — are data: they are
 * stored, read back, folded, restarted and synced byte for byte as literals, as payload values, entity ids, type
 * names and user ids. Where a string cannot be a name, the error says why.
 */
class H2InjectionStringsTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final ObjectMapper MAPPER = new ObjectMapper();

	/** Named so that a failure says which one. */
	static final Map<String, String> HOSTILE = new LinkedHashMap<>();

	static {
		HOSTILE.put("sql-drop", "'; DROP TABLE tributary_event; --");
		HOSTILE.put("sql-or", "\" OR \"1\"=\"1");
		HOSTILE.put("sql-delete", "1; DELETE FROM tributary_meta WHERE 1=1");
		HOSTILE.put("sql-param", "$1 ? :name");
		HOSTILE.put("sql-comment", "x/* */UNION SELECT body FROM tributary_event--");
		HOSTILE.put("nosql-gt", "{\"$gt\": \"\"}");
		HOSTILE.put("nosql-where", "{\"$where\": \"sleep(100)\"}");
		HOSTILE.put("nosql-ne", "user[$ne]=1");
		HOSTILE.put("xss-script", "<script>alert('x')</script>");
		HOSTILE.put("xss-img", "\"><img src=x onerror=alert(1)>");
		HOSTILE.put("xss-js", "javascript:alert(document.cookie)");
		HOSTILE.put("path-unix", "../../../../etc/passwd");
		HOSTILE.put("path-windows", "..\\..\\windows\\win.ini");
		HOSTILE.put("path-encoded", "%2e%2e%2f%2e%2e%2fetc%2fpasswd");
		HOSTILE.put("nul-inside", "before\u0000after");
		HOSTILE.put("nul-only", "\u0000");
		HOSTILE.put("rtl-override", "\u202Egnp.exe");
		HOSTILE.put("rtl-marks", "abc\u200Fdef\u200Eghi\u2066iso\u2069");
		HOSTILE.put("int64-max", "9223372036854775807");
		HOSTILE.put("int64-min", "-9223372036854775808");
		HOSTILE.put("int64-over", "9223372036854775808");
		HOSTILE.put("format", "%s%s%n%x ${jndi:ldap://x/a}");
		HOSTILE.put("controls", "line1\r\nline2\tend\u001b[31m");
		HOSTILE.put("unicode", "\uD83D\uDE80 e\u0301 \u200B\uFEFF \uFFFF");
		HOSTILE.put("quotes", "\\\" \\\\ ' ` \\u0000");
	}

	@TempDir
	Path dir;

	private final List<SyncEngine> open = new ArrayList<>();

	@AfterEach
	void close() {
		for (SyncEngine e : open) {
			e.closeAsync().block(T);
		}
	}

	private SyncEngine engine(String name) {
		SyncEngine e = SyncEngine.builder().storage(H2Storage.builder().directory(dir.resolve(name)).open().block(T))
				.origin(name).checkpointInterval(Duration.ofHours(1)).open().block(T);
		open.add(e);
		return e;
	}

	private SyncEngine restart(SyncEngine e, String name) {
		e.closeAsync().block(T);
		open.remove(e);
		return engine(name);
	}

	/**
	 * The engine, then the same after a restart, then a second replica synced from it by vector: each is checked
	 * as the iteration reaches it, so the engine is restarted only after it was checked.
	 */
	private Iterable<SyncEngine> replicas(SyncEngine first, String name) {
		return () -> new java.util.Iterator<SyncEngine>() {
			private int n;
			private SyncEngine current;

			@Override
			public boolean hasNext() {
				return n < 3;
			}

			@Override
			public SyncEngine next() {
				current = n == 0 ? first : n == 1 ? restart(current, name) : synced(current);
				n++;
				return current;
			}
		};
	}

	/** A second replica that pulls everything from the first, by vector. */
	private SyncEngine synced(SyncEngine from) {
		SyncEngine to = engine("replica");
		to.apply(from.lacking(to.vector(), 100_000).collectList().block(T)).block(T);
		assertEquals(from.vector(), to.vector());
		return to;
	}

	@Test
	void hostilePayloadValuesAreStoredFoldedRestartedAndSyncedByteForByte() throws Exception {
		SyncEngine engine = engine("a");
		Map<String, byte[]> written = new LinkedHashMap<>();
		for (Map.Entry<String, String> h : HOSTILE.entrySet()) {
			byte[] payload = MAPPER.writeValueAsBytes(Map.of("v", h.getValue(), "k", h.getKey()));
			written.put(h.getKey(), payload);
			engine.put("doc", h.getKey(), payload).block(T);
		}
		// numbers at and past the int64 range, as JSON numbers, exactly as written
		byte[] numbers = "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"over\":92233720368547758070,\"neg\":-0,\"exp\":1e400}"
				.getBytes(StandardCharsets.UTF_8);
		written.put("numbers", numbers);
		engine.put("doc", "numbers", numbers).block(T);
		engine.checkpoint().block(T);
		engine.put("doc", "after-checkpoint", numbers).block(T);
		written.put("after-checkpoint", numbers);

		for (SyncEngine e : replicas(engine, "a")) {
			for (Map.Entry<String, byte[]> w : written.entrySet()) {
				EntityState s = e.get("doc", w.getKey()).block(T);
				assertNotNull(s, w.getKey());
				assertArrayEquals(w.getValue(), s.document(), w.getKey());
			}
			List<Event> log = e.read(0, 1000).collectList().block(T);
			assertEquals(written.size(), log.size());
			for (Event ev : log) {
				assertArrayEquals(written.get(ev.entityId()), ev.payload(), ev.entityId());
			}
		}
	}

	@Test
	void hostileEntityIdsAreKeysLikeAnyOther() {
		SyncEngine engine = engine("a");
		for (String id : HOSTILE.values()) {
			engine.put("doc", id, "{\"id\":" + quoted(id) + "}").block(T);
		}
		engine.checkpoint().block(T);
		engine.patch("doc", HOSTILE.get("sql-drop"), "{\"patched\":true}").block(T);

		TreeSet<String> expected = new TreeSet<>(HOSTILE.values());
		for (SyncEngine e : replicas(engine, "a")) {
			assertEquals(new ArrayList<>(expected), e.query("doc").map(EntityState::entityId).collectList().block(T));
			for (String id : HOSTILE.values()) {
				EntityState s = e.get("doc", id).block(T);
				assertNotNull(s, Arrays.toString(id.toCharArray()));
				assertEquals(id, s.entityId());
			}
			assertEquals("{\"id\":" + quoted(HOSTILE.get("sql-drop")) + ",\"patched\":true}",
					e.get("doc", HOSTILE.get("sql-drop")).block(T).json());
			assertEquals(HOSTILE.size() + 1, e.lastPosition(), "no statement was run from a name");
		}
	}

	@Test
	void hostileTypeNamesWorkUnlessTheyHoldControlCharactersWhichAreRefusedClearly() {
		SyncEngine engine = engine("a");
		List<String> allowed = HOSTILE.values().stream().filter(s -> s.chars().noneMatch(Character::isISOControl))
				.collect(Collectors.toList());
		List<String> refused = HOSTILE.values().stream().filter(s -> s.chars().anyMatch(Character::isISOControl))
				.collect(Collectors.toList());
		assertEquals(3, refused.size(), "NUL inside, NUL only, control characters, and none other");

		for (String type : allowed) {
			engine.put(type, "x", "{\"t\":" + quoted(type) + "}").block(T);
		}
		for (String type : refused) {
			engine.put(type, "x", "{}").as(StepVerifier::create)
					.expectErrorSatisfies(e -> {
						assertTrue(e instanceof ValidationException, e.toString());
						assertTrue(e.getMessage().startsWith("type must not contain control characters (found U+00"),
								e.getMessage());
					})
					.verify(T);
		}
		for (SyncEngine e : replicas(engine, "a")) {
			assertEquals(new ArrayList<>(new TreeSet<>(allowed)), e.types().collectList().block(T));
			for (String type : allowed) {
				assertEquals("{\"t\":" + quoted(type) + "}", e.get(type, "x").block(T).json());
			}
		}
	}

	@Test
	void loneSurrogatesCannotBeNamesBecauseTheyWouldNotComeBackAsWritten() {
		SyncEngine engine = engine("a");
		engine.put("doc", "bad\uD800id", "{}").as(StepVerifier::create)
				.expectErrorMessage("entityId is not valid Unicode (lone surrogate at index 3)").verify(T);
		engine.put("t\uDC00", "x", "{}").as(StepVerifier::create)
				.expectErrorMessage("type is not valid Unicode (lone surrogate at index 1)").verify(T);
		engine.write(WriteRequest.put("doc", "x", "{}").withUserId("\uD83D")).as(StepVerifier::create)
				.expectErrorMessage("userId is not valid Unicode (lone surrogate at index 0)").verify(T);
		assertEquals(0, engine.lastPosition());
	}

	@Test
	void hostileUserIdsOnlyEverSeeTheirOwnRows() {
		SyncEngine engine = engine("a");
		List<String> users = new ArrayList<>(HOSTILE.values());
		users.add("alice");
		Flux.fromIterable(users)
				.concatMap(u -> engine.forUser(u).put("doc", "row-of-" + u, "{\"owner\":" + quoted(u) + "}"))
				.blockLast(T);

		for (SyncEngine e : replicas(engine, "a")) {
			for (String u : users) {
				List<EntityState> rows = e.forUser(u).query("doc").collectList().block(T);
				assertEquals(1, rows.size(), Arrays.toString(u.toCharArray()));
				assertEquals("row-of-" + u, rows.get(0).entityId());
				assertEquals(u, rows.get(0).userId());
				assertEquals(users.size() - 1, e.forUser(u).read(0, 1000).filter(Event::isBlank).count().block(T));
			}
		}
	}

	private static String quoted(String s) {
		try {
			return MAPPER.writeValueAsString(s);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}
}
