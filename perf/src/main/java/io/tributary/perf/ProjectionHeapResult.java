package io.tributary.perf;

/**
 * The result of one {@code projection-heap} run, serialized as the run's JSON object.
 *
 * @param scenario always {@code projection-heap}
 * @param entities distinct entities written, one event each
 * @param batch writes per {@code writeAll}
 * @param concurrency batches in flight at once
 * @param payloadBytes payload size
 * @param store {@code h2} or {@code postgres}
 * @param projectionCache entity folds the engine keeps in memory besides those not yet saved
 *        ({@code SyncEngine.Builder.projectionCache})
 * @param eventsPerSecond entities written over {@code loadSeconds}
 * @param loadSeconds first write submitted to the last acknowledged
 * @param heapBeforeMb heap in use after a full collection before the engine opened
 * @param heapAfterGcMb heap in use after a full collection with every entity written and checkpointed, the
 *        engine open: what the node keeps
 * @param heapPeakMb highest heap in use while loading, live or not (sampled every 50 ms)
 * @param heapMaxMb the heap limit
 * @param heapBytesPerEntity {@code (heapAfterGcMb - heapBeforeMb)} in bytes over the entities
 * @param checkpointMillis time of the projection checkpoint after the load
 * @param acknowledged writes acknowledged
 * @param lost writes not acknowledged, plus sampled entities the engine did not return
 * @param sampled entities read back through the engine at the end
 * @param sampleMissing sampled entities the engine did not return
 * @param storeMb what the store takes on disk (on PostgreSQL: its database)
 * @param measures the load in the common form: throughput over time, heap, collections, CPU
 * @param environment where and how it ran
 */
record ProjectionHeapResult(String scenario, int entities, int batch, int concurrency, int payloadBytes, String store,
		int projectionCache, double eventsPerSecond, double loadSeconds, long heapBeforeMb, long heapAfterGcMb,
		long heapPeakMb, long heapMaxMb, double heapBytesPerEntity, long checkpointMillis, long acknowledged,
		long lost, int sampled, long sampleMissing, double storeMb, Measures measures, Environment environment)
		implements Measures.Carrier {
}
