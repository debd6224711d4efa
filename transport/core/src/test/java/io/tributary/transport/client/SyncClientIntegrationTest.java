package io.tributary.transport.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.WriteRequest;
import io.tributary.spi.DeadLetter;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerServer;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offline-first client against real nodes: H2 files, real sockets, no mock of the engine.
 */
class SyncClientIntegrationTest extends ClientTestBase {

	private static void writeTodos(SyncEngine e, int n, String user) {
		Flux.range(0, n).map(i -> WriteRequest.put("todo", "t" + (i % 250), "{\"n\":" + i + "}").withUserId(user))
				.buffer(500).concatMap(e::writeAll).blockLast(T);
	}

	@Test
	void deviceOfflineForThousandsOfWritesSyncsCompletely() {
		SyncEngine device = engine("device");
		writeTodos(device, 3000, null);
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncClient client = client(device, node).batchSize(400).build();
		List<ClientSignal> signals = record(client);
		assertEquals(3000, client.pending(), "before any contact every own event is pending");

		DrainReport report = client.outsync().block(T);

		assertEquals(3000, report.pushed());
		assertEquals(0, report.pending());
		assertEquals(0, client.pending());
		assertEquals(device.vector(), upstream.vector());
		assertEquals(3000, logWithoutDuplicates(upstream).size());
		assertEquals(device.query("todo").collectList().block(T), upstream.query("todo").collectList().block(T));
		assertEquals(List.of(new ClientSignal.DrainComplete(report)), ofType(signals, ClientSignal.DrainComplete.class));
		SyncStatus status = client.status().block(T);
		assertEquals(0, status.pending());
		assertNotNull(status.lastOutsync());
		assertNull(status.lastError());
		assertEquals(device.vector(), status.upstreamVector());

		assertEquals(0, client.outsync().block(T).pushed(), "a second drain finds nothing to push");
		assertEquals(3000, log(upstream).size());
	}

	@Test
	void secondOutsyncWhileOneRunsJoinsIt() {
		SyncEngine device = engine("device");
		writeTodos(device, 1500, null);
		SyncEngine upstream = engine("node");
		SyncClient client = client(device, node(upstream, PeerConfig.defaults())).batchSize(100).build();

		List<DrainReport> both = Flux.merge(client.outsync(), client.outsync()).collectList().block(T);

		assertEquals(2, both.size());
		assertSame(both.get(0), both.get(1), "the second call joined the running drain");
		assertEquals(1500, both.get(0).pushed());
		assertEquals(1500, logWithoutDuplicates(upstream).size());
	}

	@Test
	void downsyncPullsTheSyncedTypesAndStubsOfTheRest() {
		SyncEngine upstream = engine("node");
		Flux.range(0, 90).concatMap(i -> i % 3 == 0 ? upstream.put("note", "n" + i, "{\"i\":" + i + "}")
				: upstream.put("todo", "t" + i, "{\"i\":" + i + "}")).blockLast(T);
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncEngine device = engine("device");
		SyncClient client = client(device, node).types(Set.of("todo")).build();
		List<ClientSignal> signals = record(client);

		PullReport report = client.downsync().block(T);

		assertEquals(Map.of("todo", 60), report.byType());
		assertEquals(90, report.applied(), "notes are stored as stubs so the vector stays gapless");
		assertEquals(upstream.vector(), device.vector());
		assertEquals(upstream.query("todo").collectList().block(T), device.query("todo").collectList().block(T));
		assertEquals(List.of(), device.query("note").collectList().block(T));
		assertEquals(List.of(new ClientSignal.PullComplete("todo", 60)), ofType(signals, ClientSignal.PullComplete.class));
		assertNotNull(client.status().block(T).lastDownsync());

		// types at runtime: adding notes pulls the new one at once and fills the 30 stubs held since the first pull
		upstream.put("note", "fresh", "{\"new\":true}").block(T);
		long positionBefore = device.lastPosition();
		PullReport added = client.addType("note", true).block(T);
		assertEquals(Map.of("note", 31), added.byType(), "1 pulled, 30 filled");
		assertEquals(31, added.applied());
		assertEquals(new ClientSignal.PullComplete("note", 31), ofType(signals, ClientSignal.PullComplete.class).get(1));
		assertEquals("{\"new\":true}", device.get("note", "fresh").block(T).json());
		assertEquals(upstream.query("note").collectList().block(T), device.query("note").collectList().block(T),
				"the old notes have their content now");
		assertEquals(positionBefore + 1, device.lastPosition(), "filled events keep their places in the log");
		assertEquals(List.of(), stubsOf(device, "note"));
		assertEquals(0, client.addType("note", true).block(T).applied(), "nothing is left to pull or fill");
		client.removeType("todo").block(T);
		assertEquals(Set.of("note"), client.syncedTypes());
		upstream.put("todo", "later", "{\"x\":1}").block(T);
		upstream.put("note", "later", "{\"x\":2}").block(T);
		assertEquals(Map.of("note", 1), client.downsync().block(T).byType());
		assertNull(device.get("todo", "later").block(T), "a removed type arrives as a stub only");
		assertEquals(upstream.vector(), device.vector());
	}

