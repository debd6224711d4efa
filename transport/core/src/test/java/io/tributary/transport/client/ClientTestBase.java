package io.tributary.transport.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerServer;
import reactor.core.Disposable;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real replicas for the client tests: engines on H2 files in a temporary directory, nodes serving the peer
 * protocol on port 0, and clients between them. Everything made is closed after each test.
 */
abstract class ClientTestBase {

	static final Duration T = Duration.ofSeconds(60);

	@TempDir
	Path dir;

	private final List<Runnable> cleanup = new ArrayList<>();

	@AfterEach
	void tearDown() {
		for (int i = cleanup.size() - 1; i >= 0; i--) {
			cleanup.get(i).run();
		}
	}

	SyncEngine engine(String origin) {
		return engine(origin, SyncEngine.builder());
	}

	SyncEngine engine(String origin, SyncEngine.Builder builder) {
		H2Storage storage = H2Storage.builder().directory(dir.resolve(origin)).open().block(T);
		SyncEngine e = builder.storage(storage).origin(origin).open().block(T);
		cleanup.add(() -> e.closeAsync().block(T));
		return e;
	}

	PeerServer node(SyncEngine engine, PeerConfig config) {
		PeerServer s = PeerServer.bind(engine, config, "127.0.0.1", 0).block(T);
		cleanup.add(() -> s.close(Duration.ofSeconds(5)).block(T));
		return s;
	}

	/** A client that drains only when the test says so: the tests count drains and pending events. */
	SyncClient.Builder client(SyncEngine device, PeerServer node) {
		return SyncClient.builder(device, new PeerAddress("127.0.0.1", node.port())).manualDrain();
	}

	/** A client with the auto-drain's defaults, closed after the test. */
	SyncClient autoClient(SyncEngine device, PeerServer node, java.util.function.UnaryOperator<SyncClient.Builder> settings) {
		SyncClient c = settings.apply(SyncClient.builder(device, new PeerAddress("127.0.0.1", node.port()))).build();
		cleanup.add(c::close);
		return c;
	}

	/** Every signal of a client from now on, until the test ends. */
	List<ClientSignal> record(SyncClient client) {
		List<ClientSignal> out = new CopyOnWriteArrayList<>();
		Disposable d = client.signals().subscribe(out::add);
		cleanup.add(d::dispose);
		return out;
	}

	static List<Event> log(SyncEngine e) {
		return e.read(0, Integer.MAX_VALUE).collectList().block(T);
	}

	/** The events of a log, checking that none is stored twice. */
	static List<Event> logWithoutDuplicates(SyncEngine e) {
		List<Event> all = log(e);
		Set<UUID> ids = new HashSet<>();
		for (Event ev : all) {
			assertTrue(ids.add(ev.id()), "stored twice: " + ev);
		}
		return all;
	}

	static <T> List<T> ofType(List<ClientSignal> signals, Class<T> type) {
		List<T> out = new ArrayList<>();
		for (ClientSignal s : signals) {
			if (type.isInstance(s)) {
				out.add(type.cast(s));
			}
		}
		return out;
	}
}
