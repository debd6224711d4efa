-- Tributary H2 schema, version 2: dead letters. See docs/CLIENT.md.

-- Local events an upstream refused permanently, kept until replayed or deleted. The event is one
-- binary column in the format of io.tributary.spi.EventCodec; position is its place in the local log.
-- user_id is the event's owner, so that erasing a user's data can find their dead letters.
-- Index: the primary key (origin, origin_seq) addresses a dead letter for get, replace and delete.
-- Listing sorts by rejected_at without an index: dead letters are few (each is a refused write that
-- waits for a person to act on it).
CREATE TABLE IF NOT EXISTS tributary_dead_letter (
    origin VARCHAR(255) NOT NULL,
    origin_seq BIGINT NOT NULL,
    user_id VARCHAR(256),
    code VARCHAR(64) NOT NULL,
    reason VARCHAR(4096) NOT NULL,
    rejected_at BIGINT NOT NULL,
    position BIGINT NOT NULL,
    body VARBINARY(1000000000) NOT NULL,
    PRIMARY KEY (origin, origin_seq)
);