	private static List<Event> stubsOf(SyncEngine e, String type) {
		return log(e).stream().filter(ev -> ev.type().equals(type) && ev.isStub()).toList();
	}

	@Test
	void partiallyRefusedBatchesResumeWithoutLossOrDuplicatesAndRefusedEventsBecomeDeadLetters() {
		SyncEngine device = engine("device");
		// alice's events, with some of bob's (row-level security) and oversized ones (validation) among them
		Flux.range(0, 600).concatMap(i -> {
			String user = i % 97 == 5 ? "bob" : "alice";
			String body = i % 151 == 7 ? "{\"big\":\"" + "x".repeat(3000) + "\"}" : "{\"n\":" + i + "}";
			return device.write(WriteRequest.put("todo", "t" + i, body).withUserId(user));
		}, 16).blockLast(T);
		Map<Long, String> refused = new HashMap<>();
		for (Event e : log(device)) {
			if ("bob".equals(e.userId())) {
				refused.put(e.originSeq(), "FORBIDDEN");
			}
			else if (e.payload().length > 1024) {
				refused.put(e.originSeq(), "INVALID_EVENT");
			}
		}
		SyncEngine upstream = engine("node", SyncEngine.builder().maxPayloadBytes(1024));
		PeerServer node = node(upstream, PeerConfig.defaults().withUsers(UserTokens.of(Map.of("alice-token", "alice"))));
		SyncClient client = client(device, node).token("alice-token").batchSize(50)
				.onError(SyncClient.OnError.STOP).build();
		List<ClientSignal> signals = record(client);

		// with STOP each drain ends after the batch holding a refused event; drains resume where it stopped
		int drains = 0;
		DrainReport last;
		do {
			last = client.outsync().block(T);
			drains++;
		}
		while (last.pending() > 0 && drains < 50);
		assertEquals(0, last.pending());
		assertTrue(drains > 1, "the first drain stopped early");

		assertEquals(device.vector(), upstream.vector(), "rejection stubs keep the node's vector contiguous");
		List<Event> stored = logWithoutDuplicates(upstream);
		assertEquals(600, stored.size());
		int rejectionStubs = 0;
		for (Event e : stored) {
			if (refused.containsKey(e.originSeq())) {
				assertTrue(e.isStub(), "refused content is not stored: " + e);
				assertEquals("_rejected", e.type());
				rejectionStubs++;
			}
			else {
				assertArrayEquals(device.event("device", e.originSeq()).block(T).payload(), e.payload());
			}
		}
		assertEquals(refused.size(), rejectionStubs);
		assertEquals(600 - refused.size(), upstream.query("todo").count().block(T).intValue());

		List<DeadLetter> dead = client.deadLetters(1000).collectList().block(T);
		Map<Long, String> deadCodes = new HashMap<>();
		dead.forEach(d -> deadCodes.put(d.event().originSeq(), d.code()));
		assertEquals(refused, deadCodes, "every refused event is a dead letter with its reason");
		assertEquals(refused.size(), ofType(signals, ClientSignal.PoisonPill.class).size());
		assertEquals(refused.size(), client.status().block(T).deadLetters());

		// replay after a fix: a new event, pushed by the next drain; the dead letter is gone
		DeadLetter big = dead.stream().filter(d -> d.code().equals("INVALID_EVENT")).findFirst().orElseThrow();
		Event fixed = client.replay("device", big.event().originSeq(),
				WriteRequest.put("todo", big.event().entityId(), "{\"big\":\"trimmed\"}").withUserId("alice")).block(T);
		assertNull(io.tributary.spi.EngineAdmin.of(device).deadLetters().get("device", big.event().originSeq()).block(T));
		assertEquals(1, client.outsync().block(T).pushed());
		assertEquals("{\"big\":\"trimmed\"}", upstream.get("todo", fixed.entityId()).block(T).json());
		DeadLetter forbidden = dead.stream().filter(d -> d.code().equals("FORBIDDEN")).findFirst().orElseThrow();
		assertTrue(client.deleteDeadLetter("device", forbidden.event().originSeq()).block(T));
		assertEquals(refused.size() - 2, client.status().block(T).deadLetters());
	}

