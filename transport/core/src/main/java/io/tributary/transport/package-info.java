/**
 * The peer protocol, the HTTP API and the standalone node.
 */
package io.tributary.transport;
