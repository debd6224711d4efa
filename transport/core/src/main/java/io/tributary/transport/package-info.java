/**
 * The library parts of transport: the peer protocol ({@code peer}), the HTTP API ({@code http}) and the
 * offline-first client ({@code client}), with the types they share ({@link io.tributary.transport.PeerDirectory},
 * {@link io.tributary.transport.PeerStatus}, {@link io.tributary.transport.SyncReport}). The standalone node and
 * its command line are in the {@code tributary-node} module.
 */
package io.tributary.transport;
