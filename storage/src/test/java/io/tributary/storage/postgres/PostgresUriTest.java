package io.tributary.storage.postgres;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading libpq-style URIs as a node's {@code --postgres} gets them; passwords never show.
 */
class PostgresUriTest {

	@Test
	void readsEveryPartAndDefaults() {
		PostgresUri uri = PostgresUri.parse("postgresql://tributary@db.example:6543/events?sslmode=require&application_name=n1");
		assertEquals("tributary", uri.user());
		assertEquals("db.example", uri.host());
		assertEquals(6543, uri.port());
		assertEquals("events", uri.database());
		assertNull(uri.password());
		assertEquals(Map.of("sslmode", "require", "application_name", "n1"), uri.parameters());

		PostgresUri minimal = PostgresUri.parse("postgres://me@localhost");
		assertEquals(5432, minimal.port());
		assertEquals("me", minimal.database(), "the database defaults to the user's name");
		assertEquals("postgresql://me@localhost:5432/me", minimal.toString());
	}

	@Test
	void decodesEscapesAndIpv6Hosts() {
		PostgresUri uri = PostgresUri.parse("postgresql://us%40er@[::1]:5433/my%20db");
		assertEquals("us@er", uri.user());
		assertEquals("::1", uri.host());
		assertEquals(5433, uri.port());
		assertEquals("my db", uri.database());
		assertEquals("postgresql://us@er@[::1]:5433/my db", uri.toString());
	}

	@Test
	void passwordIsReadButNeverShown() {
		PostgresUri uri = PostgresUri.parse("postgresql://tributary:s3cr%2Ft@localhost/db");
		assertEquals("s3cr/t", uri.password());
		assertFalse(uri.toString().contains("s3cr"), uri.toString());
		assertFalse(PostgresStorage.builder().uri(uri).toString().contains("s3cr"));
		assertEquals("p", PostgresUri.parse("postgresql://u@h/db?password=p").password());
		assertFalse(PostgresUri.parse("postgresql://u@h/db?password=p").parameters().containsKey("password"));

		IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
				() -> PostgresUri.parse("mysql://u:hunter2@h/db"));
		assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
	}

	@Test
	void badUrisAreRefusedWithWhatIsWrong() {
		assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUri.parse("postgresql://localhost/db"))
				.getMessage().contains("no user"));
		assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUri.parse("postgresql://u@/db"))
				.getMessage().contains("no host"));
		assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUri.parse("postgresql://u@h:99999/db"))
				.getMessage().contains("port"));
		assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUri.parse("postgresql://u@h:x/db"))
				.getMessage().contains("port"));
		assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUri.parse("jdbc:postgresql://h/db"))
				.getMessage().contains("not a PostgreSQL URI"));
	}
}
