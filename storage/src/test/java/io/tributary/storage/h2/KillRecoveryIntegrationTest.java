package io.tributary.storage.h2;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.ProjectionPolicy;
import io.tributary.SyncEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acknowledged writes survive {@code kill -9}: a child JVM writes through the engine and reports each
 * acknowledged event; it is killed (SIGKILL) at a random moment, 20 rounds on the same data directory.
 * After each reopen every acknowledged event is present exactly once, the log is gapless, and the
 * projection equals the fold of the log.
 */
class KillRecoveryIntegrationTest {

	private static final int ROUNDS = Integer.getInteger("tributary.kill.rounds", 20);

	/** Kept when the test fails, so that the write-ahead log and H2 files of the failing round can be examined. */
	@TempDir(cleanup = CleanupMode.ON_SUCCESS)
	Path dir;

	@Test
	void acknowledgedWritesSurviveKillNine() throws Exception {
		long seed = Long.getLong("tributary.seed", System.nanoTime());
		Random random = new Random(seed);
		String context = "seed " + seed + " (rerun with -Dtributary.seed=" + seed + "), data in " + dir;
		Map<UUID, Long> acked = new HashMap<>();
		Set<UUID> chosen = new HashSet<>();
		long totalAcked = 0;
		long recovered = 0;
		for (int round = 1; round <= ROUNDS; round++) {
			int killAfter = 50 + random.nextInt(3000);
			List<String> lines = runAndKill(dir, random.nextLong(), killAfter, context);
			int ackedThisRound = 0;
			for (String line : lines) {
				if (line.startsWith("ACK ")) {
					String[] parts = line.split(" ");
					acked.put(UUID.fromString(parts[1]), Long.parseLong(parts[2]));
					if (parts.length > 3) {
						chosen.add(UUID.fromString(parts[1]));
					}
					ackedThisRound++;
				}
			}
			totalAcked += ackedThisRound;
			assertTrue(ackedThisRound >= killAfter, "round " + round + " acked " + ackedThisRound + ", " + context);
			try {
				recovered += verify(dir, acked, chosen, "round " + round + ", " + context);
			}
			catch (RuntimeException e) {
				throw new AssertionError("reopening after the kill failed: round " + round + ", " + context, e);
			}
		}
		assertTrue(totalAcked >= ROUNDS * 50L, context);
		assertTrue(!chosen.isEmpty(), "no write with an id of its own was acknowledged, " + context);
		// H2 stores on its own schedule: the writes it had not stored when killed came back from the write-ahead log
		assertTrue(recovered > 0, "no round needed the write-ahead log, " + context);
	}

	/** Starts the writer, kills it with SIGKILL once it has acknowledged {@code killAfter} writes. */
	private static List<String> runAndKill(Path dir, long seed, int killAfter, String context) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				KillWriter.class.getName(), dir.toString(), Long.toString(seed));
		pb.redirectError(ProcessBuilder.Redirect.INHERIT);
		Process child = pb.start();
		List<String> lines = new ArrayList<>();
		CountDownLatch enough = new CountDownLatch(1);
		AtomicInteger acks = new AtomicInteger();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					synchronized (lines) {
						lines.add(line);
					}
					if (line.startsWith("ACK ") && acks.incrementAndGet() >= killAfter) {
						enough.countDown();
					}
				}
			}
			catch (IOException e) {
				// the pipe breaks when the child dies; what was read is kept
			}
			enough.countDown();
		}, "kill-writer-stdout");
		reader.start();
		boolean reached = enough.await(60, TimeUnit.SECONDS);
		child.destroyForcibly();
		assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die, " + context);
		reader.join(30_000);
		assertTrue(reached, "child acknowledged only " + acks.get() + " writes in 60 s, " + context);
		synchronized (lines) {
			return new ArrayList<>(lines);
		}
	}

	/** Checks the reopened store; returns how many events the open put back from the write-ahead log. */
	private static int verify(Path dir, Map<UUID, Long> acked, Set<UUID> chosen, String context) {
		H2Storage storage = H2Storage.builder().directory(dir).open().block(Duration.ofSeconds(30));
		SyncEngine engine = SyncEngine.builder()
				.storage(storage)
				.open()
				.block(Duration.ofSeconds(60));
		try {
			List<Event> log = engine.events(0).take(engine.lastPosition()).collectList().block(Duration.ofSeconds(60));
			Set<UUID> ids = new HashSet<>();
			long position = 0;
			long seq = 0;
			for (Event e : log) {
				assertEquals(++position, e.position(), "positions are gapless, " + context);
				assertEquals(++seq, e.originSeq(), "origin sequence is gapless, " + context);
				assertTrue(ids.add(e.id()), "event " + e.id() + " stored twice, " + context);
			}
			for (Map.Entry<UUID, Long> a : acked.entrySet()) {
				assertTrue(ids.contains(a.getKey()), "acknowledged event " + a.getKey() + " (seq " + a.getValue()
						+ ") lost, " + context);
			}
			assertEquals(seq, engine.vector().get("kill-writer"), "vector matches the log, " + context);
			// an acknowledged write with an id of its own is found by that id: a retry would store nothing
			for (UUID id : chosen) {
				Event found = storage.events().eventById(id).block(Duration.ofSeconds(30));
				assertTrue(found != null && found.id().equals(id), "id " + id + " not kept, " + context);
			}

			List<EntityState> expected = ReferenceFold.fold(log, ProjectionPolicy.defaults(), "item");
			List<EntityState> actual = new ArrayList<>();
			for (EntityState s : expected) {
				actual.add(engine.get("item", s.entityId()).block());
			}
			assertEquals(expected, actual, "projection equals the fold of the log, " + context);
			assertEquals(expected.stream().filter(s -> !s.deleted()).count(),
					engine.query("item").count().block(), "live entities, " + context);
			return storage.recoveredAtOpen();
		}
		finally {
			engine.closeAsync().block(Duration.ofSeconds(60));
		}
	}

	@Test
	void dataDirectoryIsCreatedWhenMissing(@TempDir Path parent) throws IOException {
		Path nested = parent.resolve("a/b");
		H2Storage storage = H2Storage.builder().directory(nested).open().block(Duration.ofSeconds(30));
		try {
			assertTrue(Files.exists(nested.resolve("tributary.mv.db")));
		}
		finally {
			storage.close().block(Duration.ofSeconds(30));
		}
	}
}
