/**
 * Offline-first clients: a {@link io.tributary.transport.client.SyncClient} gives an engine an upstream
 * node, reached over the peer protocol's one-shot push and pull sessions. See {@code docs/CLIENT.md}.
 * <p>
 * Null-marked: a type is non-null unless it is annotated {@code @Nullable}.
 */
@NullMarked
package io.tributary.transport.client;

import org.jspecify.annotations.NullMarked;
