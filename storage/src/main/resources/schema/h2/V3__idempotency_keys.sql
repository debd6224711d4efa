-- Tributary H2 schema, version 3: ids writers chose for their events, and idempotency keys. See
-- docs/STORAGE.md and docs/NODE.md ("Idempotent writes").

-- The ids of events written with an id of the writer's choosing (a change's "id" over HTTP, or one that a
-- request's Idempotency-Key derived): a write of an id found here stores nothing and is answered with the
-- event at position. Rows are inserted in the append's transaction, and only for such events: appends of
-- events without a chosen id (the usual local write, every peer event) touch this table not at all, and the
-- event table keeps its single index. After a crash, the events put back from the write-ahead log get a row
-- each, chosen or not (a superset is harmless: ids are unique).
-- Index: the primary key on id is the lookup of a repeated write, done in the commit.
CREATE TABLE IF NOT EXISTS tributary_event_id (
    id UUID NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
);

-- The HTTP API's idempotency keys: per principal (scope: empty for the node's token, the user for a user's
-- token) and key, a digest of the first request's body and its answer (status and body), kept for the
-- retention time after created_at (epoch milliseconds); then a newer request may take the key again, and a
-- periodic purge deletes the row.
-- Index: the primary key (scope, idem_key) finds a key's record on every request that carries one.
CREATE TABLE IF NOT EXISTS tributary_idempotency_key (
    scope VARCHAR(512) NOT NULL,
    idem_key VARCHAR(255) NOT NULL,
    request_hash VARBINARY(64) NOT NULL,
    status INT NOT NULL,
    response VARBINARY(1000000000) NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

-- Index: created_at lets the purge of expired keys read just the expired rows, oldest first, instead of
-- scanning every key; it costs one more B-tree insert per keyed request, none per event.
CREATE INDEX IF NOT EXISTS tributary_idempotency_key_created ON tributary_idempotency_key (created_at);
