package io.tributary.transport.peer;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tributary.SyncEngine;
import io.tributary.transport.SyncReport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS and mutual TLS between peers, with certificates made for the test.
 */
class PeerTlsTest extends PeerTestBase {

	@TempDir
	static Path certs;

	static TestCertificates ca;

	@BeforeAll
	static void makeCertificates() throws Exception {
		ca = new TestCertificates(certs);
		ca.ca("ca");
		ca.signed("server", "ca");
		ca.signed("client", "ca");
		ca.ca("rogue");
		ca.signed("intruder", "rogue");
	}

	private SyncReport sync(SyncEngine client, PeerServer server, PeerTls tls) {
		return new PeerConnector(client, PeerConfig.defaults().withTls(tls).withTimings(Duration.ofSeconds(5),
				Duration.ofSeconds(30)), new PeerAddress("127.0.0.1", server.port()), Backoff.defaults())
				.syncOnce(Duration.ofSeconds(20)).block(T);
	}

	@Test
	void peersSyncOverTls() {
		SyncEngine a = engine("a");
		write(a, 200, "a");
		PeerServer server = server(a, PeerConfig.defaults().withTls(ca.tls("server", "ca", false)));
		SyncEngine b = engine("b");
		SyncReport r = sync(b, server, ca.tls("client", "ca", false));
		assertTrue(r.ok(), r.toString());
		assertEquals(a.vector(), b.vector());
	}

	@Test
	void plainTcpClientCannotTalkToATlsServer() {
		SyncEngine a = engine("a");
		write(a, 10, "a");
		PeerServer server = server(a, PeerConfig.defaults().withTls(ca.tls("server", "ca", false)));
		SyncEngine b = engine("b");
		SyncReport r = new PeerConnector(b, PeerConfig.defaults(), new PeerAddress("127.0.0.1", server.port()),
				Backoff.defaults()).syncOnce(Duration.ofSeconds(5)).block(T);
		assertFalse(r.ok(), r.toString());
		assertEquals(0, b.vector().total());
	}

	@Test
	void mutualTlsAcceptsAClientSignedByTheTrustedCa() {
		SyncEngine a = engine("a");
		write(a, 100, "a");
		PeerServer server = server(a, PeerConfig.defaults().withTls(ca.tls("server", "ca", true)));
		SyncEngine b = engine("b");
		SyncReport r = sync(b, server, ca.tls("client", "ca", false));
		assertTrue(r.ok(), r.toString());
		assertEquals(a.vector(), b.vector());
	}

	@Test
	void mutualTlsRefusesAClientFromAnUnknownCa() {
		SyncEngine a = engine("a");
		write(a, 100, "a");
		PeerServer server = server(a, PeerConfig.defaults().withTls(ca.tls("server", "ca", true)));
		SyncEngine b = engine("b");
		// the intruder trusts the server's CA, but its own certificate is signed by a CA the server does not know
		SyncReport r = sync(b, server, new PeerTls(certs.resolve("intruder.p12"), TestCertificates.PASSWORD,
				certs.resolve("ca-trust.p12"), TestCertificates.PASSWORD, false));
		assertFalse(r.ok(), r.toString());
		assertEquals(0, b.vector().total(), "nothing reached the intruder");
	}

	@Test
	void clientRefusesAServerItDoesNotTrust() {
		SyncEngine a = engine("a");
		write(a, 10, "a");
		PeerServer server = server(a, PeerConfig.defaults().withTls(new PeerTls(certs.resolve("intruder.p12"),
				TestCertificates.PASSWORD, certs.resolve("ca-trust.p12"), TestCertificates.PASSWORD, false)));
		SyncEngine b = engine("b");
		SyncReport r = sync(b, server, ca.tls("client", "ca", false));
		assertFalse(r.ok(), r.toString());
		assertEquals(0, b.vector().total());
	}

	// --- the same from PEM files, as the standalone node takes them

	@Test
	void pemFilesServeMutualTlsToAPeerWithATrustedCertificate() throws Exception {
		SyncEngine a = engine("a");
		write(a, 100, "a");
		TestCertificates.Pem server = ca.pem("server");
		TestCertificates.Pem client = ca.pem("client");
		PeerServer s = server(a, PeerConfig.defaults().withTls(PeerTls.pem(server.chain(), server.key(),
				ca.caCertificate("ca"), true)));
		SyncEngine b = engine("b");
		SyncReport r = sync(b, s, PeerTls.pem(client.chain(), client.key(), ca.caCertificate("ca"), true));
		assertTrue(r.ok(), r.toString());
		assertEquals(a.vector(), b.vector());
	}

	@Test
	void pemMutualTlsRefusesAPeerWithoutACertificateOrWithAnUntrustedOne() throws Exception {
		SyncEngine a = engine("a");
		write(a, 100, "a");
		TestCertificates.Pem server = ca.pem("server");
		PeerServer s = server(a, PeerConfig.defaults().withTls(PeerTls.pem(server.chain(), server.key(),
				ca.caCertificate("ca"), true)));
		SyncEngine b = engine("b");
		// trusts the server, presents nothing
		SyncReport none = sync(b, s, PeerTls.pem(null, null, ca.caCertificate("ca"), false));
		assertFalse(none.ok(), none.toString());
		// trusts the server, presents a certificate from a CA the server does not know
		TestCertificates.Pem intruder = ca.pem("intruder");
		SyncReport untrusted = sync(b, s, PeerTls.pem(intruder.chain(), intruder.key(), ca.caCertificate("ca"), false));
		assertFalse(untrusted.ok(), untrusted.toString());
		assertEquals(0, b.vector().total(), "nothing reached the refused peers");
	}

	@Test
	void pemSettingsMustBeComplete() {
		Path chain = certs.resolve("server-chain.pem");
		assertEquals("a TLS certificate chain and its private key go together",
				assertThrows(IllegalArgumentException.class, () -> PeerTls.pem(chain, null, null, false)).getMessage());
		assertEquals("mutual TLS needs the CA certificates that sign the clients' certificates",
				assertThrows(IllegalArgumentException.class, () -> PeerTls.pem(chain, chain, null, true)).getMessage());
		assertEquals("TLS takes PKCS#12 stores or PEM files, not both", assertThrows(IllegalArgumentException.class,
				() -> new PeerTls(chain, null, chain, null, false, chain, chain, null)).getMessage());
	}
}
