package io.tributary.transport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;
import io.tributary.memory.InMemoryStorage;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.client.DrainReport;
import io.tributary.transport.client.SyncClient;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerConnector;
import io.tributary.transport.peer.PeerServer;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One definition of every input limit, checked across every entry path: payloads and names at, just under and
 * just over each limit of {@link Limits}, unusual Unicode, and a seeded random set. Each input goes in through
 * the HTTP API and through the library; both paths must agree, and either it is refused at that first entry with
 * a clear error naming what is wrong (nothing stored), or it is stored, then arrives intact at a peer over a real
 * link and at an upstream through {@link SyncClient}. Run with {@code -Dtributary.seed=N} to repeat a seed.
 */
class InputLimitsIntegrationTest {

	private static final Duration T = Duration.ofSeconds(120);
	private static final String TOKEN = "limits-token";
	/** Large enough that the string limit, not the size, decides for the longest strings. */
	private static final int PAYLOAD = 3 * 1024 * 1024;

	@TempDir
	Path dir;

	private final List<Runnable> cleanup = new ArrayList<>();

	@AfterEach
	void close() {
		for (int i = cleanup.size() - 1; i >= 0; i--) {
			cleanup.get(i).run();
		}
	}

	/** One input: the change's names, its payload as bytes, and what a refusal must name (null: must be stored). */
	private record Case(String name, String type, String entityId, String userId, byte[] payload, String refusal) {

		static Case payload(String name, String json, String refusal) {
			return new Case(name, "lim", null, null, json.getBytes(StandardCharsets.UTF_8), refusal);
		}

		static Case names(String name, String type, String entityId, String userId, String refusal) {
			return new Case(name, type, entityId, userId, "{\"ok\":true}".getBytes(StandardCharsets.UTF_8), refusal);
		}
	}

	private static final String ACCEPT = null;
	private static final String ANY = "";

	@Test
	void everyEntryPathAndEveryPeerAgreeOnEveryLimit() {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		System.out.println("InputLimitsIntegrationTest seed=" + seed);
		List<Case> cases = boundaryCases();
		int boundary = cases.size();
		Random random = new Random(seed);
		for (int i = 0; i < 40; i++) {
			cases.add(Case.payload("random " + i, new RandomJson(random).object(), ANY));
		}

		SyncEngine a = h2("a");
		SyncEngine b = h2("b");
		SyncEngine hub = SyncEngine.builder().storage(new InMemoryStorage()).origin("hub").maxPayloadBytes(PAYLOAD).open()
				.block(T);
		cleanup.add(() -> hub.closeAsync().block(T));
		DisposableServer http = HttpApi.builder(a).token(TOKEN).maxBodyBytes(4 * PAYLOAD).build().bind("127.0.0.1", 0)
				.block(T);
		cleanup.add(http::disposeNow);

		int stored = 0;
		int refused = 0;
		for (int i = 0; i < cases.size(); i++) {
			Case c = cases.get(i);
			String where = c.name() + " (seed " + seed + ")";
			long before = a.lastPosition();
			Answer viaHttp = post(http, c, c.entityId() == null ? "h" + i : c.entityId());
			long afterHttp = a.lastPosition();
			String viaLibrary = write(a, c, c.entityId() == null ? "l" + i : c.entityId());
			boolean httpStored = viaHttp.status() / 100 == 2;
			assertEquals(httpStored, viaLibrary == null, where + ": the HTTP API answered " + viaHttp
					+ ", the library " + (viaLibrary == null ? "stored it" : "refused it: " + viaLibrary));
			if (!httpStored) {
				refused++;
				assertTrue(viaHttp.status() == 400 || viaHttp.status() == 413, where + ": " + viaHttp);
				assertEquals(before, afterHttp, where + ": nothing stored");
				assertEquals(before, a.lastPosition(), where + ": nothing stored");
				if (c.refusal() != null && !c.refusal().isEmpty()) {
					assertTrue(viaHttp.body().contains(c.refusal()), where + ": the answer names it: " + viaHttp);
					assertTrue(viaLibrary.contains(c.refusal()), where + ": the exception names it: " + viaLibrary);
				}
			}
			else {
				stored++;
				assertEquals(before + 2, a.lastPosition(), where);
				Event viaApi = a.read(before, 1).blockLast(T);
				Event direct = a.read(before + 1, 1).blockLast(T);
				assertTrue(java.util.Arrays.equals(c.payload(), viaApi.payload()), where + ": the API stored the bytes sent");
				assertTrue(java.util.Arrays.equals(c.payload(), direct.payload()), where + ": the library stored the bytes");
			}
			if (i < boundary) {
				assertEquals(c.refusal() == null, httpStored, where + ": " + viaHttp);
			}
		}
		assertTrue(stored > 0 && refused > 0, stored + " stored, " + refused + " refused");

		// a peer over a real link
		PeerServer bServer = PeerServer.bind(b, PeerConfig.defaults(), "127.0.0.1", 0).block(T);
		cleanup.add(() -> bServer.close(Duration.ofSeconds(5)).block(T));
		SyncReport report = new PeerConnector(a, PeerConfig.defaults(), new PeerAddress("127.0.0.1", bServer.port()),
				Backoff.defaults()).syncOnce(T).block(T);
		assertTrue(report.ok(), report.toString());
		assertArrivedIntact(a, b);

		// an upstream through SyncClient
		PeerServer hubServer = PeerServer.bind(hub, PeerConfig.defaults(), "127.0.0.1", 0).block(T);
		cleanup.add(() -> hubServer.close(Duration.ofSeconds(5)).block(T));
		DrainReport drain = SyncClient.builder(a, new PeerAddress("127.0.0.1", hubServer.port())).manualDrain().build().outsync()
				.block(T);
		assertEquals(0, drain.rejected(), drain.toString());
		assertEquals(0, drain.pending(), drain.toString());
		assertArrivedIntact(a, hub);
		assertEquals(0L, io.tributary.spi.EngineAdmin.of(a).deadLetters().count().block(T), "nothing refused on the way");
	}

