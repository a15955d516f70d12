-- Indexes the filter compiler (src/haystack/filter/sql.ts) relies on for ref paths: a ref step
-- looks for the rows of a tag that hold a ref in another form than value_ref (an id string, a List
-- of refs) or a Dict to step into. Those rows are rare, so each form gets a small partial index by
-- tag, and the step reads them by index (with ix_entity_tag_tag_value_s for the strings) instead of
-- scanning every row of the tag. Additive and idempotent; safe on an existing core v2 database.
CREATE INDEX IF NOT EXISTS ix_entity_tag_list ON core.entity_tag (tag_id)
  WHERE disabled_ts IS NULL AND value_list IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_entity_tag_dict ON core.entity_tag (tag_id)
  WHERE disabled_ts IS NULL AND value_dict IS NOT NULL;
