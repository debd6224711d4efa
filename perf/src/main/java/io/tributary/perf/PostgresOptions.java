package io.tributary.perf;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options of the scenarios that run on PostgreSQL (a picocli mixin): which server, and each engine's pool.
 */
final class PostgresOptions {

	@Option(names = "--postgres", paramLabel = "URI",
			description = "The PostgreSQL server to run on, as postgresql://USER@HOST:PORT/DB, the password from "
					+ "PGPASSWORD; the run makes a fresh database there (the role needs CREATEDB) and drops it afterwards "
					+ "unless --keep-data. Default: an embedded PostgreSQL 14 the harness starts in the data directory, "
					+ "fsync and synchronous_commit on.")
	String uri;

	@Option(names = "--pool-size", converter = Converters.Count.class, paramLabel = "N",
			description = "Connections in each engine's pool. Default: ${DEFAULT-VALUE}.", defaultValue = "8")
	long poolSize;

	/**
	 * The server's URI as given, checked, or a parameter error naming what is wrong with it.
	 *
	 * @param spec the command, for the error
	 * @return the URI, {@code null} when none was given
	 */
	String uri(CommandSpec spec) {
		if (uri != null) {
			try {
				PostgresServer.parse(uri, null);
			}
			catch (IllegalArgumentException e) {
				throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--postgres: " + e.getMessage(), e,
						null, uri);
			}
		}
		return uri;
	}

	/** The pool size as an {@code int} of at least 1, or a parameter error naming the option. */
	int poolSize(CommandSpec spec) {
		int n = Converters.toInt(spec, "--pool-size", poolSize);
		if (n < 1) {
			throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--pool-size must be at least 1");
		}
		return n;
	}
}
