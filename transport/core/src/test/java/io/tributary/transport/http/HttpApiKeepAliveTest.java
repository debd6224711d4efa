package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import reactor.netty.DisposableServer;

/**
 * One kept-alive connection carrying many requests, some sent before the previous answer (pipelined): every
 * request is answered, in order. A connection that stops reading after a queued request was answered would
 * leave the next request unanswered (a client sees a hang until its timeout).
 */
class HttpApiKeepAliveTest {

	private final ApiFixture fixture = new ApiFixture();
	private DisposableServer server;

	@BeforeEach
	void start() {
		server = fixture.serve(HttpApi.builder(fixture.engine("node-a")).build());
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	@Test
	void pipelinedAndSequentialRequestsOnOneConnectionAreAllAnswered() throws IOException {
		List<String> paths = List.of("/api/changes", "/no/such/route", "/health", "/api/stats", "/api/help",
				"/api/changes/x:1", "/api/entities/t");
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (int round = 0; round < 200; round++) {
				// a burst of pipelined requests, then one request after the burst was answered
				int burst = 1 + round % paths.size();
				StringBuilder requests = new StringBuilder();
				List<String> sent = new ArrayList<>();
				for (int i = 0; i < burst; i++) {
					String path = paths.get((round + i) % paths.size());
					sent.add(path);
					requests.append("GET ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n\r\n");
				}
				out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
				out.flush();
				for (String path : sent) {
					int status = readResponse(in);
					assertEquals(expectedStatus(path), status, "round " + round + ", " + path);
				}
			}
			out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			assertEquals(200, readResponse(in), "the connection still reads after every burst");
		}
	}

	private static int expectedStatus(String path) {
		switch (path) {
			case "/no/such/route":
			case "/api/changes/x:1":
				return 404;
			default:
				return 200;
		}
	}

	/** Reads one response with a Content-Length body (the API's answers all have one) and returns its status. */
	private static int readResponse(InputStream in) throws IOException {
		String head = readHead(in);
		int status = Integer.parseInt(head.substring(9, 12));
		int length = 0;
		for (String line : head.split("\r\n")) {
			if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
				length = Integer.parseInt(line.substring(15).trim());
			}
		}
		byte[] body = in.readNBytes(length);
		assertEquals(length, body.length, "the whole body arrives");
		return status;
	}

	private static String readHead(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("connection closed after " + head.length() + " bytes of a response head");
			}
			head.append((char) b);
		}
		return head.toString();
	}
}
