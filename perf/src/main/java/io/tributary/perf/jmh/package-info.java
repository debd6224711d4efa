/**
 * JMH micro-benchmarks of the engine's hot pieces: the event and frame codecs, the hybrid clock, version
 * vectors and the projector's fold. Run them with {@code java -jar tributary-perf.jar jmh [JMH options]}.
 */
package io.tributary.perf.jmh;
