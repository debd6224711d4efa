package io.tributary;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.memory.InMemoryStorage;
import reactor.test.StepVerifier;

import static io.tributary.TestEvents.TIMEOUT;
import static io.tributary.TestEvents.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EventsServedMetricTest {

	private final List<SyncEngine> open = new ArrayList<>();

	@AfterEach
	void close() {
		open.forEach(e -> e.closeAsync().block(TIMEOUT));
	}

	@Test
	void storedEventsCountAsServedFromStoreAndLaterOnesAsLive() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = open(registry);
		for (int i = 0; i < 3; i++) {
			await(engine.put("doc", "k" + i, "{}"));
		}

		engine.events(0).take(5).as(StepVerifier::create)
				.expectNextCount(3)
				.then(() -> await(engine.put("doc", "k3", "{}")))
				.then(() -> await(engine.put("doc", "k4", "{}")))
				.expectNextCount(2)
				.expectComplete()
				.verify(TIMEOUT);

		assertEquals(3.0, served(registry, "store"), "the three events written before subscribing");
		assertEquals(2.0, served(registry, "live"), "the two events written afterwards");
	}

	@Test
	void eventsReadForAReplicaCountAsServedFromStore() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		SyncEngine engine = open(registry);
		for (int i = 0; i < 4; i++) {
			await(engine.put("doc", "k" + i, "{}"));
		}

		engine.lacking(VersionVector.empty(), 10).as(StepVerifier::create).expectNextCount(4).verifyComplete();

		assertEquals(4.0, served(registry, "store"));
		assertEquals(0.0, served(registry, "live"));
	}

	private SyncEngine open(SimpleMeterRegistry registry) {
		SyncEngine engine = await(SyncEngine.builder().storage(new InMemoryStorage()).meterRegistry(registry).open());
		open.add(engine);
		return engine;
	}

	private static double served(SimpleMeterRegistry registry, String source) {
		return registry.get("tributary.events.served").tag("source", source).counter().count();
	}
}
