-- Tributary PostgreSQL schema, version 1. See docs/STORAGE.md ("PostgreSQL") and docs/SCALING.md.
-- Several nodes share these tables; every one of them runs this script on open (under an advisory lock, once).

-- The event log: one row per event, written by every node.
-- position = (id of the writing transaction << 20) + the event's ordinal in the transaction's one insert, so the
-- positions of one transaction are contiguous and a later transaction's are higher; readers read only below the
-- visibility horizon (the oldest transaction still running, shifted the same way), under which nothing can commit
-- any more. body is the whole event in the format of io.tributary.spi.EventCodec; origin, origin_seq and user_id
-- repeat what the body holds for the constraints, the vector and row-level security.
-- Index: the primary key on position: appends go to the right edge of one B-tree, reads page along it.
-- Index: UNIQUE (origin, origin_seq): an event is stored once, whichever node relays it; it also finds where an
-- origin's events start (reading what a vector lacks) and the events a fill replaces.
-- No index on user_id: only erasure looks rows up by it, and a third index on the hottest table costs every append.
CREATE TABLE IF NOT EXISTS tributary_event (
    position BIGINT NOT NULL PRIMARY KEY,
    origin TEXT NOT NULL,
    origin_seq BIGINT NOT NULL,
    user_id TEXT,
    body BYTEA NOT NULL,
    CONSTRAINT tributary_event_address UNIQUE (origin, origin_seq)
);

