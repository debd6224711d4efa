package io.tributary.transport.http;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.tributary.EngineClosedException;
import io.tributary.SyncEngine;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.Storage;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/** Engines and servers a test opens, closed again by {@link #close()} (from {@code @AfterEach}). */
final class ApiFixture implements AutoCloseable {

	private final List<DisposableServer> servers = new ArrayList<>();
	private final List<SyncEngine> engines = new ArrayList<>();

	SyncEngine engine(String origin) {
		return engine(origin, new InMemoryStorage(), b -> b);
	}

	SyncEngine engine(String origin, Storage storage, UnaryOperator<SyncEngine.Builder> settings) {
		SyncEngine engine = settings.apply(SyncEngine.builder().storage(storage).origin(origin)).open()
				.block(TestClient.TIMEOUT);
		engines.add(engine);
		return engine;
	}

	DisposableServer serve(HttpApi api) {
		DisposableServer server = api.bind("127.0.0.1", 0).block(TestClient.TIMEOUT);
		servers.add(server);
		return server;
	}

	@Override
	public void close() {
		servers.forEach(DisposableServer::disposeNow);
		for (SyncEngine e : engines) {
			e.closeAsync().onErrorResume(EngineClosedException.class, x -> Mono.empty()).block(TestClient.TIMEOUT);
		}
	}
}
