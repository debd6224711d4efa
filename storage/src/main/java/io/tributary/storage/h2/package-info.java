/**
 * Storage on embedded H2 through r2dbc-h2: {@link io.tributary.storage.h2.H2Storage}.
 */
package io.tributary.storage.h2;
