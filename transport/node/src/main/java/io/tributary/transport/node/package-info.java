/**
 * The standalone node: {@link io.tributary.transport.node.SyncNode} runs an engine on embedded H2 files, a peer
 * server, a connector per configured peer and the HTTP API, started and stopped together. It lives in the
 * {@code tributary-node} module with the command line, so that the library ({@code tributary-transport}) carries
 * neither H2 nor a logging binding.
 */
package io.tributary.transport.node;
