package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Limits;
import io.tributary.Op;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.DeadLetter;
import io.tributary.transport.client.ClientSignal;
import io.tributary.transport.client.DrainReport;
import io.tributary.transport.client.SyncClient;
import reactor.core.Disposable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Defence in depth: an event a receiver cannot take never stops a link. Events are planted in a store beneath the
 * engine (a damaged payload, a payload over a limit), and everything after them still arrives at a peer and at an
 * upstream; the sender keeps each refused event as a dead letter with the reason and signals it.
 */
class DeadLetterLinkTest extends PeerTestBase {

	private static final String DAMAGED = "{\"title\":\"cut off";
	private static final String OVER_LIMIT = "{\"n\":" + "9".repeat(Limits.MAX_NUMBER_LENGTH * 5) + "}";

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	/** A replica whose log holds, beneath its engine, a damaged event at 3 and one over a limit at 5. */
	private SyncEngine plantedReplica() {
		InMemoryStorage storage = new InMemoryStorage();
		List<Event> log = new ArrayList<>();
		for (int seq = 1; seq <= 7; seq++) {
			String payload = seq == 3 ? DAMAGED : seq == 5 ? OVER_LIMIT : "{\"seq\":" + seq + "}";
			log.add(new Event(UUID.randomUUID(), "a", seq, Hlc.pack(1_000 + seq, 0), "todo", "t" + seq, Op.PUT,
					payload.getBytes(StandardCharsets.UTF_8), null, null, 1, 0));
		}
		storage.events().append(log).block(T);
		SyncEngine a = SyncEngine.builder().storage(storage).origin("a").meterRegistry(meters).open().block(T);
		cleanup.add(() -> a.closeAsync().block(T));
		return a;
	}

	private static void assertArrivedAroundTheRefused(SyncEngine a, SyncEngine receiver) {
		assertEquals(a.vector().get("a"), receiver.vector().get("a"), "the receiver's vector moved past both");
		for (long seq = 1; seq <= a.vector().get("a"); seq++) {
			Event got = receiver.event("a", seq).block(T);
			if (seq == 3 || seq == 5) {
				assertTrue(got.isBlank(), "refused event stands as a blank: " + got);
			}
			else {
				assertEquals(a.event("a", seq).block(T).payloadJson(), got.payloadJson(), "event " + seq);
			}
		}
	}

	private static void assertDeadLetters(SyncEngine a) {
		List<DeadLetter> letters = io.tributary.spi.EngineAdmin.of(a).deadLetters().list(10).collectList().block(T);
		assertEquals(2, letters.size(), letters.toString());
		DeadLetter damaged = letters.stream().filter(d -> d.event().originSeq() == 3).findFirst().orElseThrow();
		assertEquals("INVALID_EVENT", damaged.code());
		assertTrue(damaged.reason().contains("not well-formed JSON"), damaged.reason());
		assertEquals(DAMAGED, damaged.event().payloadJson(), "the dead letter keeps the event as stored");
		DeadLetter over = letters.stream().filter(d -> d.event().originSeq() == 5).findFirst().orElseThrow();
		assertEquals("INVALID_EVENT", over.code());
		assertTrue(over.reason().contains("limit of " + Limits.MAX_NUMBER_LENGTH), over.reason());
	}

	@Test
	void undecodableEventsBeneathTheEngineNeitherStopAPeerLinkNorGoUnseen() {
		SyncEngine a = plantedReplica();
		List<SyncSignal.DeadLettered> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable tap = a.signals().ofType(SyncSignal.DeadLettered.class).subscribe(signals::add);
		cleanup.add(tap::dispose);
		SyncEngine b = engine("b");
		PeerServer server = server(b, PeerConfig.defaults());

		a.put("todo", "after", "{\"written\":\"after the damage\"}").block(T);
		assertTrue(new PeerConnector(a, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults()).syncOnce(T).block(T).ok());

		assertArrivedAroundTheRefused(a, b);
		assertEquals("{\"written\":\"after the damage\"}", b.get("todo", "after").block(T).json());
		assertDeadLetters(a);
		assertEquals(2, signals.size(), "one signal per dead letter: " + signals);
		assertEquals(2.0, meters.get("tributary.dead.letters").counter().count());

		// live: the next events follow at once, and a second session refuses nothing again
		PeerConnector live = new PeerConnector(a, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults());
		live.start();
		cleanup.add(live::stop);
		write(a, 20, "live");
		converge(T, a, b);
		assertEquals(2, io.tributary.spi.EngineAdmin.of(a).deadLetters().count().block(T));
	}

	@Test
	void undecodableEventsBeneathTheEngineDoNotStopAnOutsync() {
		SyncEngine a = plantedReplica();
		SyncEngine upstream = engine("hub");
		PeerServer server = server(upstream, PeerConfig.defaults());
		SyncClient client = SyncClient.builder(a, new PeerAddress("127.0.0.1", server.port())).manualDrain().build();
		List<ClientSignal> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable tap = client.signals().subscribe(signals::add);
		cleanup.add(tap::dispose);

		DrainReport report = client.outsync().block(T);
		assertEquals(2, report.rejected(), report.toString());
		assertEquals(0, report.pending(), report.toString());
		assertArrivedAroundTheRefused(a, upstream);
		assertDeadLetters(a);
		assertEquals(2, signals.stream().filter(ClientSignal.PoisonPill.class::isInstance).count(), signals.toString());
	}

	@Test
	void aPeerWithTighterLimitsRefusesAnEventAloneAndTheLinkGoesOn() {
		SyncEngine a = engine("a");
		SyncEngine tight = SyncEngine.builder().storage(new InMemoryStorage()).origin("tight").maxPayloadBytes(64)
				.open().block(T);
		cleanup.add(() -> tight.closeAsync().block(T));
		PeerServer server = server(tight, PeerConfig.defaults());
		a.put("todo", "small", "{\"n\":1}").block(T);
		a.put("todo", "large", "{\"text\":\"" + "x".repeat(100) + "\"}").block(T);
		a.put("todo", "after", "{\"n\":3}").block(T);

		assertTrue(new PeerConnector(a, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults()).syncOnce(T).block(T).ok());
		assertEquals(a.vector(), tight.vector());
		assertTrue(tight.event("a", 2).block(T).isBlank());
		assertEquals("{\"n\":3}", tight.get("todo", "after").block(T).json());
		DeadLetter letter = io.tributary.spi.EngineAdmin.of(a).deadLetters().get("a", 2).block(T);
		assertTrue(letter.reason().contains("64"), letter.reason());
		assertFalse(tight.get("todo", "large").blockOptional(T).isPresent());
	}
}
