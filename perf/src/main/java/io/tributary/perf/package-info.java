/**
 * Tributary's benchmark harness: {@link io.tributary.perf.PerfMain} runs a scenario and prints its result
 * as one JSON object on the last line of standard output.
 */
package io.tributary.perf;
