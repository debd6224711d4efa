package io.tributary.examples.spring;

import java.time.Duration;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import io.tributary.SyncEngine;
import io.tributary.storage.h2.H2Storage;
import io.tributary.transport.http.ApiRoutes;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.PeerAddress;
import io.tributary.transport.peer.PeerConfig;
import io.tributary.transport.peer.PeerConnector;

/**
 * Tributary inside the service: the engine on H2 files, its HTTP API as routes under {@code /sync} (served by
 * {@link TributaryRoutes}) and, when a node is configured, a peer link to it that reconnects by itself. Opened when
 * the application starts, closed when it stops.
 */
@Component
final class Tributary implements DisposableBean {

	/** Where the API is mounted on the service's port. */
	static final String PREFIX = "/sync";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final SyncEngine engine;
	private final ApiRoutes api;
	private final PeerConnector link;

	Tributary(TodoProperties settings) {
		// opened on the thread that starts the application, before the server takes requests
		this.engine = SyncEngine.builder()
				.storage(H2Storage.builder().directory(settings.dataDir()).open().block(TIMEOUT))
				.origin(settings.origin())
				.open()
				.block(TIMEOUT);
		// no token of the API's own: the service's security (ApiKeyFilter) is in front of it and names the user
		this.api = HttpApi.builder(engine).build().routes(PREFIX);
		String peer = settings.node().peer();
		String token = settings.node().token();
		this.link = peer.isEmpty() ? null
				: new PeerConnector(engine, PeerConfig.defaults().withToken(token.isEmpty() ? null : token),
						PeerAddress.parse(peer), Backoff.defaults());
		if (link != null) {
			link.start();
		}
	}

	SyncEngine engine() {
		return engine;
	}

	ApiRoutes api() {
		return api;
	}

	/** Stops the link and the API's background work, then closes the engine (on Spring's shutdown thread). */
	@Override
	public void destroy() {
		if (link != null) {
			link.stop();
		}
		api.dispose();
		engine.close();
	}
}
