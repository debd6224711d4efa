/**
 * The peer protocol over Reactor Netty TCP (TLS optional): {@link io.tributary.transport.peer.PeerServer} accepts
 * sessions, {@link io.tributary.transport.peer.PeerConnector} dials one peer and keeps the link up, and
 * {@link io.tributary.transport.peer.PeerSession} exchanges what each side lacks by version vector, then follows
 * live. Frames and their errors are described in {@code docs/PROTOCOL.md}.
 */
package io.tributary.transport.peer;
