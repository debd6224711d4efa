package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import picocli.CommandLine;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** Runs commands in-process with captured output, and talks to nodes the way a user's curl would. */
final class CliTesting {

	static final Duration T = Duration.ofSeconds(60);

	private CliTesting() {
	}

	/** What a command printed and returned. */
	record Run(int exit, String out, String err) {
		@Override
		public String toString() {
			return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
		}
	}

	static Run run(Map<String, String> env, String... args) {
		return run(env, new RecordingLifecycle(), args);
	}

	static Run run(Map<String, String> env, Lifecycle lifecycle, String... args) {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		int exit = command(env, lifecycle, out, err).execute(args);
		return new Run(exit, out.toString(), err.toString());
	}

	static CommandLine command(Map<String, String> env, Lifecycle lifecycle, Writer out, Writer err) {
		CommandLine cl = NodeCli.commandLine(env, lifecycle);
		cl.setOut(new PrintWriter(out, true));
		cl.setErr(new PrintWriter(err, true));
		return cl;
	}

	/** A {@link Lifecycle} that keeps the hook for the test to run and records the halt instead of halting. */
	static final class RecordingLifecycle implements Lifecycle {
		final CompletableFuture<Runnable> hook = new CompletableFuture<>();
		final CompletableFuture<Integer> halted = new CompletableFuture<>();
		final CompletableFuture<Void> stopRequested = new CompletableFuture<>();

		@Override
		public void onShutdown(Runnable h) {
			hook.complete(h);
		}

		/** Runs the hook on the calling thread, as the JVM does after System.exit. */
		@Override
		public void stop() {
			stopRequested.complete(null);
			hook.getNow(() -> { }).run();
		}

		@Override
		public void halt(int status) {
			halted.complete(status);
		}
	}

	/** A writer that completes a future with the first line containing a text. */
	static final class LineWatcher extends Writer {
		@SuppressWarnings("JdkObsolete") // written by the command's thread, read by the test's: synchronized on purpose
		private final StringBuffer text = new StringBuffer();
		private final String marker;
		final CompletableFuture<String> line = new CompletableFuture<>();

		LineWatcher(String marker) {
			this.marker = marker;
		}

		@Override
		public void write(char[] buf, int off, int len) {
			text.append(buf, off, len);
			int at = text.indexOf(marker);
			if (at >= 0) {
				int start = text.lastIndexOf("\n", at) + 1;
				int end = text.indexOf("\n", at);
				if (end > 0) {
					line.complete(text.substring(start, end));
				}
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

		@Override
		public String toString() {
			return text.toString();
		}
	}

	// --- HTTP, as a user's client would use it

	static HttpClient http(int port, String token) {
		HttpClient c = HttpClient.newConnection().baseUrl("http://127.0.0.1:" + port);
		return token == null ? c : c.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token));
	}

	static JsonNode getJson(int port, String token, String path) {
		return fetchJson(port, token, path).block(T);
	}

	/** A cold GET of a 200 JSON answer. */
	static Mono<JsonNode> fetchJson(int port, String token, String path) {
		return http(port, token).get().uri(path).responseSingle((res, content) -> {
			if (res.status().code() != 200) {
				return Mono.error(new AssertionError("GET " + path + " answered " + res.status()));
			}
			return content.asString(StandardCharsets.UTF_8);
		}).map(CliTesting::json);
	}

	/** Polls a GET every 20 ms until its answer matches, for up to {@link #T}. */
	static JsonNode awaitJson(int port, String token, String path, Predicate<JsonNode> done) {
		return fetchJson(port, token, path)
				.repeatWhen(r -> r.delayElements(Duration.ofMillis(20)))
				.takeUntil(done)
				.last()
				.filter(done)
				.switchIfEmpty(Mono.error(() -> new AssertionError("GET " + path + " never matched")))
				.block(T);
	}

	/** Posts {@code n} creates of {@code todo} entities named {@code prefix0..}; answers the stored count. */
	static int postChanges(int port, String token, String prefix, int n) {
		StringBuilder sb = new StringBuilder("[");
		for (int i = 0; i < n; i++) {
			sb.append(i == 0 ? "" : ",").append("{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"")
					.append(prefix).append(i).append("\",\"data\":{\"title\":\"item ").append(i).append("\"}}");
		}
		String body = sb.append(']').toString();
		String answer = http(port, token).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post()
				.uri("/api/changes")
				.send(ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle((res, content) -> {
					if (res.status().code() != 201) {
						return Mono.error(new AssertionError("POST /api/changes answered " + res.status()));
					}
					return content.asString(StandardCharsets.UTF_8);
				})
				.block(T);
		return json(answer).get("count").asInt();
	}

	static JsonNode json(String text) {
		try {
			return NodeClient.JSON.readTree(text);
		}
		catch (java.io.IOException e) {
			throw new AssertionError("not JSON: " + text, e);
		}
	}
}
