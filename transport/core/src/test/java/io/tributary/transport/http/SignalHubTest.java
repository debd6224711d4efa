package io.tributary.transport.http;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The signals' hub of {@code GET /api/signals}: readers that come and go, even while a signal is handed to them,
 * never end the others', and a late reader gets the kept signals again, numbered as before and without payloads.
 */
class SignalHubTest {

	private static final Duration T = Duration.ofSeconds(10);

	private final ApiFixture fixture = new ApiFixture();
	private SignalHub hub;

	@AfterEach
	void stop() {
		if (hub != null) {
			hub.dispose();
		}
		fixture.close();
	}

	private static boolean committed(SignalHub.Numbered n) {
		return n.signal() instanceof SyncSignal.Committed;
	}

	@Test
	void aReaderLeavingWhileASignalIsHandedToItLeavesTheOthersReading() {
		SyncEngine engine = fixture.engine("node-a");
		hub = new SignalHub(engine);
		// this reader leaves inside its first onNext, while the hub is handing that signal to every reader
		Disposable leaving = hub.after(0).filter(SignalHubTest::committed).take(1).subscribe();
		hub.after(0)
				.filter(SignalHubTest::committed)
				.take(2)
				.as(StepVerifier::create)
				.then(() -> engine.put("note", "n1", "{\"i\":1}").block(T))
				.expectNextCount(1)
				.then(() -> engine.put("note", "n2", "{\"i\":2}").block(T))
				.expectNextCount(1)
				.expectComplete()
				.verify(T);
		assertEquals(true, leaving.isDisposed());

		List<SignalHub.Numbered> replayed = hub.after(0).filter(SignalHubTest::committed).take(2).collectList().block(T);
		SyncSignal.Committed first = (SyncSignal.Committed) replayed.get(0).signal();
		assertEquals("n1", first.events().get(0).entityId());
		assertNull(first.events().get(0).payload(), "the ring keeps no payloads");
		assertEquals(replayed.get(0).id() + 1, replayed.get(1).id(), "numbered in order");
		assertEquals(replayed.get(1).id(), hub.last());
	}
}
