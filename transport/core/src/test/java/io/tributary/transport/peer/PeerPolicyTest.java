package io.tributary.transport.peer;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tributary.ConflictStrategy;
import io.tributary.ProjectionPolicy;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import io.tributary.transport.SyncReport;
import io.tributary.transport.client.SyncClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas whose projection policies differ cannot converge: the handshake carries a fingerprint of the policy
 * over the types each side receives, and a mismatch is refused with a clear error on both sides.
 */
class PeerPolicyTest extends PeerTestBase {

	private SyncEngine engine(String origin, ProjectionPolicy policy) {
		SyncEngine e = SyncEngine.builder().storage(new InMemoryStorage()).origin(origin).projection(policy).open()
				.block(T);
		cleanup.add(() -> e.closeAsync().block(T));
		return e;
	}

	private SyncReport sync(SyncEngine from, PeerServer to, PeerConfig config) {
		return new PeerConnector(from, config, new PeerAddress("127.0.0.1", to.port()), Backoff.defaults())
				.syncOnce(T).block(T);
	}

	private static ProjectionPolicy merge(String type) {
		return ProjectionPolicy.builder().strategy(type, ConflictStrategy.FIELD_MERGE).build();
	}

	@Test
	void replicasWithDifferentPoliciesRefuseEachOtherOnBothSides() {
		SyncEngine hub = engine("hub", merge("todo"));
		SyncEngine device = engine("device", ProjectionPolicy.defaults());
		hub.put("todo", "t", "{\"a\":1}").block(T);
		device.put("todo", "t", "{\"b\":2}").block(T);
		PeerServer server = server(hub, PeerConfig.defaults());

		SyncReport report = sync(device, server, PeerConfig.defaults());
		assertFalse(report.ok());
		assertTrue(report.error().contains("projection policies differ"), report.error());
		assertTrue(report.error().contains("todo=FIELD_MERGE"), "the refusing side names its policy: " + report.error());
		assertEquals(0, hub.vector().get("device"), "nothing was exchanged");
		assertEquals(0, device.vector().get("hub"));
		assertTrue(ErrorCode.POLICY_MISMATCH.isFatal(), "retrying cannot help until a policy changes");

		// the other way round, the dialler is the one that finds out from the WELCOME
		PeerServer deviceServer = server(device, PeerConfig.defaults());
		SyncReport back = sync(hub, deviceServer, PeerConfig.defaults());
		assertFalse(back.ok());
		assertTrue(back.error().contains("projection policies differ"), back.error());
	}

	@Test
	void aClientPullingWithAnotherPolicyIsRefused() {
		SyncEngine hub = engine("hub", merge("todo"));
		SyncEngine device = engine("device", ProjectionPolicy.defaults());
		PeerServer server = server(hub, PeerConfig.defaults());
		SyncClient client = SyncClient.builder(device, new PeerAddress("127.0.0.1", server.port())).maxRetries(0).manualDrain().build();
		Throwable e = assertThrows(RuntimeException.class, () -> client.downsync().block(T));
		assertTrue(String.valueOf(e.getMessage()).contains("projection policies differ"), String.valueOf(e.getMessage()));
	}

	@Test
	void policiesThatFoldAlikeConnect() {
		// naming the default strategy for a type changes nothing about how it folds
		SyncEngine a = engine("a", ProjectionPolicy.builder().strategy("todo", ConflictStrategy.LAST_WRITE_WINS).build());
		SyncEngine b = engine("b", ProjectionPolicy.defaults());
		a.put("todo", "t", "{\"a\":1}").block(T);
		assertTrue(sync(b, server(a, PeerConfig.defaults()), PeerConfig.defaults()).ok());
		assertEquals(a.vector(), b.vector());
		assertEquals(a.projection().fingerprint(null), b.projection().fingerprint(null));
	}

	@Test
	void aPartialReplicaIsComparedOnTheTypesItReceives() {
		ProjectionPolicy hubPolicy = ProjectionPolicy.builder().strategy("todo", ConflictStrategy.FIELD_MERGE)
				.strategy("note", ConflictStrategy.ORIGIN_PRIORITY).originRanking(List.of("hub")).build();
		SyncEngine hub = engine("hub", hubPolicy);
		hub.put("todo", "t", "{\"a\":1}").block(T);
		hub.put("note", "n", "{\"a\":1}").block(T);
		PeerServer server = server(hub, PeerConfig.defaults());
		// folds todo as the hub does, and knows nothing of notes: it receives only todos
		SyncEngine todos = engine("todos", merge("todo"));
		assertTrue(sync(todos, server, PeerConfig.defaults().withTypes(Set.of("todo"))).ok());
		assertEquals("{\"a\":1}", todos.get("todo", "t").block(T).json());
		// a full replica with the same todo policy still differs on notes
		SyncEngine full = engine("full", merge("todo"));
		assertFalse(sync(full, server, PeerConfig.defaults()).ok());
		assertNotEquals(hubPolicy.fingerprint(null), merge("todo").fingerprint(null));
		assertEquals(hubPolicy.fingerprint(Set.of("todo")), merge("todo").fingerprint(Set.of("todo")));
	}
}
