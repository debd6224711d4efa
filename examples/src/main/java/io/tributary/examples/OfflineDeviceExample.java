package io.tributary.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.client.SyncClient;
import io.tributary.transport.client.SyncOutcome;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import reactor.core.Disposable;

/**
 * An offline-first device: an engine on its own H2 files with a {@link SyncClient} whose upstream is a node. The
 * device syncs, the node goes down, the device keeps writing (its sync fails and the writes wait in the outbox, which
 * is derived from version vectors), the node comes back with a write of its own, and the next sync pushes and pulls
 * everything. Every signal of the client is printed as it happens.
 * <p>
 * Run it with {@code mvn -B -q -pl examples -am package exec:java@offline-device -DskipTests}; pass a directory to
 * keep the data ({@code -Dexec.args=DIR}).
 */
public final class OfflineDeviceExample {

	private static final String TOKEN = "offline-device-example-token";

	private OfflineDeviceExample() {
	}

	/**
	 * What the device and the node ended with.
	 *
	 * @param pendingWhileDown the device's events the upstream lacked while it was down
	 * @param failedSync the sync tried while the upstream was down
	 * @param finalSync the sync after it came back
	 * @param device what the device holds of type {@code todo}
	 * @param upstream what the node holds of type {@code todo}
	 */
	record Result(long pendingWhileDown, SyncOutcome failedSync, SyncOutcome finalSync, List<EntityState> device,
			List<EntityState> upstream) {
	}

	/**
	 * Runs the example.
	 *
	 * @param args optional data directory
	 * @throws IOException when the data directory cannot be made or removed
	 */
	public static void main(String[] args) throws IOException {
		Path data = Examples.dataDirectory(args, "tributary-offline-device");
		try {
			run(data, System.out::println);
		}
		finally {
			Examples.cleanUp(args, data);
		}
	}

	/**
	 * Runs the story and prints it.
	 *
	 * @param data where the node and the device keep their files
	 * @param out where the lines go (the client's signals too, from the threads they are emitted on)
	 * @return what happened
	 */
	static Result run(Path data, Consumer<String> out) {
		SyncNode hub = startHub(data, 0);
		int port = hub.peerPort();
		SyncEngine device = SyncEngine.builder()
				.storage(H2Storage.builder().directory(data.resolve("device")).open().block(Examples.TIMEOUT))
				.origin("device")
				.open()
				.block(Examples.TIMEOUT);
		SyncClient client = SyncClient.builder(device, new PeerAddress("127.0.0.1", port))
				.token(TOKEN)
				// give up quickly while the upstream is away: the outbox keeps the writes for the next sync
				.maxRetries(1)
				.backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.5))
				// this story calls sync() at each step to print what each one did; left on, the client drains by
				// itself after writes and again once the node answers (docs/CLIENT.md, "Auto-drain")
				.manualDrain()
				.build();
		Disposable printing = client.signals().subscribe(signal -> out.accept("  signal: " + signal));
		try {
			out.accept("1. Online: the device writes todo/milk and syncs with the node on port " + port);
			device.put("todo", "milk", "{\"title\":\"Buy milk\",\"done\":false}").block(Examples.TIMEOUT);
			out.accept("  sync: " + describe(client.sync().block(Examples.TIMEOUT)));

			out.accept("2. The node stops; the device keeps writing");
			hub.close(Duration.ofSeconds(5)).block(Examples.TIMEOUT);
			device.put("todo", "bread", "{\"title\":\"Buy bread\",\"done\":false}").block(Examples.TIMEOUT);
			device.patch("todo", "milk", "{\"done\":true}").block(Examples.TIMEOUT);
			SyncOutcome failed = client.sync().block(Examples.TIMEOUT);
			long pending = client.pending();
			out.accept("  sync while the node is down: " + describe(failed));
			out.accept("  pending in the outbox: " + pending);

			out.accept("3. The node is back (same files, same port) and takes a write of its own");
			hub = startHub(data, port);
			hub.engine().put("todo", "eggs", "{\"title\":\"Buy eggs\",\"done\":false}").block(Examples.TIMEOUT);
			SyncOutcome synced = client.sync().block(Examples.TIMEOUT);
			out.accept("  sync: " + describe(synced));
			out.accept("  pending in the outbox: " + client.pending());

			List<EntityState> onDevice = device.query("todo").collectList().block(Examples.TIMEOUT);
			List<EntityState> onHub = hub.engine().query("todo").collectList().block(Examples.TIMEOUT);
			out.accept("4. The device holds:");
			onDevice.forEach(s -> out.accept("  " + s.entityId() + " = " + s.json()));
			out.accept("  the same as the node: " + onDevice.equals(onHub));
			return new Result(pending, failed, synced, onDevice, onHub);
		}
		finally {
			printing.dispose();
			device.closeAsync().block(Examples.TIMEOUT);
			hub.close(Duration.ofSeconds(5)).block(Examples.TIMEOUT);
		}
	}

	private static SyncNode startHub(Path data, int peerPort) {
		return SyncNode.builder().dataDir(data.resolve("hub")).nodeId("hub").httpPort(0).peerPort(peerPort).token(TOKEN)
				.start().block(Examples.TIMEOUT);
	}

	private static String describe(SyncOutcome outcome) {
		if (outcome.ok()) {
			return "pushed " + outcome.outsync().pushed() + ", pulled " + outcome.downsync().applied();
		}
		return "failed: " + String.join("; ", outcome.errors());
	}
}
