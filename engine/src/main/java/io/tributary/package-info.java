/**
 * Tributary's public API: {@link io.tributary.SyncEngine}, the event model and the signals.
 * <p>
 * Null-marked: a type is non-null unless it is annotated {@code @Nullable}.
 */
@NullMarked
package io.tributary;

import org.jspecify.annotations.NullMarked;
