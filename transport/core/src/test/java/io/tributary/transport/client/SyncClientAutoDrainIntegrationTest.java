package io.tributary.transport.client;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerServer;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's auto-drain against a real node over a socket: writes reach the upstream with no sync call, a burst
 * goes up in few drains, and an outbox written while the upstream was down drains by itself when it returns.
 */
class SyncClientAutoDrainIntegrationTest extends ClientTestBase {

	record Todo(String title, boolean done) {
	}

	/** Completes once the upstream holds {@code n} events written by the device. */
	private static void awaitFrom(SyncEngine upstream, String origin, int n) {
		upstream.events(0).filter(e -> e.origin().equals(origin)).take(n).then().block(T);
	}

	@Test
	void writesReachTheUpstreamWithoutASyncCall() {
		SyncEngine device = engine("device");
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncClient client = autoClient(device, node, b -> b.drainAfterWrites(Duration.ofMillis(100)));

		client.put("todo", "milk", new Todo("Buy milk", false)).block(T);
		client.patch("todo", "milk", java.util.Map.of("done", true)).block(T);

		awaitFrom(upstream, "device", 2);
		assertEquals(new Todo("Buy milk", true), upstream.get("todo", "milk", Todo.class).block(T));
		assertEquals(new Todo("Buy milk", true), client.get("todo", "milk", Todo.class).block(T),
				"the client reads its engine, typed");
	}

	@Test
	void aBurstOfWritesGoesUpInFewDrains() {
		SyncEngine device = engine("device");
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		SyncClient client = autoClient(device, node, b -> b.drainAfterWrites(Duration.ofSeconds(1)));
		List<ClientSignal> signals = record(client);

		Flux.range(0, 100).flatMap(i -> device.put("todo", "t" + i, new Todo("t" + i, false)), 16).blockLast(T);
		awaitFrom(upstream, "device", 100);
		// the drain that pushed the last event reports once its acknowledgement is in: wait for it
		client.signals().startWith(signals).filter(ClientSignal.DrainComplete.class::isInstance)
				.map(s -> ((ClientSignal.DrainComplete) s).report())
				.filter(r -> r.pending() == 0 && r.pushed() > 0).next().block(T);

		List<ClientSignal.DrainComplete> drains = ofType(signals, ClientSignal.DrainComplete.class);
		long pushed = drains.stream().mapToLong(d -> d.report().pushed()).sum();
		assertEquals(100L, pushed, "each event pushed once: " + drains);
		assertTrue(drains.size() <= 3, "100 writes went up in " + drains.size() + " drains");
		assertEquals(0, client.pending());
	}

	@Test
	void theOutboxDrainsByItselfWhenTheUpstreamComesBack() {
		SyncEngine device = engine("device");
		SyncEngine upstream = engine("node");
		PeerServer first = node(upstream, PeerConfig.defaults());
		int port = first.port();
		first.close(Duration.ofSeconds(5)).block(T);
		SyncClient client = autoClient(device, first, b -> b.drainAfterWrites(Duration.ofMillis(50)).maxRetries(1)
				.backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 0)));
		List<ClientSignal> signals = record(client);

		device.put("todo", "a", new Todo("a", false)).block(T);
		device.put("todo", "b", new Todo("b", false)).block(T);
		// the automatic drain finds the upstream down
		client.signals().startWith(signals).filter(ClientSignal.SyncError.class::isInstance).next().block(T);
		assertEquals(2, client.pending(), "the outbox is kept");

		PeerServer back = PeerServer.bind(upstream, PeerConfig.defaults(), "127.0.0.1", port).block(T);
		try {
			awaitFrom(upstream, "device", 2);
			client.signals().startWith(signals).filter(ClientSignal.DrainComplete.class::isInstance)
					.filter(s -> ((ClientSignal.DrainComplete) s).report().pending() == 0).next().block(T);
			assertEquals(0, client.pending());
			List<Event> held = log(upstream);
			assertEquals(2, held.size());
		}
		finally {
			client.close();
			back.close(Duration.ofSeconds(5)).block(T);
		}
	}

	@Test
	void settingsAreCheckedAndAClientClosesInTryWithResources() {
		SyncEngine device = engine("device");
		SyncEngine upstream = engine("node");
		PeerServer node = node(upstream, PeerConfig.defaults());
		assertThrows(IllegalArgumentException.class, () -> client(device, node).drainAfterWrites(Duration.ZERO));
		assertThrows(IllegalArgumentException.class, () -> client(device, node).drainEvery(Duration.ofSeconds(-1)));
		try (SyncClient c = client(device, node).drainEvery(Duration.ofMillis(50)).build()) {
			// listening first: the timer may pull the node's write the moment it is stored
			java.util.concurrent.CompletableFuture<io.tributary.TypedChange<Todo>> pulled =
					c.changes("todo", Todo.class).next().toFuture();
			upstream.put("todo", "up", new Todo("from the node", false)).block(T);
			// the timer pulls what the upstream holds though the device writes nothing
			reactor.core.publisher.Mono.fromFuture(pulled).block(T);
			assertEquals(new Todo("from the node", false), c.get("todo", "up", Todo.class).block(T));
		}
	}
}
