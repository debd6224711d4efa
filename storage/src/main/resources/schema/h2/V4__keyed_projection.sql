-- Tributary H2 schema, version 4: the projection keyed by entity. See docs/STORAGE.md ("The projection").

-- One row per entity: the fold the engine needs to fold the entity again (the events its state still
-- depends on, io.tributary.spi.EventCodec list format), the owner of its head and the state's JSON document
-- (UTF-8; null for a deleted entity). A checkpoint upserts the entities changed since the previous one; the
-- engine keeps only a bounded cache of folds in its heap and looks the others up here, by key, in one query per
-- type and commit.
-- Index: the primary key (entity_type, entity_id) is the only index: it serves the lookups by key, the upserts,
-- and the pages of a type in entity id order (queries); no other index, so a checkpoint costs one B-tree
-- update per changed entity.
CREATE TABLE IF NOT EXISTS tributary_entity (
    entity_type VARCHAR(128) NOT NULL,
    entity_id VARCHAR(512) NOT NULL,
    user_id VARCHAR(256),
    fold VARBINARY(1000000000) NOT NULL,
    document VARBINARY(1000000000),
    PRIMARY KEY (entity_type, entity_id)
);

-- The append-only chunks of version 1 are discarded rather than converted: the checkpoint goes back to 0, so
-- the engine folds the whole log once into the new table when it next opens (the log holds everything).
DROP TABLE IF EXISTS tributary_projection;
UPDATE tributary_meta SET val = '0' WHERE name = 'projection.checkpoint';
DELETE FROM tributary_meta WHERE name IN ('projection.high_seq', 'projection.low_seq');
