package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import io.tributary.transport.http.TestClient.Response;

/**
 * The HTTP API's {@code schemaVersion}: accepted on posted changes (older ones upcast when read), stamped with the
 * type's current version when absent, returned on changes and entities, and refused with a 400 when malformed.
 */
class HttpApiSchemaVersionTest {

	private final ApiFixture fixture = new ApiFixture();
	private TestClient client;

	@BeforeEach
	void start() {
		SyncEngine engine = fixture.engine("node-a", new InMemoryStorage(), b -> b.schemaVersion("person", 2)
				.upcaster("person", 1, doc -> {
					if (doc.has("name")) {
						doc.set("fullName", doc.remove("name"));
					}
					return doc;
				}));
		client = new TestClient(fixture.serve(HttpApi.builder(engine).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	@Test
	void anOlderVersionIsStoredAsWrittenAndReadUpcast() {
		Response r = client.post("/api/changes", "{\"entityType\":\"person\",\"operation\":\"create\","
				+ "\"entityId\":\"ada\",\"data\":{\"name\":\"Ada\"},\"schemaVersion\":1}");
		assertEquals(201, r.status(), r.body());
		JsonNode change = r.json().get("changes").get(0);
		assertEquals(1, change.get("schemaVersion").asInt());
		assertEquals("Ada", change.get("data").get("name").asText(), "the log keeps the data as written");
		JsonNode entity = client.get("/api/entities/person/ada").json();
		assertEquals("Ada", entity.get("data").get("fullName").asText(), "reads are upcast");
		assertEquals(2, entity.get("schemaVersion").asInt());
		assertEquals(entity.get("data"), client.get("/api/entities/person").json().get("entities").get(0).get("data"));
	}

	@Test
	void aChangeWithoutAVersionIsStampedWithTheCurrentOne() {
		Response r = client.post("/api/changes", "[{\"entityType\":\"person\",\"operation\":\"create\","
				+ "\"entityId\":\"b\",\"data\":{\"fullName\":\"B\"}},{\"entityType\":\"note\",\"operation\":\"create\","
				+ "\"entityId\":\"n\",\"data\":{}}]");
		assertEquals(201, r.status(), r.body());
		assertEquals(2, r.json().get("changes").get(0).get("schemaVersion").asInt());
		assertEquals(1, r.json().get("changes").get(1).get("schemaVersion").asInt(), "a type without versions is at 1");
		assertEquals(2, client.get("/api/changes/node-a:1").json().get("schemaVersion").asInt());
	}

	@Test
	void aMalformedVersionIsRefusedNamingTheFieldAndNothingIsStored() {
		for (String bad : new String[] { "0", "-1", "\"2\"", "1.5", "99999999999", "{}" }) {
			Response r = client.post("/api/changes", "[{\"entityType\":\"note\",\"operation\":\"create\","
					+ "\"entityId\":\"ok\",\"data\":{}},{\"entityType\":\"person\",\"operation\":\"create\","
					+ "\"entityId\":\"x\",\"data\":{},\"schemaVersion\":" + bad + "}]");
			assertEquals(400, r.status(), bad + ": " + r.body());
			assertTrue(r.body().contains("changes[1]") && r.body().contains("schemaVersion"), r.body());
		}
		assertEquals(0, client.get("/api/changes").json().get("changes").size(), "nothing was stored");
	}
}
