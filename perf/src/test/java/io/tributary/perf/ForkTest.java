package io.tributary.perf;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForkTest {

	private static List<String> tinyLocalWrite(Path tmp) {
		return List.of("local-write", "--events", "2_000", "--warmup", "0", "--writers", "16", "--entities", "100",
				"--dir", tmp.resolve("data").toString(), "--out", tmp.resolve("results").toString());
	}

	private static JsonNode result(Path tmp) throws Exception {
		return Results.JSON.readTree(Files.readString(tmp.resolve("results").resolve("local-write.json")));
	}

	private static List<String> jvmArgs(JsonNode result) {
		List<String> args = new ArrayList<>();
		result.get("environment").get("jvmArgs").forEach(a -> args.add(a.asText()));
		return args;
	}

	@Test
	void aScenarioRunsInAForkedJvmWithTheNodeSettings(@TempDir Path tmp) throws Exception {
		StringWriter err = new StringWriter();
		int exit = PerfMain.commandLine(true).setErr(new PrintWriter(err))
				.execute(tinyLocalWrite(tmp).toArray(String[]::new));
		assertEquals(0, exit, () -> "exit code; stderr:\n" + err);
		assertTrue(err.toString().contains("[fork] "), () -> "the forked command line is reported: " + err);

		JsonNode result = result(tmp);
		List<String> args = jvmArgs(result);
		assertEquals(Fork.NODE_SETTINGS, args.subList(0, Fork.NODE_SETTINGS.size()),
				"the result names the settings the scenario ran with");
		assertTrue(args.contains("-D" + Fork.FORKED_PROPERTY + "=true"), () -> args.toString());
		assertEquals(2_000, result.get("events").asLong());
		assertEquals(0, result.get("lost").asLong());
		// the forked JVM's heap is the recommended fixed one, not this JVM's
		assertEquals(4096.0, result.get("environment").get("heapMaxMb").asDouble(), 64.0);
	}

	@Test
	void noForkRunsInThisJvm(@TempDir Path tmp) throws Exception {
		List<String> args = new ArrayList<>(tinyLocalWrite(tmp));
		args.add(Fork.NO_FORK);
		StringWriter err = new StringWriter();
		int exit = PerfMain.commandLine(true).setOut(new PrintWriter(new StringWriter()))
				.setErr(new PrintWriter(err)).execute(args.toArray(String[]::new));
		assertEquals(0, exit, () -> "exit code; stderr:\n" + err);
		assertFalse(err.toString().contains("[fork] "), () -> err.toString());
		assertFalse(jvmArgs(result(tmp)).contains("-D" + Fork.FORKED_PROPERTY + "=true"));
	}

	@Test
	void badArgumentsAreAnsweredWithoutForking(@TempDir Path tmp) {
		StringWriter err = new StringWriter();
		int exit = PerfMain.commandLine(true).setErr(new PrintWriter(err))
				.execute("local-write", "--events", "many", "--out", tmp.toString());
		assertEquals(2, exit, () -> err.toString());
		assertFalse(err.toString().contains("[fork] "), () -> err.toString());
		assertTrue(err.toString().contains("--events"), () -> err.toString());
	}

	@Test
	void theHarnessOwnOptionsFollowTheNodeSettingsSoTheyWin() {
		List<String> command = Fork.command(List.of("live-latency", "--rate", "100"));
		int settings = command.indexOf(Fork.NODE_SETTINGS.get(0));
		assertEquals(1, settings, () -> command.toString());
		assertEquals(List.of(PerfMain.class.getName(), "live-latency", "--rate", "100"),
				command.subList(command.size() - 4, command.size()));
		assertTrue(command.indexOf("-D" + Fork.FORKED_PROPERTY + "=true") > settings + Fork.NODE_SETTINGS.size() - 1);
	}
}
