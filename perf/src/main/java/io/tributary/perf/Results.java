package io.tributary.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine;

/**
 * How a scenario hands back its result: {@code <out>/<scenario>.json}, its charts beside it (when the
 * result carries {@link Measures}), a summary line on standard error, and the result as one JSON object on
 * the last line of standard output.
 */
final class Results {

	/** Serializes results (records, in component order). */
	static final ObjectMapper JSON = new ObjectMapper();

	private Results() {
	}

	/**
	 * Writes the result file, then the summary and the JSON line.
	 *
	 * @param commandLine the scenario's command line, for its writers
	 * @param scenario the scenario's name, which names the file
	 * @param out the directory of the result file, made when missing
	 * @param result the result
	 * @param summary a one-line human summary
	 * @throws IOException when the file cannot be written
	 */
	static void publish(CommandLine commandLine, String scenario, Path out, Object result, String summary)
			throws IOException {
		Files.createDirectories(out);
		Path file = out.resolve(scenario + ".json");
		JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), result);
		String charts = "";
		if (result instanceof Measures.Carrier carrier) {
			charts = " and " + String.join(", ", Charts.write(out, scenario, carrier.measures()));
		}
		PrintWriter stderr = commandLine.getErr();
		stderr.println("[" + scenario + "] " + summary + "; written to " + file + charts);
		stderr.flush();
		PrintWriter stdout = commandLine.getOut();
		stdout.println(JSON.writeValueAsString(result));
		stdout.flush();
	}
}