	private SyncEngine h2(String name) {
		H2Storage storage = H2Storage.builder().directory(dir.resolve(name)).open().block(T);
		SyncEngine e = SyncEngine.builder().storage(storage).origin(name).maxPayloadBytes(PAYLOAD).open().block(T);
		cleanup.add(() -> e.closeAsync().block(T));
		return e;
	}

	private static void assertArrivedIntact(SyncEngine from, SyncEngine to) {
		assertEquals(from.vector().get(from.origin()), to.vector().get(from.origin()), "every event arrived");
		List<Event> sent = from.read(0, Integer.MAX_VALUE).collectList().block(T);
		for (Event e : sent) {
			Event got = to.event(e.origin(), e.originSeq()).block(T);
			String where = to.origin() + " " + e.origin() + "#" + e.originSeq() + " " + e.entityId();
			assertFalse(got.isBlank(), where + " was refused");
			assertEquals(e.type(), got.type(), where);
			assertEquals(e.entityId(), got.entityId(), where);
			assertEquals(e.userId(), got.userId(), where);
			assertTrue(java.util.Arrays.equals(e.payload(), got.payload()), where + ": payload bytes differ");
			assertEquals(from.get(e.type(), e.entityId()).block(T).json(), to.get(e.type(), e.entityId()).block(T).json(),
					where + ": projected state differs");
		}
	}

	private record Answer(int status, String body) {
		@Override
		public String toString() {
			return status + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
		}
	}

