/**
 * Storage held in memory, for tests and ephemeral replicas.
 */
package io.tributary.memory;
