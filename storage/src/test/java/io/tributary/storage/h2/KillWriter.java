package io.tributary.storage.h2;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import io.tributary.SyncEngine;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The child process of {@link KillRecoveryIntegrationTest}: writes through the engine on an H2 file store
 * as fast as it can, and prints {@code ACK <id> <originSeq>} for every write whose {@code Mono} completed,
 * followed by {@code chosen} for the writes (one in ten) that carried an id of their own, until it is killed. Prints {@code READY <vectorEntry>} once open.
 */
public final class KillWriter {

	private KillWriter() {
	}

	/**
	 * Runs the writer.
	 *
	 * @param args data directory, random seed
	 */
	public static void main(String[] args) {
		Path dir = Path.of(args[0]);
		Random random = new Random(Long.parseLong(args[1]));
		PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
		SyncEngine engine = SyncEngine.builder()
				// small write-ahead segments, so that kills land before, during and after their release too
				.storage(H2Storage.builder().directory(dir).writeAheadSegmentBytes(32 * 1024).open().block())
				.origin("kill-writer")
				// frequent checkpoints, so that kills land before, during and after them
				.checkpointInterval(java.time.Duration.ofMillis(200))
				.open()
				.block();
		synchronized (out) {
			out.println("READY " + engine.vector().get(engine.origin()));
			out.flush();
		}
		int writers = 32;
		Flux.range(0, writers)
				.flatMap(w -> Flux.range(0, Integer.MAX_VALUE)
						.concatMap(i -> write(engine, random, w, i)), writers)
				.doOnNext(e -> {
					synchronized (out) {
						// version 4 ids are the writer's choice: the engine makes version 7 ones
						out.println("ACK " + e.id() + " " + e.originSeq() + (e.id().version() == 4 ? " chosen" : ""));
						out.flush();
					}
				})
				.blockLast();
	}

	private static Mono<io.tributary.Event> write(SyncEngine engine, Random shared, int writer, int i) {
		int pick;
		synchronized (shared) {
			pick = shared.nextInt(100);
		}
		String id = "e" + ((writer * 7919 + i) % 200);
		WriteRequest request;
		if (pick < 70) {
			request = WriteRequest.put("item", id, "{\"writer\":" + writer + ",\"i\":" + i + ",\"text\":\"v" + pick + "\"}");
		}
		else if (pick < 92) {
			request = WriteRequest.patch("item", id, "{\"patched\":" + i + "}");
		}
		else {
			request = WriteRequest.delete("item", id);
		}
		return engine.write(i % 10 == 0 ? request.withId(java.util.UUID.randomUUID()) : request);
	}
}
