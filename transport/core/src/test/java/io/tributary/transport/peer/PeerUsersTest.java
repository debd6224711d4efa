package io.tributary.transport.peer;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.transport.SyncReport;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol version 2 on the node's side: tokens of users, row-level security on push, per-event rejections
 * recorded as rejection stubs that every replica passes on, and the one-shot session modes.
 */
class PeerUsersTest extends PeerTestBase {

	private static final UserTokens USERS = UserTokens.of(Map.of("alice-token", "alice", "bob-token", "bob"));

	private static List<Event> mixedUsers(SyncEngine device, int n) {
		return Flux.range(0, n).concatMap(i -> device.write(WriteRequest.put("todo", "t" + i, "{\"i\":" + i + "}")
				.withUserId(i % 4 == 3 ? "bob" : "alice"))).collectList().block(T);
	}

	@Test
	void pushWithAUsersTokenStoresThatUsersEventsAndRefusesTheRestOneByOne() {
		SyncEngine node = engine("node");
		PeerServer server = server(node, PeerConfig.defaults().withUsers(USERS));
		SyncEngine device = engine("device");
		List<Event> written = mixedUsers(device, 40);
		List<Frame.Rejection> refused = new java.util.ArrayList<>();

		UpstreamCalls.PushResult r = new UpstreamCalls(PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()))
				.push(device, "alice-token", 7, false, v -> { }, list -> reactor.core.publisher.Mono.fromRunnable(
						() -> refused.addAll(list))).block(T);

