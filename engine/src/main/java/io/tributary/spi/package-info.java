/**
 * The service-provider interface that storage implementations fulfil, and the storage format codec.
 * <p>
 * Null-marked: a type is non-null unless it is annotated {@code @Nullable}.
 */
@NullMarked
package io.tributary.spi;

import org.jspecify.annotations.NullMarked;
