package io.tributary.storage.h2;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.Event;
import io.tributary.Hlc;
import io.tributary.Op;
import io.tributary.Redaction;
import io.tributary.StoreFiles;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.Uuid7;
import io.tributary.WriteRequest;
import reactor.core.Disposable;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sensitive fields on H2 files: their raw values reach no file of the store, no log line, no signal and no
 * exception message, whichever way they come in.
 */
class H2RedactionTest {

	private static final Duration T = Duration.ofSeconds(60);
	private static final String SSN = "078-05-1120-RAW";
	private static final String CARD = "4111-1111-1111-RAW";
	private static final String DIAGNOSIS = "diagnosis-raw-value-9c2e";
	private static final String PEER_TOKEN = "peer-token-raw-44ab";
	private static final List<String> SECRETS = List.of(SSN, CARD, DIAGNOSIS, PEER_TOKEN);

	@TempDir
	Path dir;

	@Test
	void rawSensitiveValuesReachNoFileLogSignalOrExceptionMessage() {
		List<String> seen = new CopyOnWriteArrayList<>();
		Handler jul = new Handler() {
			@Override
			public void publish(LogRecord r) {
				seen.add(r.getMessage() + " " + r.getThrown());
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		Logger root = Logger.getLogger("");
		root.addHandler(jul);
		PrintStream out = System.out;
		PrintStream err = System.err;
		ByteArrayOutputStream console = new ByteArrayOutputStream();
		System.setOut(new PrintStream(new Tee(out, console), true, StandardCharsets.UTF_8));
		System.setErr(new PrintStream(new Tee(err, console), true, StandardCharsets.UTF_8));
		Hooks.onErrorDropped(e -> seen.add("dropped " + e));
		Hooks.onNextDropped(v -> seen.add("dropped " + v));
		try {
			run(seen);
		}
		finally {
			root.removeHandler(jul);
			System.setOut(out);
			System.setErr(err);
			Hooks.resetOnErrorDropped();
			Hooks.resetOnNextDropped();
		}
		seen.add(console.toString(StandardCharsets.UTF_8));
		for (String line : seen) {
			for (String secret : SECRETS) {
				assertEquals(-1, line.indexOf(secret), "a raw value in: " + line);
			}
		}
		assertEquals(List.of(), StoreFiles.find(dir, SECRETS), "files: " + StoreFiles.list(dir));
		assertEquals(1, StoreFiles.find(dir, List.of("visible-value-71f0")).size(), "the scan sees what is stored");
	}

	private void run(List<String> seen) {
		Redaction redaction = Redaction.builder().field("ssn").path("card.number").field("patient", "diagnosis")
				.field("token").build();
		SyncEngine engine = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block(T))
				.origin("dev").maxPayloadBytes(4096).redaction(redaction).currentUser("ann")
				.checkpointInterval(Duration.ofHours(1)).open().block(T);
		Disposable signals = engine.signals().subscribe(s -> seen.add(describe(s)));
		try {
			List<Mono<?>> calls = new ArrayList<>();
			calls.add(engine.put("patient", "p1", Map.of("name", "visible-value-71f0", "ssn", SSN,
					"card", Map.of("number", CARD), "diagnosis", DIAGNOSIS)));
			calls.add(engine.patch("patient", "p1", "{\"history\":[{\"diagnosis\":\"" + DIAGNOSIS + "\",\"ssn\":\"" + SSN + "\"}]}"));
			calls.add(engine.writeAll(List.of(WriteRequest.put("patient", "p2", "{\"ssn\":\"" + SSN + "\"}"),
					WriteRequest.put("card", "c1", "{\"card\":{\"number\":\"" + CARD + "\"}}"))).then());
			calls.add(engine.apply(List.of(new Event(Uuid7.create(1_700_000_000_000L), "peer", 1,
					Hlc.pack(1_700_000_000_000L, 0), "session", "s1", Op.PUT,
					("{\"token\":\"" + PEER_TOKEN + "\"}").getBytes(StandardCharsets.UTF_8), null, "ann", 1, 0))));
			// refused writes: their messages must not quote the payload either
			calls.add(engine.put("patient", "bad", "{\"ssn\": " + SSN + "}"));
			calls.add(engine.put("patient", "big", "{\"ssn\":\"" + SSN + "\",\"pad\":\"" + "x".repeat(5000) + "\"}"));
			calls.add(engine.write(WriteRequest.put("patient", "other", "{\"diagnosis\":\"" + DIAGNOSIS + "\"}")
					.withUserId("mallory")));
			calls.add(engine.put("patient", "array", "[\"" + DIAGNOSIS + "\"]"));
			for (Mono<?> call : calls) {
				call.onErrorResume(e -> {
					for (Throwable t = e; t != null; t = t.getCause()) {
						seen.add(t.toString());
					}
					return Mono.empty();
				}).block(T);
			}
			seen.add(engine.get("patient", "p1").block(T).toString());
			seen.add(engine.read(0, 100).collectList().block(T).toString());
			engine.checkpoint().block(T);
			assertEquals(5, engine.lastPosition(), "five accepted events, four refused");
		}
		finally {
			engine.closeAsync().block(T);
			signals.dispose();
		}
	}

	private static String describe(SyncSignal s) {
		StringBuilder b = new StringBuilder(s.toString());
		if (s instanceof SyncSignal.Committed) {
			for (Event e : ((SyncSignal.Committed) s).events()) {
				b.append(' ').append(e.payloadJson());
			}
		}
		return b.toString();
	}

	/** Writes to the original stream and keeps a copy. */
	private static final class Tee extends OutputStream {
		private final OutputStream a;
		private final OutputStream b;

		Tee(OutputStream a, OutputStream b) {
			this.a = a;
			this.b = b;
		}

		@Override
		public void write(int x) {
			synchronized (b) {
				((ByteArrayOutputStream) b).write(x);
			}
			try {
				a.write(x);
			}
			catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		}
	}
}