	private static Answer post(DisposableServer http, Case c, String entityId) {
		java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
		body.writeBytes(("{\"entityType\":" + quote(c.type()) + ",\"operation\":\"create\",\"entityId\":" + quote(entityId)
				+ (c.userId() == null ? "" : ",\"userId\":" + quote(c.userId())) + ",\"data\":")
						.getBytes(StandardCharsets.UTF_8));
		body.writeBytes(c.payload());
		body.write('}');
		return HttpClient.create().baseUrl("http://127.0.0.1:" + http.port())
				.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + TOKEN)
						.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post().uri("/api/changes")
				.send(ByteBufFlux.fromInbound(Mono.just(body.toByteArray())))
				.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
						.map(text -> new Answer(res.status().code(), text)))
				.block(T);
	}

	/** Writes through the library; the refusal's message, or null when stored. */
	private static String write(SyncEngine engine, Case c, String entityId) {
		try {
			engine.write(new WriteRequest(c.type(), entityId, Op.PUT, c.payload(), null, c.userId(), 1)).block(T);
			return null;
		}
		catch (ValidationException e) {
			return e.getMessage();
		}
	}

	/** A JSON string with every surrogate escaped, so that lone ones travel as the escapes a client would send. */
	static String quote(String s) {
		StringBuilder b = new StringBuilder("\"");
		for (int i = 0; i < s.length(); i++) {
			char ch = s.charAt(i);
			if (ch == '"' || ch == '\\') {
				b.append('\\').append(ch);
			}
			else if (ch < 0x20 || Character.isSurrogate(ch)) {
				b.append(String.format("\\u%04x", (int) ch));
			}
			else {
				b.append(ch);
			}
		}
		return b.append('"').toString();
	}

	private static String nested(int depth) {
		return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
	}

	private static String keys(int n) {
		StringBuilder b = new StringBuilder("{");
		for (int k = 0; k < n; k++) {
			b.append(k == 0 ? "" : ",").append("\"k").append(k).append("\":").append(k);
		}
		return b.append('}').toString();
	}

	/** A payload of exactly {@code bytes} UTF-8 bytes: an array of strings, none near the string limit. */
	private static String sized(int bytes) {
		StringBuilder b = new StringBuilder("{\"p\":[");
		int remaining = bytes - 8;
		while (remaining > 0) {
			int separator = b.length() == 6 ? 0 : 1;
			int k = remaining - separator - 2;
			if (k > 1000) {
				// leave room for at least one more whole string
				k = Math.min(1000, k - 3);
			}
			b.append(separator == 0 ? "" : ",").append('"').append("x".repeat(k)).append('"');
			remaining -= separator + 2 + k;
		}
		String payload = b.append("]}").toString();
		assertEquals(bytes, payload.length());
		return payload;
	}

	private static List<Case> boundaryCases() {
		List<Case> cases = new ArrayList<>();
		int depth = Limits.MAX_NESTING;
		cases.add(Case.payload("nesting under", nested(depth - 1), ACCEPT));
		cases.add(Case.payload("nesting at", nested(depth), ACCEPT));
		cases.add(Case.payload("nesting over", nested(depth + 1), "limit of " + depth + " levels"));
		int digits = Limits.MAX_NUMBER_LENGTH;
		cases.add(Case.payload("integer under", "{\"n\":" + "1".repeat(digits - 1) + "}", ACCEPT));
		cases.add(Case.payload("integer at", "{\"n\":" + "1".repeat(digits) + "}", ACCEPT));
		cases.add(Case.payload("integer over", "{\"n\":" + "1".repeat(digits + 1) + "}", "over the limit of " + digits));
		cases.add(Case.payload("150 digits", "{\"n\":" + "3".repeat(150) + "}", ACCEPT));
		cases.add(Case.payload("float at", "{\"n\":-0." + "7".repeat(digits - 3) + "}", ACCEPT));
		cases.add(Case.payload("float over", "{\"n\":-0." + "7".repeat(digits - 2) + "}", "over the limit of " + digits));
		cases.add(Case.payload("beyond a double", "{\"n\":1.5e400,\"m\":-2E-400,\"i\":0.1000000000000000055511151231257827}",
				ACCEPT));
		int keys = Limits.MAX_KEYS;
		cases.add(Case.payload("keys under", keys(keys - 1), ACCEPT));
		cases.add(Case.payload("keys at", keys(keys), ACCEPT));
		cases.add(Case.payload("keys over", keys(keys + 1), "limit of " + keys + " fields"));
		cases.add(Case.payload("repeated key", "{\"a\":1,\"b\":2,\"a\":3}", "uplicate field"));
		int chars = Limits.MAX_STRING_LENGTH;
		cases.add(Case.payload("string under", "{\"s\":\"" + "x".repeat(chars - 1) + "\"}", ACCEPT));
		cases.add(Case.payload("string at", "{\"s\":\"" + "x".repeat(chars) + "\"}", ACCEPT));
		cases.add(Case.payload("string over", "{\"s\":\"" + "x".repeat(chars + 1) + "\"}", "over the limit of " + chars));
		cases.add(Case.payload("field name at", "{\"" + "k".repeat(chars) + "\":1}", ACCEPT));
		cases.add(Case.payload("field name over", "{\"" + "k".repeat(chars + 1) + "\":1}", "over the limit of " + chars));
		cases.add(Case.payload("size at", sized(PAYLOAD), ACCEPT));
		cases.add(Case.payload("size over", sized(PAYLOAD + 1), "limit of " + PAYLOAD));
		cases.add(Case.payload("right-to-left marks", "{\"s\":\"\u200fשלום\u202eabc\u202c\",\"\u200f\":1}", ACCEPT));
		cases.add(Case.payload("non-BMP raw and escaped", "{\"s\":\"\uD83D\uDE00 \\ud83d\\ude00\",\"\uD834\uDD1E\":\"clef\"}",
				ACCEPT));
		cases.add(Case.payload("NUL, BOM, non-characters, combining",
				"{\"s\":\"a\\u0000b\ufeff\\uffff\uFFFEe\u0301\",\"\\u0000\":0}", ACCEPT));
		cases.add(Case.payload("lone high surrogate", "{\"s\":\"x\\ud800y\"}", "lone surrogate"));
		cases.add(Case.payload("lone low surrogate in a key", "{\"\\udc00\":1}", "lone surrogate"));
		cases.add(Case.payload("high surrogate at the end", "{\"s\":\"x\\ud83d\"}", "lone surrogate"));
		cases.add(Case.payload("surrogates reversed", "{\"s\":\"\\ude00\\ud83d\"}", "lone surrogate"));
		cases.add(new Case("invalid UTF-8", "lim", null, null, new byte[] { '{', '"', 's', '"', ':', '"', (byte) 0xC3, '(',
				'"', '}' }, ANY));
		cases.add(new Case("CESU-8 surrogate", "lim", null, null, new byte[] { '{', '"', 's', '"', ':', '"', (byte) 0xED,
				(byte) 0xA0, (byte) 0x80, '"', '}' }, ANY));
		cases.add(Case.payload("not an object", "[1,2]", "JSON object"));
		cases.add(Case.payload("truncated", "{\"s\":\"cut", ANY));
		cases.add(Case.names("type at", "t".repeat(Limits.MAX_TYPE_LENGTH), "e-type-at", null, ACCEPT));
		cases.add(Case.names("type over", "t".repeat(Limits.MAX_TYPE_LENGTH + 1), "e-type-over", null,
				"limit of " + Limits.MAX_TYPE_LENGTH));
		cases.add(Case.names("type with a control character", "to\u0001do", "e-ctl", null, "control characters"));
		cases.add(Case.names("entity id at", "lim", "e".repeat(Limits.MAX_ENTITY_ID_LENGTH - 1) + "\u200f", null, ACCEPT));
		cases.add(Case.names("entity id over", "lim", "e".repeat(Limits.MAX_ENTITY_ID_LENGTH + 1), null,
				"limit of " + Limits.MAX_ENTITY_ID_LENGTH));
		cases.add(Case.names("entity id non-BMP", "lim", "\uD83D\uDE00-\u202e-id", null, ACCEPT));
		cases.add(Case.names("entity id lone surrogate", "lim", "id\uD800", null, "lone surrogate"));
		cases.add(Case.names("user id at", "lim", "e-user-at", "u".repeat(Limits.MAX_USER_ID_LENGTH), ACCEPT));
		cases.add(Case.names("user id over", "lim", "e-user-over", "u".repeat(Limits.MAX_USER_ID_LENGTH + 1),
				"limit of " + Limits.MAX_USER_ID_LENGTH));
		cases.add(Case.names("user id lone surrogate", "lim", "e-user-sur", "u\uDC00", "lone surrogate"));
		return cases;
	}

	/** Random JSON objects, mostly well within the limits, sometimes at or over one, with unusual Unicode. */
	private static final class RandomJson {

		private static final String[] PIECES = { "a", "plain text", "\u200f", "\u202e", "\uD83D\uDE00", "\\ud83d\\ude00",
			"\\u0000", "\ufeff", "e\u0301", "\\uffff", "\\\"", "\\\\", "\\n", "שלום", "中文", "\\ud800" };

		private final Random random;

		RandomJson(Random random) {
			this.random = random;
		}

		String object() {
			int depth = random.nextInt(10) == 0 ? Limits.MAX_NESTING - 2 + random.nextInt(4) : 1 + random.nextInt(6);
			return object(depth);
		}

		private String object(int depth) {
			StringBuilder b = new StringBuilder("{");
			int fields = 1 + random.nextInt(4);
			for (int f = 0; f < fields; f++) {
				b.append(f == 0 ? "" : ",");
				// a repeated name now and then
				b.append(random.nextInt(40) == 0 && f > 0 ? "\"k0\"" : "\"" + (f == 0 ? "k0" : text()) + "\"").append(':');
				b.append(f == 0 && depth > 1 ? (random.nextBoolean() ? object(depth - 1) : "[" + object(depth - 1) + "]")
						: value());
			}
			return b.append('}').toString();
		}

		private String value() {
			switch (random.nextInt(5)) {
				case 0:
					return "\"" + text() + "\"";
				case 1:
					int length = random.nextInt(8) == 0 ? Limits.MAX_NUMBER_LENGTH - 2 + random.nextInt(4)
							: 1 + random.nextInt(25);
					return (random.nextBoolean() ? "-" : "") + "9" + "8".repeat(Math.max(0, length - 1));
				case 2:
					return random.nextBoolean() ? "1.25e" + random.nextInt(600) : "0." + random.nextInt(1_000_000);
				case 3:
					return random.nextBoolean() ? "true" : "null";
				default:
					return "[\"" + text() + "\"," + random.nextInt() + "]";
			}
		}

		private String text() {
			StringBuilder b = new StringBuilder();
			int n = random.nextInt(5);
			for (int i = 0; i < n; i++) {
				String piece = PIECES[random.nextInt(PIECES.length)];
				// a lone surrogate is rare, so most objects are stored
				b.append(piece.equals("\\ud800") && random.nextInt(4) != 0 ? "x" : piece);
			}
			return b.toString();
		}
	}
}
