package io.tributary.storage.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The store's binary parameters reach PostgreSQL as they were: each array comes back from {@code unnest} element by
 * element, nulls, every byte value, characters beyond the BMP and the extremes of the numbers included, and an empty
 * array is an empty one. (In the driver's text form a {@code bytea[]} lost its escapes.)
 */
class PgBinaryCodecTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private PostgresStorage storage;

	@BeforeEach
	void open() {
		storage = EmbeddedPostgresFixture.storage(EmbeddedPostgresFixture.freshDatabase()).node("codec").open()
				.block(TIMEOUT);
	}

	@AfterEach
	void close() {
		storage.close().block(TIMEOUT);
	}

	@Test
	void byteaArraysComeBackByteForByteWithTheirNulls() {
		byte[] everyByte = new byte[256];
		for (int i = 0; i < everyByte.length; i++) {
			everyByte[i] = (byte) i;
		}
		byte[][] values = { everyByte, null, new byte[0],
				"\\x00\\\\\"{},".getBytes(java.nio.charset.StandardCharsets.UTF_8) };
		List<byte[]> back = unnest("bytea", values, byte[].class);
		assertEquals(values.length, back.size());
		for (int i = 0; i < values.length; i++) {
			assertArrayEquals(values[i], back.get(i), "element " + (i + 1));
		}
		assertArrayEquals(everyByte, storage.asUser("u", "SELECT $1::bytea", row -> row.get(0, byte[].class),
				(Object) everyByte).blockFirst(TIMEOUT));
	}

	@Test
	void textNumberAndUuidArraysComeBackAsTheyWere() {
		String[] texts = { "plain", null, "", "ü € \uD83D\uDE00 \"{,}\" \\ NULL" };
		Long[] longs = { Long.MIN_VALUE, null, 0L, Long.MAX_VALUE };
		Integer[] ints = { Integer.MIN_VALUE, null, 0, Integer.MAX_VALUE };
		UUID[] uuids = { UUID.randomUUID(), null, new UUID(0, 0), new UUID(-1, -1) };
		assertEquals(Arrays.asList(texts), unnest("text", texts, String.class));
		assertEquals(Arrays.asList(longs), unnest("bigint", longs, Long.class));
		assertEquals(Arrays.asList(ints), unnest("int", ints, Integer.class));
		assertEquals(Arrays.asList(uuids), unnest("uuid", uuids, UUID.class));
		assertEquals(List.of(), unnest("text", new String[0], String.class), "an empty array");
	}

	/** The elements of an array parameter, in order, through {@code unnest ... WITH ORDINALITY}. */
	private <T> List<T> unnest(String type, Object array, Class<T> element) {
		List<Object[]> rows = storage.asUser("u", "SELECT t.v, t.n FROM unnest($1::" + type + "[]) WITH ORDINALITY AS "
				+ "t(v, n) ORDER BY t.n", row -> new Object[] { row.get(0, element), row.get(1, Long.class) }, array)
				.collectList().block(TIMEOUT);
		List<T> values = new ArrayList<>();
		for (Object[] row : rows) {
			assertEquals((long) values.size() + 1, row[1], "in order");
			values.add(element.cast(row[0]));
		}
		return values;
	}
}
