package io.tributary.transport.peer;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * TLS for the peer protocol from PKCS#12 key stores. A node presents {@code keyStore} (server side, and
 * client side when the server requires client certificates) and trusts the certificates in
 * {@code trustStore}. With {@code requireClientAuth}, the server refuses clients without a certificate
 * signed by a trusted CA (mutual TLS). {@link #toString()} hides the passwords.
 *
 * @param keyStore PKCS#12 file with this node's key and certificate chain
 * @param keyStorePassword its password
 * @param trustStore PKCS#12 file of trusted certificates (CAs)
 * @param trustStorePassword its password
 * @param requireClientAuth whether the server requires client certificates
 */
public record PeerTls(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword,
		boolean requireClientAuth) {

	/**
	 * The server's SSL context.
	 *
	 * @return the context
	 * @throws IllegalStateException when the stores cannot be read
	 */
	public SslContext serverContext() {
		try {
			SslContextBuilder b = SslContextBuilder.forServer(keyManagers()).trustManager(trustManagers());
			return b.clientAuth(requireClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE).build();
		}
		catch (Exception e) {
			throw new IllegalStateException("cannot set up TLS from " + keyStore + " and " + trustStore + ": " + e, e);
		}
	}

	/**
	 * The client's SSL context: trusts {@code trustStore} and presents {@code keyStore}.
	 *
	 * @return the context
	 * @throws IllegalStateException when the stores cannot be read
	 */
	public SslContext clientContext() {
		try {
			SslContextBuilder b = SslContextBuilder.forClient().trustManager(trustManagers());
			if (keyStore != null) {
				b.keyManager(keyManagers());
			}
			return b.build();
		}
		catch (Exception e) {
			throw new IllegalStateException("cannot set up TLS from " + keyStore + " and " + trustStore + ": " + e, e);
		}
	}

	private KeyManagerFactory keyManagers() throws Exception {
		KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		kmf.init(load(keyStore, keyStorePassword), keyStorePassword);
		return kmf;
	}

	private TrustManagerFactory trustManagers() throws Exception {
		TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		tmf.init(load(trustStore, trustStorePassword));
		return tmf;
	}

	private static KeyStore load(Path path, char[] password) throws Exception {
		KeyStore ks = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(path)) {
			ks.load(in, password);
		}
		return ks;
	}

	@Override
	public String toString() {
		return "PeerTls[keyStore=" + keyStore + ", trustStore=" + trustStore + ", requireClientAuth=" + requireClientAuth
				+ ", passwords=****]";
	}
}
