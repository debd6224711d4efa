package io.tributary.transport.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The options every operator command shares: which node, its token, how long to wait.
 */
final class ApiOptions {

	static final String DEFAULT_NODE = "http://127.0.0.1:8080";

	/** The command these options belong to, for usage errors. */
	@Spec(Spec.Target.MIXEE)
	CommandSpec command;

	@Option(names = "--node", paramLabel = "URL", converter = NodeUrl.class, defaultValue = DEFAULT_NODE,
			description = "The node's HTTP API. Default: ${DEFAULT-VALUE}.")
	URI node;

	@Option(names = "--token", paramLabel = "TOKEN",
			description = "The node's token. Default: the environment variable " + NodeSettings.TOKEN_VARIABLE + ".")
	String token;

	@Option(names = "--ca-file", paramLabel = "FILE",
			description = "For an https --node: the CA certificates (PEM) to trust for its certificate. Default: the "
					+ "JVM's CAs.")
	Path caFile;

	@Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
			description = "How long to wait for the node's answer, e.g. 10s, 2m. Default: 30s; for sync 6m.")
	Duration timeout;

	/**
	 * A client for the node these options name.
	 *
	 * @param env the environment, for the token
	 * @param defaultTimeout the command's timeout when none is given
	 * @return a new client
	 * @throws ParameterException when {@code --ca-file} is given for a plain HTTP node
	 * @throws CliException when {@code --ca-file} cannot be read
	 */
	NodeClient client(UnaryOperator<String> env, Duration defaultTimeout) {
		String t = token;
		if (t == null) {
			String fromEnv = env.apply(NodeSettings.TOKEN_VARIABLE);
			t = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.strip();
		}
		if (caFile != null && !"https".equalsIgnoreCase(node.getScheme())) {
			throw new ParameterException(command.commandLine(),
					"--ca-file is for a node served over HTTPS: give --node https://...");
		}
		return new NodeClient(node, t, timeout == null ? defaultTimeout : timeout, caFile);
	}

	/** An {@code http} or {@code https} URL with a host; a trailing slash is dropped. */
	static final class NodeUrl implements ITypeConverter<URI> {
		@Override
		public URI convert(String value) {
			String v = value.strip();
			while (v.endsWith("/")) {
				v = v.substring(0, v.length() - 1);
			}
			try {
				URI uri = new URI(v);
				String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
				if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getQuery() == null
						&& uri.getFragment() == null && uri.getUserInfo() == null) {
					return uri;
				}
			}
			catch (URISyntaxException e) {
				// answered below
			}
			throw new TypeConversionException("'" + value + "' is not a URL such as http://127.0.0.1:8080");
		}
	}
}
