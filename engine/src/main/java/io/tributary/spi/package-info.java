/**
 * The service-provider interface that storage implementations fulfil, and the storage format codec.
 */
package io.tributary.spi;
