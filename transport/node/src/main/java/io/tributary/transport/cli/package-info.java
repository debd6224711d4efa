/**
 * The {@code tributary-node} command line ({@code transport/node/target/tributary-node.jar}):
 * {@link io.tributary.transport.cli.NodeCli} runs a standalone {@link io.tributary.transport.node.SyncNode} until
 * it is signalled to stop, and holds the operator commands that query a running node over its HTTP API.
 * Usage, the config file and the exit codes are described in {@code docs/NODE.md}.
 */
package io.tributary.transport.cli;
