/**
 * The node's HTTP API: REST and server-sent events over a {@link io.tributary.SyncEngine}, Prometheus
 * metrics, on a Reactor Netty {@code HttpServer} of its own or mounted into a host's
 * ({@link io.tributary.transport.http.ApiRoutes}). Start with {@link io.tributary.transport.http.HttpApi}.
 */
package io.tributary.transport.http;
