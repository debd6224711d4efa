package io.tributary;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tributary.memory.InMemoryStorage;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
	@Test
	void writesAreCommittedAndProjected() {
		SyncEngine engine = SyncEngine.builder().storage(new InMemoryStorage()).origin("a").open().block();
		Flux.range(0, 1000).flatMap(i -> engine.put("todo", "t" + (i % 10), "{\"n\":" + i + "}"), 64).blockLast();
		assertEquals(1000, engine.vector().get("a"));
		assertEquals(10, engine.query("todo").count().block());
		engine.events(0).take(1000).as(StepVerifier::create).expectNextCount(1000).verifyComplete();
		engine.patch("todo", "t1", "{\"x\":1}").block();
		System.out.println(engine.get("todo", "t1").block());
		engine.close().block(Duration.ofSeconds(5));
	}
}
