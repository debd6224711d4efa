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
 * TLS for the peer protocol, from PKCS#12 key stores or from PEM files. A node presents its key and
 * certificate chain (server side, and client side when the server requires client certificates) and trusts
 * the CA certificates given. With {@code requireClientAuth}, the server refuses clients without a
 * certificate signed by a trusted CA (mutual TLS). {@link #toString()} hides the passwords.
 * <p>
 * Either the stores are given ({@link #PeerTls(Path, char[], Path, char[], boolean)}) or the PEM files
 * ({@link #pem(Path, Path, Path, boolean)}), not both.
 *
 * @param keyStore PKCS#12 file with this node's key and certificate chain, {@code null} with PEM files
 * @param keyStorePassword its password
 * @param trustStore PKCS#12 file of trusted certificates (CAs), {@code null} with PEM files
 * @param trustStorePassword its password
 * @param requireClientAuth whether the server requires client certificates
 * @param certificateChain PEM file of this node's certificate chain, {@code null} with stores or for a node
 *        that only dials without a client certificate
 * @param privateKey PEM file of this node's PKCS#8 private key, given with {@code certificateChain}
 * @param trustedCertificates PEM file of the trusted CA certificates, {@code null} for the JVM's default
 *        CAs (not with {@code requireClientAuth})
 */
public record PeerTls(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword,
		boolean requireClientAuth, Path certificateChain, Path privateKey, Path trustedCertificates) {

	/**
	 * Checks that the settings name one form, complete.
	 *
	 * @throws IllegalArgumentException when stores and PEM files are mixed, a certificate chain comes without
	 *         its key or the other way round, or mutual TLS has nothing to trust
	 */
	public PeerTls {
		boolean stores = keyStore != null || trustStore != null;
		boolean pem = certificateChain != null || privateKey != null || trustedCertificates != null;
		if (stores && pem) {
			throw new IllegalArgumentException("TLS takes PKCS#12 stores or PEM files, not both");
		}
		if (stores && trustStore == null) {
			throw new IllegalArgumentException("TLS with PKCS#12 stores needs a trust store");
		}
		if ((certificateChain == null) != (privateKey == null)) {
			throw new IllegalArgumentException("a TLS certificate chain and its private key go together");
		}
		if (requireClientAuth && !stores && trustedCertificates == null) {
			throw new IllegalArgumentException("mutual TLS needs the CA certificates that sign the clients' certificates");
		}
	}

	/**
	 * TLS from PKCS#12 stores.
	 *
	 * @param keyStore PKCS#12 file with this node's key and certificate chain
	 * @param keyStorePassword its password
	 * @param trustStore PKCS#12 file of trusted certificates (CAs)
	 * @param trustStorePassword its password
	 * @param requireClientAuth whether the server requires client certificates
	 */
	public PeerTls(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword,
			boolean requireClientAuth) {
		this(keyStore, keyStorePassword, trustStore, trustStorePassword, requireClientAuth, null, null, null);
	}

	/**
	 * TLS from PEM files, as most certificate authorities and tools hand them out.
	 *
	 * @param certificateChain this node's certificate chain, leaf first; {@code null} for a node that only
	 *        dials without a client certificate
	 * @param privateKey this node's private key in PKCS#8 ({@code BEGIN PRIVATE KEY}), unencrypted
	 * @param trustedCertificates the trusted CA certificates; {@code null} for the JVM's default CAs
	 * @param requireClientAuth whether the server requires client certificates signed by
	 *        {@code trustedCertificates}
	 * @return the settings
	 * @throws IllegalArgumentException as the canonical constructor
	 */
	public static PeerTls pem(Path certificateChain, Path privateKey, Path trustedCertificates,
			boolean requireClientAuth) {
		return new PeerTls(null, null, null, null, requireClientAuth, certificateChain, privateKey,
				trustedCertificates);
	}

	/**
	 * The server's SSL context.
	 *
	 * @return the context
	 * @throws IllegalStateException when the files cannot be read or no certificate is configured
	 */
	public SslContext serverContext() {
		try {
			SslContextBuilder b;
			if (keyStore != null) {
				b = SslContextBuilder.forServer(keyManagers()).trustManager(trustManagers());
			}
			else if (certificateChain != null) {
				b = SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile());
				if (trustedCertificates != null) {
					b.trustManager(trustedCertificates.toFile());
				}
			}
			else {
				throw new IllegalArgumentException("a TLS server needs a certificate chain and its private key");
			}
			return b.clientAuth(requireClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE).build();
		}
		catch (Exception e) {
			throw new IllegalStateException("cannot set up TLS from " + sources() + ": " + e, e);
		}
	}

	/**
	 * The client's SSL context: trusts the configured CAs and presents this node's certificate when it has
	 * one.
	 *
	 * @return the context
	 * @throws IllegalStateException when the files cannot be read
	 */
	public SslContext clientContext() {
		try {
			SslContextBuilder b = SslContextBuilder.forClient();
			if (trustStore != null) {
				b.trustManager(trustManagers());
			}
			else if (trustedCertificates != null) {
				b.trustManager(trustedCertificates.toFile());
			}
			if (keyStore != null) {
				b.keyManager(keyManagers());
			}
			else if (certificateChain != null) {
				b.keyManager(certificateChain.toFile(), privateKey.toFile());
			}
			return b.build();
		}
		catch (Exception e) {
			throw new IllegalStateException("cannot set up TLS from " + sources() + ": " + e, e);
		}
	}

	private String sources() {
		return keyStore != null || trustStore != null ? keyStore + " and " + trustStore
				: certificateChain + ", " + privateKey + " and " + (trustedCertificates == null ? "the JVM's CAs"
						: trustedCertificates);
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
		return keyStore != null || trustStore != null
				? "PeerTls[keyStore=" + keyStore + ", trustStore=" + trustStore + ", requireClientAuth="
						+ requireClientAuth + ", passwords=****]"
				: "PeerTls[certificateChain=" + certificateChain + ", privateKey=" + privateKey
						+ ", trustedCertificates=" + (trustedCertificates == null ? "JVM default" : trustedCertificates)
						+ ", requireClientAuth=" + requireClientAuth + "]";
	}
}
