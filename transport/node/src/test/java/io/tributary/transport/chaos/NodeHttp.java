package io.tributary.transport.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongPredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node's HTTP API as the fault tests use it, the way an operator would check a node: changes written
 * with {@code POST /api/changes} (acknowledged by their change ids), the change log read back page by
 * page, and {@code GET /api/convergence}.
 */
final class NodeHttp {

	static final ObjectMapper JSON = new ObjectMapper();
	static final Duration T = Duration.ofSeconds(30);
	private static final String[] OPERATIONS = { "create", "update", "patch", "delete" };

	private final HttpClient client;
	private final String name;

	NodeHttp(String name, int port, String token) {
		this.name = name;
		this.client = HttpClient.create().baseUrl("http://127.0.0.1:" + port)
				.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token));
	}

	String name() {
		return name;
	}

	/** A batch of 1 to {@code max} random changes over a few entities, as a JSON array. */
	static String randomChanges(Random random, int max) {
		StringBuilder sb = new StringBuilder("[");
		int n = 1 + random.nextInt(max);
		for (int i = 0; i < n; i++) {
			String op = OPERATIONS[random.nextInt(OPERATIONS.length)];
			sb.append(i == 0 ? "" : ",").append("{\"entityType\":\"").append(random.nextBoolean() ? "todo" : "note")
					.append("\",\"operation\":\"").append(op).append("\",\"entityId\":\"e").append(random.nextInt(20))
					.append('"');
			if (!op.equals("delete")) {
				sb.append(",\"data\":{\"n\":").append(random.nextInt(1000)).append(",\"f").append(random.nextInt(3))
						.append("\":\"").append(Long.toHexString(random.nextLong())).append("\"}");
			}
			sb.append('}');
		}
		return sb.append(']').toString();
	}

	/** Writes changes; emits their change ids once the node answered 201 (they are durable), else errors. */
	Mono<List<String>> write(String changes) {
		return client.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json")).post().uri("/api/changes")
				.send(ByteBufFlux.fromString(Mono.just(changes)))
				.responseSingle((res, body) -> body.asString(StandardCharsets.UTF_8).defaultIfEmpty("").map(text -> {
					if (res.status().code() != 201) {
						throw new IllegalStateException(name + " answered " + res.status() + ": " + text);
					}
					List<String> cids = new ArrayList<>();
					parse(text).get("changes").forEach(c -> cids.add(c.get("cid").asText()));
					return cids;
				}));
	}

	/** {@code GET /api/convergence}: vector, hash and entity count. */
	Mono<JsonNode> convergence() {
		return get("/api/convergence");
	}

	/** Every change id of the node's log, in log order, read page by page. */
	Mono<List<String>> changeIds() {
		List<String> out = new ArrayList<>();
		return get("/api/changes?cursor=0&limit=1000")
				.expand(page -> page.has("cursor") ? get("/api/changes?limit=1000&cursor=" + page.get("cursor").asLong())
						: Mono.empty())
				.doOnNext(page -> page.get("changes").forEach(c -> out.add(c.get("cid").asText())))
				.then(Mono.fromSupplier(() -> out));
	}

	/**
	 * {@code GET /api/stream?cursor=0}: the change ids the node streams as server-sent events, the log first, then
	 * live ones as they commit. Cancel to close the stream.
	 */
	Flux<String> streamedChangeIds() {
		StringBuilder pending = new StringBuilder();
		return client.get().uri("/api/stream?cursor=0").responseContent().asString(StandardCharsets.UTF_8)
				.concatMapIterable(chunk -> {
					// a frame's lines may be split across chunks: keep the unfinished line for the next one
					pending.append(chunk);
					List<String> cids = new ArrayList<>();
					int end;
					while ((end = pending.indexOf("\n")) >= 0) {
						String line = pending.substring(0, end);
						pending.delete(0, end + 1);
						if (line.startsWith("data:")) {
							cids.add(parse(line.substring(5).strip()).get("cid").asText());
						}
					}
					return cids;
				});
	}

	private Mono<JsonNode> get(String uri) {
		return client.get().uri(uri).responseSingle((res, body) -> body.asString(StandardCharsets.UTF_8)
				.defaultIfEmpty("").map(text -> {
					if (res.status().code() != 200) {
						throw new IllegalStateException(name + " answered " + res.status() + " to " + uri + ": " + text);
					}
					return parse(text);
				}));
	}

	private static JsonNode parse(String text) {
		try {
			return JSON.readTree(text);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Polls until every node reports the same vector and convergence hash, and the vectors count events as
	 * {@code total} accepts. The nodes may be other processes, reachable only over HTTP, and no endpoint
	 * streams the convergence hash (the stream carries changes): what the nodes answer is compared again
	 * every 100 ms.
	 *
	 * @return the common hash
	 */
	static String awaitConvergence(List<NodeHttp> nodes, LongPredicate total, Duration timeout) {
		return Flux.fromIterable(nodes).concatMap(NodeHttp::convergence).collectList()
				.repeatWhen(r -> r.delayElements(Duration.ofMillis(100)))
				.filter(all -> {
					JsonNode first = all.get(0);
					long events = 0;
					for (var it = first.get("vector").elements(); it.hasNext();) {
						events += it.next().asLong();
					}
					return total.test(events) && all.stream().allMatch(c -> c.get("vector").equals(first.get("vector"))
							&& c.get("hash").equals(first.get("hash")));
				})
				.next()
				.map(all -> all.get(0).get("hash").asText())
				.block(timeout);
	}

	/**
	 * Every node's log holds each acknowledged change exactly once, and all logs hold the same changes;
	 * with {@code onlyAcknowledged}, nothing else (a write cut off by a crash may be stored unacknowledged).
	 */
	static void assertLogsHoldEachOnce(List<NodeHttp> nodes, Set<String> acknowledged, boolean onlyAcknowledged,
			String context) {
		Set<String> first = null;
		for (NodeHttp n : nodes) {
			List<String> log = n.changeIds().block(T);
			Set<String> seen = new HashSet<>();
			for (String cid : log) {
				assertTrue(seen.add(cid), n.name + " applied " + cid + " twice, " + context);
			}
			Set<String> lost = new HashSet<>(acknowledged);
			lost.removeAll(seen);
			assertTrue(lost.isEmpty(), n.name + " lacks acknowledged changes " + lost + ", " + context);
			if (onlyAcknowledged) {
				assertEquals(acknowledged.size(), log.size(), n.name + " holds only acknowledged changes, " + context);
			}
			if (first == null) {
				first = seen;
			}
			assertEquals(first, seen, n.name + " holds the same changes as " + nodes.get(0).name + ", " + context);
		}
	}
}
