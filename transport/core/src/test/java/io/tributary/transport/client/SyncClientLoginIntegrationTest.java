package io.tributary.transport.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.StoreFiles;
import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerServer;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Login and logout on one device with H2 files, against a real node that serves each user's token as that
 * user: nothing of a user who logged out is left in the device's files, the next user sees nothing of them,
 * and the first user gets their data back on their next login.
 */
class SyncClientLoginIntegrationTest extends ClientTestBase {

	private static final String ALICE = "alice-u-4be19d";
	private static final String BOB = "bob-u-c27a05";
	private static final UserTokens USERS = UserTokens.of(Map.of("alice-token", ALICE, "bob-token", BOB));
	private static final int DOCS = 20;

	private SyncEngine device;

	@AfterEach
	void closeDevice() {
		if (device != null) {
			device.closeAsync().block(T);
		}
	}

	private Path deviceFiles() {
		return dir.resolve("device-files");
	}

	private SyncEngine openDevice(String user) {
		H2Storage storage = H2Storage.builder().directory(deviceFiles()).open().block(T);
		device = SyncEngine.builder().storage(storage).origin("device").currentUser(user).open().block(T);
		return device;
	}

	private void closeDeviceNow() {
		device.closeAsync().block(T);
		device = null;
	}

	/** Every string of a user's data that must not outlive their logout. */
	private static List<String> markers(String user) {
		return List.of(user, user + "-doc-", user + "-secret-");
	}

	private static List<Event> ownedBy(SyncEngine e, String user) {
		return log(e).stream().filter(ev -> user.equals(ev.userId())).toList();
	}

	private static List<Event> withoutPositions(List<Event> events) {
		return events.stream().map(e -> e.withPosition(0)).toList();
	}

	@Test
	void loggedOutUserLeavesNothingOnTheDeviceTheNextUserSeesNothingOfThemAndTheyGetTheirDataBack() {
		// the node refuses payloads over 200 bytes, so one of alice's writes becomes a dead letter
		SyncEngine hub = engine("hub", SyncEngine.builder().maxPayloadBytes(200));
		PeerServer node = node(hub, PeerConfig.defaults().withUsers(USERS));
		Flux.range(0, 5).concatMap(i -> hub.forUser(BOB).put("doc", BOB + "-doc-" + i,
				"{\"note\":\"" + BOB + "-secret-" + i + "\"}")).blockLast(T);

		SyncClient client = client(openDevice(null), node).build();
		PullReport first = client.login(ALICE, "alice-token").block(T);
		assertEquals(ALICE, device.currentUser());
		assertEquals(Map.of(), first.byType(), "bob's events arrive as blanks only");
		assertEquals(hub.vector(), device.vector());
		assertEquals(List.of(), ownedBy(device, BOB));

		Flux.range(0, DOCS).concatMap(i -> device.put("doc", ALICE + "-doc-" + i,
				"{\"note\":\"" + ALICE + "-secret-" + i + "\"}")).blockLast(T);
		device.put("doc", ALICE + "-doc-big", "{\"note\":\"" + ALICE + "-secret-" + "x".repeat(300) + "\"}").block(T);
		DrainReport pushed = client.outsync().block(T);
		assertEquals(DOCS + 1, pushed.pushed());
		assertEquals(1, pushed.rejected());
		assertEquals(1, client.status().block(T).deadLetters());
		closeDeviceNow();
		assertEquals(markers(ALICE).size(), StoreFiles.find(deviceFiles(), markers(ALICE)).size(),
				"before the logout alice's data is in the files, so the scan can see it");

		// the app starts again with alice logged in, and she logs out
		SyncClient restarted = client(openDevice(ALICE), node).build();
		long erased = restarted.logout().block(T);
		assertEquals(DOCS + 1, erased);
		assertNull(device.currentUser());
		assertEquals(0, restarted.status().block(T).deadLetters(), "her dead letter went with her data");
		assertEquals(List.of(), device.query("doc").collectList().block(T));
		assertThrows(IllegalStateException.class, () -> restarted.logout().block(T), "nobody is logged in any more");
		closeDeviceNow();
		assertEquals(List.of(), StoreFiles.find(deviceFiles(), markers(ALICE)), "files: " + StoreFiles.list(deviceFiles()));

		// bob logs in on the same device: his data comes in, nothing of alice's
		client = client(openDevice(null), node).build();
		List<ClientSignal> signals = record(client);
		PullReport bobs = client.login(BOB, "bob-token").block(T);
		assertEquals(Map.of("doc", 5), bobs.byType(), "bob's five blanks filled");
		List<EntityState> bobSees = device.query("doc").collectList().block(T);
		assertEquals(hub.forUser(BOB).query("doc").collectList().block(T), bobSees);
		assertEquals(List.of(), ownedBy(device, ALICE));
		assertEquals(hub.vector(), device.vector());
		client.logout().block(T);

		// alice logs in again: her documents come back from the node, where they sit at the same addresses
		PullReport again = client.login(ALICE, "alice-token").block(T);
		assertEquals(Map.of("doc", DOCS), again.byType(), "the refused write was never stored upstream");
		assertEquals(hub.forUser(ALICE).query("doc").collectList().block(T), device.query("doc").collectList().block(T));
		assertEquals(DOCS, device.query("doc").count().block(T).intValue());
		assertEquals(List.of(), ownedBy(device, BOB));
		assertTrue(ofType(signals, ClientSignal.PullComplete.class).contains(new ClientSignal.PullComplete("doc", DOCS)));
		assertEquals(withoutPositions(ownedBy(hub, ALICE)), withoutPositions(ownedBy(device, ALICE)),
				"the same events, byte for byte");
		assertEquals(DOCS + 2, device.put("doc", ALICE + "-doc-new", "{}").block(T).originSeq(),
				"her writes continue the device's sequence");
	}
}
