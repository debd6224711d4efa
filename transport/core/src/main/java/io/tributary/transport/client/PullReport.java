package io.tributary.transport.client;

import java.util.Map;

import io.tributary.VersionVector;

/**
 * The outcome of one downsync.
 *
 * @param byType events with content received per entity type
 * @param applied events newly stored
 * @param upstream the upstream's vector when it finished sending
 */
public record PullReport(Map<String, Integer> byType, long applied, VersionVector upstream) {
}
