/**
 * Runnable examples, one per way of using Tributary.
 */
package io.tributary.examples;
