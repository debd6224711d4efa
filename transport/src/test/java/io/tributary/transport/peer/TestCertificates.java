package io.tributary.transport.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a CA and certificates it signs, with the JDK's keytool, into PKCS#12 stores under a directory.
 */
final class TestCertificates {

	static final char[] PASSWORD = "changeit".toCharArray();

	private final Path dir;

	TestCertificates(Path dir) {
		this.dir = dir;
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

	/** A self-signed CA; its certificate is exported to {@code name.crt} and put in {@code name-trust.p12}. */
	void ca(String name) throws IOException, InterruptedException {
		keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
				"-ext", "bc:c", "-validity", "2", "-keystore", store(name), "-storetype", "PKCS12", "-storepass",
				"changeit");
		keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name), "-storepass", "changeit", "-file",
				dir.resolve(name + ".crt").toString());
		keytool("-importcert", "-noprompt", "-alias", name, "-file", dir.resolve(name + ".crt").toString(), "-keystore",
				store(name + "-trust"), "-storetype", "PKCS12", "-storepass", "changeit");
	}

	/** A key pair for {@code name} with a certificate signed by {@code ca}, chain included, in {@code name.p12}. */
	void signed(String name, String ca) throws IOException, InterruptedException {
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
