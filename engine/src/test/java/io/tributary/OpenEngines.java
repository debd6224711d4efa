package io.tributary;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;

/**
 * The engines a test opened, closed after it.
 */
final class OpenEngines {

	private final List<SyncEngine> open = new ArrayList<>();

	/**
	 * Opens an engine and keeps it for {@link #closeAll()}.
	 *
	 * @param builder the configured builder
	 * @return the engine
	 */
	SyncEngine open(SyncEngine.Builder builder) {
		SyncEngine e = await(builder.open());
		open.add(e);
		return e;
	}

	/**
	 * Closes an engine now (a restart in the test).
	 *
	 * @param engine the engine
	 */
	void close(SyncEngine engine) {
		await(engine.closeAsync());
		open.remove(engine);
	}

	/** Closes every engine still open. */
	void closeAll() {
		for (SyncEngine e : open) {
			e.closeAsync().onErrorResume(EngineClosedException.class, x -> Mono.empty()).block(TIMEOUT);
		}
		open.clear();
	}
}