		assertEquals(40, r.pushed());
		assertEquals(10, r.rejected());
		assertEquals(device.vector(), node.vector());
		for (Frame.Rejection rej : refused) {
			assertEquals("FORBIDDEN", rej.code());
			assertEquals("bob", device.event("device", rej.seq()).block(T).userId());
		}
		for (Event e : written) {
			Event stored = node.event("device", e.originSeq()).block(T);
			if ("bob".equals(e.userId())) {
				assertTrue(stored.isBlank(), "a refused event is a rejection stub: " + stored);
				assertNull(stored.userId(), "nothing of the refused event is kept but its address and clock");
				assertNull(node.get("todo", e.entityId()).block(T));
			}
			else {
				assertEquals(e.payloadJson(), node.get("todo", e.entityId()).block(T).json());
			}
		}
	}

	@Test
	void sessionsOpenedWithAUsersTokenReceiveOtherUsersEventsAsBlanksThatALaterFillCompletes() {
		SyncEngine node = engine("node");
		PeerServer server = server(node, PeerConfig.defaults().withUsers(USERS).withToken("shared"));
		List<Event> written = mixedUsers(node, 24);
		UpstreamCalls calls = new UpstreamCalls(PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()));
		SyncEngine device = engine("device");

		UpstreamCalls.PullResult pulled = calls.pull(device, "alice-token", null, v -> { }).block(T);

		assertEquals(24, pulled.applied());
		assertEquals(Map.of("todo", 18), pulled.byType(), "only alice's events come with content");
		assertEquals(node.vector(), device.vector(), "blanks keep the vector gapless");
		for (Event e : written) {
			Event held = device.event("node", e.originSeq()).block(T);
			assertEquals("bob".equals(e.userId()) ? e.blank() : e, held, "same address, same position");
		}
		assertEquals(List.of(), device.query("todo").filter(s -> "bob".equals(s.userId())).collectList().block(T));

		// a symmetric session with alice's token: the live tail is filtered the same way
		SyncEngine live = engine("live");
		PeerConnector connector = new PeerConnector(live, PeerConfig.defaults().withToken("alice-token"),
				new PeerAddress("127.0.0.1", server.port()), Backoff.defaults());
		assertTrue(connector.syncOnce(T).block(T).ok());
		node.write(WriteRequest.put("todo", "late", "{\"secret\":\"of bob\"}").withUserId("bob")).block(T);
		node.write(WriteRequest.put("todo", "late-a", "{\"of\":\"alice\"}").withUserId("alice")).block(T);
		assertTrue(connector.syncOnce(T).block(T).ok());
		assertEquals(node.vector(), live.vector());
		assertTrue(live.event("node", 25).block(T).isBlank());
		assertNull(live.get("todo", "late").block(T));
		assertEquals("{\"of\":\"alice\"}", live.get("todo", "late-a").block(T).json());

		// bob's token fills in what alice's withheld: the device ends with the node's log, address for address
		UpstreamCalls.PullResult filled = calls.refill(device, "bob-token", null, v -> { }).block(T);
		assertEquals(Map.of("todo", 6), filled.byType());
		assertEquals(6, filled.applied());
		assertEquals(node.read(0, 100).filter(e -> e.originSeq() <= 24).collectList().block(T),
				device.read(0, 100).collectList().block(T));
		assertEquals(node.query("todo").filter(s -> !s.entityId().startsWith("late")).collectList().block(T),
				device.query("todo").collectList().block(T));
	}

	@Test
	void aRefusedDeleteDeletesNothing() {
		SyncEngine node = engine("node");
		PeerServer server = server(node, PeerConfig.defaults().withUsers(USERS));
		SyncEngine device = engine("device");
		device.write(WriteRequest.put("todo", "milk", "{\"by\":\"alice\"}").withUserId("alice")).block(T);
		device.write(WriteRequest.delete("todo", "milk").withUserId("bob")).block(T);
		device.write(WriteRequest.patch("todo", "milk", "{\"done\":true}").withUserId("alice")).block(T);

		UpstreamCalls.PushResult r = new UpstreamCalls(PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()))
				.push(device, "alice-token", 10, false, v -> { }, list -> reactor.core.publisher.Mono.empty()).block(T);

		assertEquals(1, r.rejected());
		assertEquals(device.vector(), node.vector());
		Event stub = node.event("device", 2).block(T);
		assertTrue(stub.isBlank() && stub.op() == io.tributary.Op.PATCH, stub.toString());
		assertFalse(node.get("todo", "milk").block(T).deleted(), "the refused delete deleted nothing");
		assertEquals("{\"by\":\"alice\",\"done\":true}", node.get("todo", "milk").block(T).json());
	}

	@Test
	void rejectionStubsArePassedOnSoEveryReplicaKeepsAContiguousVector() {
		SyncEngine node = engine("node");
		PeerServer server = server(node, PeerConfig.defaults().withUsers(USERS).withToken("shared"));
		SyncEngine device = engine("device");
		mixedUsers(device, 20);
		new UpstreamCalls(PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()))
				.push(device, "alice-token", 100, false, v -> { }, list -> reactor.core.publisher.Mono.empty()).block(T);

		// a full replica syncing with the node over a symmetric session gets the stubs too
		SyncEngine mirror = engine("mirror");
		SyncReport report = new PeerConnector(mirror, PeerConfig.defaults().withToken("shared"),
				new PeerAddress("127.0.0.1", server.port()), Backoff.defaults()).syncOnce(T).block(T);
		assertTrue(report.ok(), report.toString());
		assertEquals(node.vector(), mirror.vector());
		assertEquals(node.query("todo").collectList().block(T), mirror.query("todo").collectList().block(T));
		assertEquals(5, mirror.read(0, 100).filter(Event::isBlank).count().block(T).intValue());
	}

	@Test
	void tokensAreCheckedAndAUsersTokenNeedsVersionTwo() {
		SyncEngine node = engine("node");
		PeerServer server = server(node, PeerConfig.defaults().withUsers(USERS));
		VersionVector none = VersionVector.empty();
		assertEquals(ErrorCode.UNAUTHORIZED, lastError(raw(server.port(), codec.encode(
				new Frame.Hello(List.of(1, 2), "x", "carol-token", none, null, Frame.Hello.PUSH)))).code());
		assertEquals(ErrorCode.UNAUTHORIZED, lastError(raw(server.port(), codec.encode(
				new Frame.Hello(List.of(2), "x", null, none, null, Frame.Hello.PULL)))).code(),
				"with user tokens configured a peer without a token is refused");
		assertEquals(ErrorCode.UNSUPPORTED_VERSION, lastError(raw(server.port(), codec.encode(
				new Frame.Hello(List.of(1), "x", "alice-token", none, null)))).code());
		assertEquals(ErrorCode.PROTOCOL_VIOLATION, lastError(raw(server.port(), codec.encode(
				new Frame.Hello(List.of(2), "x", "alice-token", none, null, "both")))).code());

		PeerServer open = server(engine("open"), PeerConfig.defaults());
		assertEquals(ErrorCode.PROTOCOL_VIOLATION, lastError(raw(open.port(), codec.encode(
				new Frame.Hello(List.of(1), "x", null, none, null, Frame.Hello.PUSH)))).code(),
				"a session mode needs version 2");
	}

	@Test
	void versionOnePeersStillGetASymmetricSession() {
		SyncEngine node = engine("node");
		write(node, 10, "n");
		PeerServer server = server(node, PeerConfig.defaults());
		List<Frame> answer = raw(server.port(), codec.encode(new Frame.Hello(List.of(1), "old", null,
				VersionVector.empty(), null)), codec.encode(new Frame.Error(ErrorCode.SHUTTING_DOWN, "bye")));
		Frame.Welcome welcome = (Frame.Welcome) answer.get(0);
		assertEquals(1, welcome.version());
		assertFalse(answer.stream().anyMatch(f -> f instanceof Frame.Rejected));
	}
}