	private static void assertArrayEquals(byte[] expected, byte[] actual) {
		org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
	}

	@Test
	void tokenRevokedInTheMiddleOfADrainKeepsTheOutboxAndANewTokenResumes() {
		SyncEngine device = engine("device");
		writeTodos(device, 2000, "alice");
		SyncEngine upstream = engine("node");
		UserTokens tokens = UserTokens.of(Map.of("old", "alice"));
		PeerServer node = node(upstream, PeerConfig.defaults().withUsers(tokens));
		SyncClient client = client(device, node).token("old").batchSize(50).build();
		List<ClientSignal> signals = record(client);
		// the token expires once the node committed the first pushed batch
		upstream.signals().filter(s -> s instanceof SyncSignal.Committed).next()
				.subscribe(s -> tokens.revoke("old"));

		client.outsync().as(StepVerifier::create).expectError(AuthRequiredException.class).verify(T);

		long pending = client.pending();
		assertTrue(pending > 0 && pending < 2000, "part was pushed, the rest is kept: " + pending);
		assertEquals(2000 - pending, upstream.vector().get("device"));
		assertEquals(1, ofType(signals, ClientSignal.AuthRequired.class).size());
		SyncStatus status = client.status().block(T);
		assertTrue(status.authRequired());
		assertTrue(status.lastError().contains("UNAUTHORIZED"), status.lastError());

		tokens.grant("new", "alice");
		DrainReport resumed = client.resume("new").block(T);

		assertEquals(pending, resumed.pushed());
		assertEquals(0, client.pending());
		assertFalse(client.status().block(T).authRequired());
		assertEquals(2000, logWithoutDuplicates(upstream).size());
		assertEquals(device.query("todo").collectList().block(T), upstream.query("todo").collectList().block(T));
	}

