-- Tributary H2 schema, version 1. See docs/STORAGE.md for the reasoning.

-- The event log: one row per event. The whole event (every field but the position) is one
-- binary column in the format of io.tributary.spi.EventCodec.
-- Index: the primary key on position is the only index. Positions only grow, so every append
-- goes to the right edge of one B-tree. (origin, origin_seq) deliberately has no index: the
-- in-memory version vector rejects duplicates without a lookup, and tributary_segment finds
-- where an origin's events start.
CREATE TABLE IF NOT EXISTS tributary_event (
    position BIGINT NOT NULL PRIMARY KEY,
    body VARBINARY(1000000000) NOT NULL
);

-- A sparse per-origin index of the log, written once per origin per group commit: the events of
-- origin with origin_seq in [first_seq, last_seq] are at positions >= first_position.
-- Index: the primary key (origin, first_seq) finds the segment holding a given sequence, which is
-- where reading "what a vector lacks" starts; it also yields the vector (MAX(last_seq) per origin).
CREATE TABLE IF NOT EXISTS tributary_segment (
    origin VARCHAR(255) NOT NULL,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    first_position BIGINT NOT NULL,
    PRIMARY KEY (origin, first_seq)
);

-- Projection checkpoints, append-only: each row is a chunk of entity folds (the events each
-- entity's state still depends on) that changed since the previous checkpoint. Loading reads the
-- chunks in order and keeps the newest fold per entity. Once the chunks outgrow twice the live
-- projection, one full snapshot is appended and every older chunk deleted (compaction).
-- Updating one row per entity instead costs a random B-tree update each and, measured, more than
-- halved write throughput; see docs/STORAGE.md.
-- Index: the primary key on seq: chunks are appended at the right edge, read back in order, and
-- compaction deletes a prefix.
CREATE TABLE IF NOT EXISTS tributary_projection (
    seq BIGINT NOT NULL PRIMARY KEY,
    chunk VARBINARY(1000000000) NOT NULL
);

-- Detected conflicts, for audit: both sides and the winner (EventCodec conflict format).
-- Index: the primary key on the incoming event's id makes recording a conflict idempotent when
-- the log is replayed after a crash.
CREATE TABLE IF NOT EXISTS tributary_conflict (
    incoming_id UUID NOT NULL PRIMARY KEY,
    entity_type VARCHAR(128) NOT NULL,
    incoming_position BIGINT NOT NULL,
    body VARBINARY(1000000000) NOT NULL
);

-- Small settings of the replica: its origin id and the projection checkpoint.
-- Index: the primary key on name.
CREATE TABLE IF NOT EXISTS tributary_meta (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    val VARCHAR(1024) NOT NULL
);
