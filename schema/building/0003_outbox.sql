-- Transactional outbox (primary only): each write to the primary records, in the same
-- transaction, one row per secondary with the change that secondary still needs. Rows are
-- delivered in id order and deleted once the secondary has committed them.
CREATE TABLE IF NOT EXISTS core.hs_outbox (
  id bigserial PRIMARY KEY,
  target text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  change jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_hs_outbox_target_id ON core.hs_outbox (target, id);

-- Per-secondary replication state: when it was added (outbox recording starts then), how far the
-- snapshot copy got, and the last delivery.
CREATE TABLE IF NOT EXISTS core.hs_replica (
  target text PRIMARY KEY,
  added_at timestamptz NOT NULL DEFAULT now(),
  seeded_at timestamptz,
  seed_progress jsonb,
  last_delivered_at timestamptz,
  last_error text
);
