package io.tributary.transport.peer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a CA and certificates it signs, with the JDK's keytool, into PKCS#12 stores under a directory, and
 * exports them as PEM files.
 */
public final class TestCertificates {

	static final char[] PASSWORD = "changeit".toCharArray();

	private final Path dir;

	/**
	 * Certificates under a directory.
	 *
	 * @param dir where the stores and files go
	 */
	public TestCertificates(Path dir) {
		this.dir = dir;
	}

	/**
	 * PEM files of one name.
	 *
	 * @param chain its certificate chain, leaf first
	 * @param key its PKCS#8 private key
	 */
	public record Pem(Path chain, Path key) {
	}

	private void keytool(String... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>();
		cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		cmd.addAll(List.of(args));
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		byte[] out = p.getInputStream().readAllBytes();
		if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
			throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: "
					+ new String(out, StandardCharsets.UTF_8));
		}
	}

	private String store(String name) {
		return dir.resolve(name + ".p12").toString();
	}

	/**
	 * The PEM certificate of a CA made by {@link #ca(String)}.
	 *
	 * @param name the CA
	 * @return its {@code name.crt}
	 */
	public Path caCertificate(String name) {
		return dir.resolve(name + ".crt");
	}

	/**
	 * Exports the key and certificate chain of {@link #signed(String, String)} as PEM.
	 *
	 * @param name the name
	 * @return {@code name-chain.pem} and {@code name-key.pem}
	 * @throws IOException when the store cannot be read or the files written
	 * @throws GeneralSecurityException when the store does not hold the key
	 */
	public Pem pem(String name) throws IOException, GeneralSecurityException {
		KeyStore ks = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(Path.of(store(name)))) {
			ks.load(in, PASSWORD);
		}
		PrivateKey key = (PrivateKey) ks.getKey(name, PASSWORD);
		StringBuilder chain = new StringBuilder();
		for (Certificate c : ks.getCertificateChain(name)) {
			chain.append(pem("CERTIFICATE", c.getEncoded()));
		}
		Pem out = new Pem(dir.resolve(name + "-chain.pem"), dir.resolve(name + "-key.pem"));
		Files.writeString(out.chain(), chain, StandardCharsets.US_ASCII);
		Files.writeString(out.key(), pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
		return out;
	}

	private static String pem(String label, byte[] der) {
		return "-----BEGIN " + label + "-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
				+ "\n-----END " + label + "-----\n";
	}

	/** A self-signed CA; its certificate is exported to {@code name.crt} and put in {@code name-trust.p12}. */
	public void ca(String name) throws IOException, InterruptedException {
		keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
				"-ext", "bc:c", "-validity", "2", "-keystore", store(name), "-storetype", "PKCS12", "-storepass",
				"changeit");
		keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name), "-storepass", "changeit", "-file",
				dir.resolve(name + ".crt").toString());
		keytool("-importcert", "-noprompt", "-alias", name, "-file", dir.resolve(name + ".crt").toString(), "-keystore",
				store(name + "-trust"), "-storetype", "PKCS12", "-storepass", "changeit");
	}

	/** A key pair for {@code name} with a certificate signed by {@code ca}, chain included, in {@code name.p12}. */
	public void signed(String name, String ca) throws IOException, InterruptedException {
		keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
				"-validity", "2", "-keystore", store(name), "-storetype", "PKCS12", "-storepass", "changeit");
		String csr = dir.resolve(name + ".csr").toString();
		String crt = dir.resolve(name + ".crt").toString();
		keytool("-certreq", "-alias", name, "-keystore", store(name), "-storepass", "changeit", "-file", csr);
		keytool("-gencert", "-alias", ca, "-keystore", store(ca), "-storepass", "changeit", "-infile", csr, "-outfile",
				crt, "-rfc", "-validity", "2", "-ext", "san=ip:127.0.0.1,dns:localhost");
		keytool("-importcert", "-noprompt", "-alias", ca, "-file", dir.resolve(ca + ".crt").toString(), "-keystore",
				store(name), "-storepass", "changeit");
		keytool("-importcert", "-alias", name, "-file", crt, "-keystore", store(name), "-storepass", "changeit");
	}

	PeerTls tls(String name, String trustedCa, boolean requireClientAuth) {
		return new PeerTls(Path.of(store(name)), PASSWORD, Path.of(store(trustedCa + "-trust")), PASSWORD,
				requireClientAuth);
	}
}
