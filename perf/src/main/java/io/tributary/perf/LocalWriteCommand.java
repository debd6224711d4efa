package io.tributary.perf;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.tributary.storage.h2.Durability;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code local-write}: durable write throughput of one engine on H2 against plain H2 JDBC batches. See
 * {@link LocalWriteScenario}. Prints progress to standard error and the result as the last line of
 * standard output, and writes it to {@code <out>/local-write.json}.
 */
@Command(name = LocalWriteScenario.NAME, mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Concurrent writers put events into a SyncEngine on a fresh H2 file store, each write "
				+ "acknowledged once durable; then the same events are inserted through plain H2 JDBC in batches "
				+ "of " + JdbcBaseline.BATCH + " with one commit per batch, as the baseline.",
				"Counts accept 1_000_000, 1,000,000, 200k or 1m." })
final class LocalWriteCommand implements Callable<Integer> {

	static final ObjectMapper JSON = new ObjectMapper();

	@Spec
	CommandSpec spec;

	@Option(names = "--writers", converter = Count.class, paramLabel = "N",
			description = "Concurrent writers, each with one write outstanding; writers hold no thread. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "4096")
	long writers;

	@Option(names = "--events", converter = Count.class, paramLabel = "N",
			description = "Measured events per side. Default: ${DEFAULT-VALUE}.", defaultValue = "1000000")
	long events;

	@Option(names = "--payload-bytes", converter = Count.class, paramLabel = "BYTES",
			description = "Size of each event's JSON payload. Default: ${DEFAULT-VALUE}.", defaultValue = "200")
	long payloadBytes;

	@Option(names = "--entities", converter = Count.class, paramLabel = "N",
			description = "Entity key space; each event writes a uniformly chosen entity. Default: ${DEFAULT-VALUE}.",
			defaultValue = "100000")
	long entities;

	@Option(names = "--durability", paramLabel = "MODE",
			description = "What an acknowledged write survives, for both sides: ${COMPLETION-CANDIDATES}. "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "PROCESS_CRASH")
	Durability durability;

	@Option(names = "--warmup", converter = Count.class, paramLabel = "N",
			description = "Events each side writes first, not measured. Default: ${DEFAULT-VALUE}.",
			defaultValue = "200000")
	long warmup;

	@Option(names = "--seed", paramLabel = "SEED", description = "Workload seed. Default: ${DEFAULT-VALUE}.",
			defaultValue = "42")
	long seed;

	@Option(names = "--dir", paramLabel = "DIR",
			description = "Where the fresh data directory is made (choose the disk to measure). "
					+ "Default: the system's temporary directory.")
	Path dir;

	@Option(names = "--keep-data", description = "Keep the data directory afterwards.")
	boolean keepData;

	@Option(names = "--submit-on-parallel",
			description = "Submit each write from Reactor's parallel scheduler instead of from the thread that "
					+ "acknowledged the writer's previous write (the storage's).")
	boolean submitOnParallel;

	@Option(names = "--out", paramLabel = "DIR", description = "Where the result file goes. Default: ${DEFAULT-VALUE}.",
			defaultValue = "perf/target/results")
	Path out;

	@Override
	public Integer call() throws Exception {
		PrintWriter stdout = spec.commandLine().getOut();
		PrintWriter stderr = spec.commandLine().getErr();
		LocalWriteScenario.Options options = new LocalWriteScenario.Options(events, toInt("--writers", writers),
				toInt("--payload-bytes", payloadBytes), toInt("--entities", entities), durability, warmup, seed, dir,
				keepData, submitOnParallel);
		LocalWriteResult result = new LocalWriteScenario(options, stderr).run();
		Files.createDirectories(out);
		Path file = out.resolve(LocalWriteScenario.NAME + ".json");
		JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), result);
		stderr.printf(Locale.ROOT, "[%s] %.0f ev/s vs baseline %.0f ev/s (ratio %.3f), %d lost; written to %s%n",
				LocalWriteScenario.NAME, result.eventsPerSecond(), result.baselineEventsPerSecond(), result.ratio(),
				result.lost(), file);
		stderr.flush();
		stdout.println(JSON.writeValueAsString(result));
		stdout.flush();
		return result.lost() == 0 ? 0 : 3;
	}

	private int toInt(String option, long value) {
		if (value > Integer.MAX_VALUE) {
			throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " is too large: " + value);
		}
		return (int) value;
	}

	/** A count: digits with optional {@code _} or {@code ,} separators and an optional {@code k} or {@code m}. */
	static final class Count implements ITypeConverter<Long> {
		@Override
		public Long convert(String value) {
			String v = value.strip().replace("_", "").replace(",", "").toLowerCase(Locale.ROOT);
			long unit = 1;
			if (v.endsWith("k")) {
				unit = 1_000;
				v = v.substring(0, v.length() - 1);
			}
			else if (v.endsWith("m")) {
				unit = 1_000_000;
				v = v.substring(0, v.length() - 1);
			}
			long n = Math.multiplyExact(Long.parseLong(v), unit);
			if (n < 0) {
				throw new IllegalArgumentException("must not be negative: " + value);
			}
			return n;
		}
	}
}