-- The version vector: per origin, the highest sequence stored. Updated in the transaction of every append that
-- adds events of the origin, and locked (SELECT ... FOR UPDATE) by it first: appends of one origin through several
-- nodes run one after the other, so each sees the sequence the previous one reached (no gap, nothing twice).
-- Index: the primary key on origin.
CREATE TABLE IF NOT EXISTS tributary_vector (
    origin TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- The ids of events written with an id of the writer's choosing, inserted in the append's transaction.
-- Index: the primary key on id is the lookup of a repeated write.
CREATE TABLE IF NOT EXISTS tributary_event_id (
    id UUID NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
);

-- The projection: one row per entity, folded by the nodes and merged under the row's lock when several save it.
-- fold is the engine's encoded fold; document is the entity's state as JSON (NULL when deleted), for plain SQL.
-- Keys use the "C" collation, so that their order is the byte order of their UTF-8, which is the order of
-- Java's String.compareTo but for characters above U+FFFF against U+E000..U+FFFF (see docs/STORAGE.md).
-- Index: the primary key (entity_type, entity_id) serves the lookups of a commit's entities and the keyset pages.
CREATE TABLE IF NOT EXISTS tributary_entity (
    entity_type TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT,
    fold BYTEA NOT NULL,
    document JSONB,
    PRIMARY KEY (entity_type, entity_id)
);

-- The projection checkpoint of each node (the position its saved folds cover), a row per node.
-- Index: the primary key on node.
CREATE TABLE IF NOT EXISTS tributary_checkpoint (
    node TEXT NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
);

-- Detected conflicts, for audit: both sides and the winner (EventCodec conflict format); the owners of both events
-- for row-level security and erasure.
-- Index: the primary key on the incoming event's id makes recording a conflict idempotent.
-- Index: incoming_position serves the pages of the conflict list, which are in that order.
CREATE TABLE IF NOT EXISTS tributary_conflict (
    incoming_id UUID NOT NULL PRIMARY KEY,
    entity_type TEXT NOT NULL,
    incoming_position BIGINT NOT NULL,
    incoming_user_id TEXT,
    head_user_id TEXT,
    body BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS tributary_conflict_position ON tributary_conflict (incoming_position);

-- Local events an upstream refused permanently, kept until replayed or deleted.
-- Index: the primary key (origin, origin_seq) addresses a dead letter and orders the pages of the list.
CREATE TABLE IF NOT EXISTS tributary_dead_letter (
    origin TEXT NOT NULL,
    origin_seq BIGINT NOT NULL,
    user_id TEXT,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    rejected_at BIGINT NOT NULL,
    position BIGINT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (origin, origin_seq)
);

-- The HTTP API's idempotency keys (scope: empty for the node's token, the user for a user's token).
-- Index: the primary key (scope, idem_key) finds a key's record on every request that carries one.
-- Index: created_at lets the purge read only the expired rows.
CREATE TABLE IF NOT EXISTS tributary_idempotency_key (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status INT NOT NULL,
    response BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX IF NOT EXISTS tributary_idempotency_key_created ON tributary_idempotency_key (created_at);

-- The origin id of each node that shares the database, by the node's name: each node writes with its own.
-- Index: the primary key on node.
CREATE TABLE IF NOT EXISTS tributary_node (
    node TEXT NOT NULL PRIMARY KEY,
    origin TEXT NOT NULL UNIQUE
);

-- Row-level security. Roles are cluster-wide: they are created once, by whichever database gets them first. The
-- role that runs this script needs CREATEROLE then, unless an administrator created both roles and granted them to
-- it beforehand (then this block changes nothing).
-- tributary_node: the nodes' view, every row. The role that runs the nodes (the owner of these tables) is made a
-- member here; membership, never a setting, is what opens every row.
-- tributary_app: what an application role reading the tables with plain SQL is granted; it sees the rows whose
-- user_id equals the transaction's tributary.user_id setting (set_config('tributary.user_id', $1, true)).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tributary_node') THEN
        CREATE ROLE tributary_node NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tributary_app') THEN
        CREATE ROLE tributary_app NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, 'tributary_node', 'MEMBER') THEN
        EXECUTE format('GRANT tributary_node TO %I', current_user);
    END IF;
    -- PostgresStorage.asUser takes this role for a transaction (SET LOCAL ROLE)
    IF NOT pg_has_role(current_user, 'tributary_app', 'MEMBER') THEN
        EXECUTE format('GRANT tributary_app TO %I', current_user);
    END IF;
END
$$;

GRANT SELECT ON tributary_event, tributary_entity, tributary_conflict, tributary_dead_letter,
    tributary_idempotency_key TO tributary_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tributary_node;

-- The policies evaluate pg_has_role and the setting once per statement (the sub-selects), not once per row.
ALTER TABLE tributary_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE tributary_event FORCE ROW LEVEL SECURITY;
CREATE POLICY tributary_event_access ON tributary_event
    USING ((SELECT pg_has_role(current_user, 'tributary_node', 'MEMBER'))
        OR user_id = (SELECT current_setting('tributary.user_id', true)));

ALTER TABLE tributary_entity ENABLE ROW LEVEL SECURITY;
ALTER TABLE tributary_entity FORCE ROW LEVEL SECURITY;
CREATE POLICY tributary_entity_access ON tributary_entity
    USING ((SELECT pg_has_role(current_user, 'tributary_node', 'MEMBER'))
        OR user_id = (SELECT current_setting('tributary.user_id', true)));

ALTER TABLE tributary_conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE tributary_conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY tributary_conflict_access ON tributary_conflict
    USING ((SELECT pg_has_role(current_user, 'tributary_node', 'MEMBER'))
        OR (incoming_user_id = (SELECT current_setting('tributary.user_id', true))
            AND (head_user_id IS NULL OR head_user_id = (SELECT current_setting('tributary.user_id', true)))));

ALTER TABLE tributary_dead_letter ENABLE ROW LEVEL SECURITY;
ALTER TABLE tributary_dead_letter FORCE ROW LEVEL SECURITY;
CREATE POLICY tributary_dead_letter_access ON tributary_dead_letter
    USING ((SELECT pg_has_role(current_user, 'tributary_node', 'MEMBER'))
        OR user_id = (SELECT current_setting('tributary.user_id', true)));

ALTER TABLE tributary_idempotency_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE tributary_idempotency_key FORCE ROW LEVEL SECURITY;
CREATE POLICY tributary_idempotency_key_access ON tributary_idempotency_key
    USING ((SELECT pg_has_role(current_user, 'tributary_node', 'MEMBER'))
        OR scope = (SELECT current_setting('tributary.user_id', true)));
