-- Indexes the filter compiler (src/haystack/filter/sql.ts) and the set-based visibility reads
-- (visibleEntityArmsSql in src/access/actor.ts) rely on to read in entity order:
-- - the active rows of a tag by entity, carrying value_ref and value_kind: a tag test or a ref
--   step is an index-only scan in entity_id order, so the steps of a filter merge with each other
--   and with the org's grants (unique on org_id, entity_id) without hashing or sorting, and a
--   limited query (ORDER BY id LIMIT n) stops after n matches;
-- - the active entities by id, for the active check in the same merge.
-- Additive and idempotent; safe on an existing core v2 database.
CREATE INDEX IF NOT EXISTS ix_entity_tag_tag_entity ON core.entity_tag (tag_id, entity_id)
  INCLUDE (value_ref, value_kind) WHERE disabled_ts IS NULL;
CREATE INDEX IF NOT EXISTS ix_entity_active ON core.entity (id) WHERE disabled_ts IS NULL;
-- Statistics of which kinds and units each tag's rows hold together: a filter's kind and unit
-- tests (`value_kind = 'Number' AND value_unit = '°F'` on the rows of one tag) are estimated
-- together instead of as independent conditions (which made `curVal > 80°F` at 100k entities an
-- estimate of 1 row for 33,000, and a nested loop of 886 million comparisons in a limited read).
CREATE STATISTICS IF NOT EXISTS core.st_entity_tag_kind (mcv, dependencies)
  ON tag_id, value_kind, value_unit FROM core.entity_tag;
