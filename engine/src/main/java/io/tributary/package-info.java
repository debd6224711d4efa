/**
 * Tributary's public API: {@link io.tributary.SyncEngine}, the event model and the signals.
 */
package io.tributary;
