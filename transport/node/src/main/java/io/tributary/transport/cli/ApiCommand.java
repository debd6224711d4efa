package io.tributary.transport.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A command that asks a running node through its HTTP API: the node options ({@link ApiOptions}), a client of
 * the node, and the answer printed for people or, with {@code --json}, as the node's JSON. Failures are
 * {@link CliException}s (exit code 1) and {@link ParameterException}s (exit code 2), as {@link NodeCli} maps them.
 */
abstract class ApiCommand implements Callable<Integer> {

	@ParentCommand
	NodeCli cli;

	@Spec
	CommandSpec spec;

	@Mixin
	ApiOptions api;

	/**
	 * A client of the node the options name.
	 *
	 * @param defaultTimeout the command's timeout when none is given
	 * @return a new client
	 */
	NodeClient client(Duration defaultTimeout) {
		return api.client(cli::env, defaultTimeout);
	}

	/**
	 * Prints an answer, as {@link #print(CommandSpec, boolean, JsonNode, Function)}, to this command's output.
	 *
	 * @param json whether {@code --json} was given
	 * @param answer the node's answer
	 * @param text the lines for people
	 * @return {@link NodeCli#OK}
	 */
	int print(boolean json, JsonNode answer, Function<JsonNode, List<String>> text) {
		return print(spec, json, answer, text);
	}

	/**
	 * Prints an answer to a command's output: pretty JSON with {@code --json}, else the lines for people.
	 *
	 * @param spec the command
	 * @param json whether {@code --json} was given
	 * @param answer the node's answer
	 * @param text the lines for people
	 * @return {@link NodeCli#OK}
	 */
	static int print(CommandSpec spec, boolean json, JsonNode answer, Function<JsonNode, List<String>> text) {
		PrintWriter out = spec.commandLine().getOut();
		if (json) {
			out.println(Format.pretty(answer));
		}
		else {
			text.apply(answer).forEach(out::println);
		}
		out.flush();
		return NodeCli.OK;
	}

	/**
	 * A page size the node serves.
	 *
	 * @param limit the {@code --limit} given
	 * @return the limit
	 * @throws ParameterException unless it is from 1 to {@link ConflictsCommand#MAX_LIMIT}
	 */
	int requireLimit(int limit) {
		if (limit < 1 || limit > ConflictsCommand.MAX_LIMIT) {
			throw new ParameterException(spec.commandLine(), "--limit must be from 1 to " + ConflictsCommand.MAX_LIMIT
					+ ", was " + limit);
		}
		return limit;
	}
}
