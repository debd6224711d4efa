package io.tributary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;

/**
 * The engines a test opened, closed after it; and a wait for something a background thread does.
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
		await(engine.close());
		open.remove(engine);
	}

	/** Closes every engine still open. */
	void closeAll() {
		for (SyncEngine e : open) {
			e.close().onErrorResume(EngineClosedException.class, x -> Mono.empty()).block(TIMEOUT);
		}
		open.clear();
	}

	/**
	 * Polls until a condition holds, at most the test timeout.
	 *
	 * @param condition the condition
	 */
	static void awaitTrue(BooleanSupplier condition) {
		Flux.interval(Duration.ofMillis(5)).takeUntil(i -> condition.getAsBoolean()).take(TIMEOUT).blockLast();
	}
}