	@Test
	void injectionStringsAreStoredAndSyncedByteExactAsLiterals() {
		List<String> hostile = List.of("'; DROP TABLE tributary_event; --", "\" OR 1=1 --", "{\"$gt\": \"\"}",
				"{\"$where\": \"sleep(1000)\"}", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
				"../../../etc/passwd", "..\\..\\windows\\system32", "nul\u0000byte", "\u202Eevil\u202C", "\u200F\u200E",
				"%00%2e%2e%2f", "${jndi:ldap://x/a}");
		SyncEngine deviceA = engine("device-a");
		for (int i = 0; i < hostile.size(); i++) {
			String s = hostile.get(i);
			Map<String, Object> doc = new java.util.LinkedHashMap<>();
			doc.put("text", s);
			doc.put(s, i);
			doc.put("max", Long.MAX_VALUE);
			doc.put("min", Long.MIN_VALUE);
			deviceA.put("note", s, doc).block(T);
		}
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		assertEquals(hostile.size(), client(deviceA, node).build().outsync().block(T).pushed());
		SyncEngine deviceB = engine("device-b");
		client(deviceB, node).build().downsync().block(T);

		for (String s : hostile) {
			EntityState a = deviceA.get("note", s).block(T);
			assertNotNull(a, "entity id kept as a literal: " + s);
			assertTrue(a.json().contains("9223372036854775807") && a.json().contains("-9223372036854775808"), a.json());
			assertEquals(a, upstream.get("note", s).block(T));
			assertEquals(a, deviceB.get("note", s).block(T));
		}
		List<Event> logA = log(deviceA);
		List<Event> logB = log(deviceB);
		for (int i = 0; i < logA.size(); i++) {
			assertArrayEquals(logA.get(i).payload(), logB.get(i).payload());
			assertEquals(logA.get(i).entityId(), logB.get(i).entityId());
		}
	}

	@Test
	void conflictsResolveTheSameOnEveryReplicaAfterTwoDevicesSyncThroughOneNode() {
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncEngine a = engine("device-a");
		SyncEngine b = engine("device-b");
		SyncClient clientA = client(a, node).build();
		SyncClient clientB = client(b, node).build();
		// device b's client reports each conflict its engine detects (delivered apart from the sync: waited on)
		java.util.concurrent.CompletableFuture<List<ClientSignal.Conflict>> conflictsB = clientB.signals()
				.ofType(ClientSignal.Conflict.class).take(20).collectList().toFuture();
		// both edit the same entities while offline
		for (int i = 0; i < 20; i++) {
			a.put("todo", "shared-" + i, "{\"by\":\"a\",\"i\":" + i + "}").block(T);
			b.put("todo", "shared-" + i, "{\"by\":\"b\",\"i\":" + i + "}").block(T);
		}

		assertTrue(clientA.sync().block(T).ok());
		assertTrue(clientB.sync().block(T).ok());
		assertTrue(clientA.sync().block(T).ok());

		List<EntityState> onNode = upstream.query("todo").collectList().block(T);
		assertEquals(20, onNode.size());
		assertEquals(onNode, a.query("todo").collectList().block(T));
		assertEquals(onNode, b.query("todo").collectList().block(T));
		assertEquals(20, b.conflicts("todo", 100).count().block(T).intValue(), "device b saw a conflict per entity");
		assertEquals(20, Mono.fromFuture(conflictsB).block(T).size(), "device b's client reported the conflicts");
	}

	@Test
	void transientFailuresAreRetriedWithBackoffThenReported() {
		SyncEngine device = engine("device");
		device.put("todo", "x", "{}").block(T);
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		int port = node.port();
		node.close(java.time.Duration.ofSeconds(5)).block(T);
		SyncClient client = SyncClient.builder(device, new io.tributary.transport.peer.PeerAddress("127.0.0.1", port)).manualDrain()
				.backoff(new io.tributary.transport.peer.Backoff(java.time.Duration.ofMillis(1),
						java.time.Duration.ofMillis(4), 0))
				.maxRetries(3).build();
		List<ClientSignal> signals = record(client);

		SyncOutcome outcome = client.sync().block(T);

		assertFalse(outcome.ok());
		assertEquals(2, outcome.errors().size(), "with CONTINUE the downsync ran after the failed outsync");
		List<ClientSignal.RetryScheduled> retries = ofType(signals, ClientSignal.RetryScheduled.class);
		assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L), retries.stream().map(ClientSignal.RetryScheduled::attempt).toList());
		assertEquals(List.of(1L, 2L, 4L, 1L, 2L, 4L), retries.stream().map(r -> r.delay().toMillis()).toList());
		assertEquals(2, ofType(signals, ClientSignal.SyncError.class).size());
		assertEquals(1, client.pending(), "the outbox is kept");
	}
}
