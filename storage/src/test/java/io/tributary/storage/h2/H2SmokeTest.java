package io.tributary.storage.h2;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import reactor.core.publisher.Flux;

import static org.junit.jupiter.api.Assertions.assertEquals;

class H2SmokeTest {
	@Test
	void smoke() throws Exception {
		Path dir = Files.createTempDirectory("h2smoke");
		SyncEngine engine = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block()).origin("a").open().block();
		String payload = "{\"name\":\"" + "x".repeat(150) + "\",\"n\":1}";
		int n = 300_000;
		for (int round = 0; round < 2; round++) {
		long t0 = System.nanoTime();
		int base = round * n;
		Flux.range(0, n).flatMap(i -> engine.put("todo", "t" + ((base + i) % 10000), payload), 4096).blockLast();
		System.out.printf("%d events/s%n", (long) (n / ((System.nanoTime() - t0) / 1e9)));
		}
		engine.close().block(Duration.ofSeconds(30));
		SyncEngine again = SyncEngine.builder().storage(H2Storage.builder().directory(dir).open().block()).open().block();
		assertEquals(2L * n, again.vector().get("a"));
		assertEquals(10000, again.query("todo").count().block());
		assertEquals(2L * n, again.lastPosition());
		again.close().block();
	}
}
