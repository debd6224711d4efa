package io.tributary.transport.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.storage.postgres.EmbeddedPostgresFixture;
import io.tributary.transport.cli.CliTesting.Run;
import io.tributary.transport.node.SyncNode;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code node --postgres} against a real PostgreSQL, and against none: an unreachable database fails the start with
 * exit code 1 and a sentence naming it, without the password; a node keeps its id across restarts in its data
 * directory, which a second process cannot take.
 */
class CliPostgresNodeIntegrationTest {

	@TempDir
	Path dir;

	@Test
	void anUnreachableDatabaseFailsTheStartWithExitOneNamingItButNotThePassword() throws IOException {
		int port;
		try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = free.getLocalPort();
		}
		Run r = run(Map.of("PGPASSWORD", "pg-s3cr3t"), "node", "--data", dir.resolve("a").toString(), "--http-port",
				"0", "--peer-port", "0", "--postgres", "postgresql://app@127.0.0.1:" + port + "/tributary");
		assertEquals(1, r.exit(), r.toString());
		assertTrue(r.err().startsWith("tributary-node node: cannot start: "), r.err());
		assertTrue(r.err().contains("postgresql://app@127.0.0.1:" + port + "/tributary"), r.err());
		assertTrue(r.err().contains("unavailable"), r.err());
		assertFalse(r.toString().contains("pg-s3cr3t"), r.toString());
		assertEquals("", r.out());
	}

	@Test
	void aNodeOnPostgresKeepsItsIdInItsDataDirectoryWhichIsItsOwn() {
		String db = EmbeddedPostgresFixture.freshDatabase();
		String uri = "postgresql://" + EmbeddedPostgresFixture.USER + "@localhost:"
				+ EmbeddedPostgresFixture.server().getPort() + "/" + db;
		Path data = dir.resolve("pg-node");
		SyncNode first = SyncNode.builder().dataDir(data).nodeId("pg-1").httpPort(0).peerPort(0)
				.postgres(uri, null, 2, true, Duration.ofMillis(500)).start().block(T);
		try {
			assertEquals("pg-1", first.engine().origin());
			Run second = run(Map.of(), "node", "--data", data.toString(), "--http-port", "0", "--peer-port", "0",
					"--postgres", uri);
			assertEquals(1, second.exit(), second.toString());
			assertTrue(second.err().contains("is in use by another process (one node per directory)"), second.err());
		}
		finally {
			first.close(Duration.ofSeconds(5)).block(T);
		}
		SyncNode again = SyncNode.builder().dataDir(data).nodeId("other").httpPort(0).peerPort(0)
				.postgres(uri, null, 2, true, Duration.ofMillis(500)).start().block(T);
		try {
			assertEquals("pg-1", again.engine().origin(), "the stored id wins over a new one");
		}
		finally {
			again.close(Duration.ofSeconds(5)).block(T);
		}
		SyncNode neighbour = SyncNode.builder().dataDir(dir.resolve("neighbour")).httpPort(0).peerPort(0)
				.postgres(uri, null, 2, true, Duration.ofMillis(500)).start().block(T);
		try {
			assertFalse(neighbour.engine().origin().equals("pg-1"), "another directory, another origin");
		}
		finally {
			neighbour.close(Duration.ofSeconds(5)).block(T);
		}
	}
}
