-- Additive columns, constraints and helpers that haystack-sim relies on. Every statement is
-- idempotent; constraints that existing rows could violate are checked first, and the migration
-- stops (changing nothing) with the offending rows listed.

ALTER TABLE core.entity_tag ADD COLUMN IF NOT EXISTS value_unit varchar;
ALTER TABLE core.entity_tag ADD COLUMN IF NOT EXISTS value_kind varchar;
ALTER TABLE core.entity_tag_h ADD COLUMN IF NOT EXISTS value_unit varchar;
ALTER TABLE core.entity_tag_h ADD COLUMN IF NOT EXISTS value_kind varchar;
ALTER TABLE core.org ADD COLUMN IF NOT EXISTS created_at timestamp DEFAULT now();

-- One active tag per (entity, tag).
DO $$
DECLARE dups text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'core' AND indexname = 'ux_entity_tag_active') THEN
    SELECT string_agg(format('entity %s tag %s (%s rows)', entity_id, tag_id, n), '; ')
      INTO dups
      FROM (SELECT entity_id, tag_id, count(*) AS n FROM core.entity_tag
             WHERE disabled_ts IS NULL GROUP BY entity_id, tag_id HAVING count(*) > 1 LIMIT 50) d;
    IF dups IS NOT NULL THEN
      RAISE EXCEPTION 'core.entity_tag has duplicate active tags; resolve them, then migrate again: %', dups;
    END IF;
    CREATE UNIQUE INDEX ux_entity_tag_active ON core.entity_tag (entity_id, tag_id) WHERE disabled_ts IS NULL;
  END IF;
END $$;

-- Unique org keys (they name the value tables).
DO $$
DECLARE dups text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'core' AND indexname = 'ux_org_key') THEN
    SELECT string_agg(format('key %L (%s orgs)', key, n), '; ') INTO dups
      FROM (SELECT key, count(*) AS n FROM core.org WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1) d;
    IF dups IS NOT NULL THEN
      RAISE EXCEPTION 'core.org has duplicate keys; resolve them, then migrate again: %', dups;
    END IF;
    CREATE UNIQUE INDEX ux_org_key ON core.org (key);
  END IF;
END $$;

-- Unique memberships.
DO $$
DECLARE dups text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'core' AND indexname = 'ux_org_user') THEN
    SELECT string_agg(format('user %s org %s', user_id, org_id), '; ') INTO dups
      FROM (SELECT user_id, org_id FROM core.org_user GROUP BY user_id, org_id HAVING count(*) > 1) d;
    IF dups IS NOT NULL THEN
      RAISE EXCEPTION 'core.org_user has duplicate memberships; resolve them, then migrate again: %', dups;
    END IF;
    CREATE UNIQUE INDEX ux_org_user ON core.org_user (user_id, org_id);
  END IF;
END $$;
CREATE UNIQUE INDEX IF NOT EXISTS ux_user_app ON core.user_app (user_id);

-- Lookups by the `id` tag (value_s) and by ref target.
CREATE INDEX IF NOT EXISTS ix_entity_tag_tag_value_s ON core.entity_tag (tag_id, value_s) WHERE disabled_ts IS NULL;
CREATE INDEX IF NOT EXISTS ix_entity_tag_value_ref ON core.entity_tag (value_ref) WHERE value_ref IS NOT NULL;

-- TimescaleDB: enabled when the server offers it (a no-op on plain PostgreSQL and PGlite). The
-- extension must be in shared_preload_libraries; if it is offered but cannot be created, the
-- database is used as plain PostgreSQL.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'timescaledb is available but could not be created (%); using plain tables', SQLERRM;
    END;
  END IF;
END $$;

-- Creates (idempotently) an org's value tables: core.values_<key> (history) and
-- core.values_<key>_current. Adds the (entity_id, ts) key and indexes to existing tables that
-- lack them; refuses (listing them) when existing duplicates prevent the key. With TimescaleDB the
-- history table becomes a hypertable on ts (chunk interval p_chunk); the current table stays plain.
CREATE OR REPLACE FUNCTION core.hs_ensure_value_tables(p_key text, p_chunk interval DEFAULT interval '7 days')
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  hist text := 'values_' || p_key;
  cur text := 'values_' || p_key || '_current';
  dups text;
BEGIN
  IF p_key !~ '^[a-z][a-z0-9_]{0,39}$' THEN
    RAISE EXCEPTION 'invalid org key %', p_key;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS core.%I (
      entity_id int4 NOT NULL, ts timestamp NOT NULL DEFAULT now(), value_n numeric, value_b bool,
      value_s varchar, value_ts timestamp, value_dict jsonb, status varchar,
      PRIMARY KEY (entity_id, ts))', hist);
  EXECUTE format('ALTER TABLE core.%I ADD COLUMN IF NOT EXISTS value_dict jsonb', hist);
  EXECUTE format('ALTER TABLE core.%I ADD COLUMN IF NOT EXISTS status varchar', hist);
  IF NOT EXISTS (
    SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'core' AND c.relname = hist AND (i.indisunique OR i.indisprimary)
       AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)) = ARRAY['entity_id', 'ts']) THEN
    EXECUTE format('SELECT string_agg(format(''entity %%s at %%s'', entity_id, ts), ''; '')
                      FROM (SELECT entity_id, ts FROM core.%I GROUP BY entity_id, ts HAVING count(*) > 1 LIMIT 50) d', hist)
      INTO dups;
    IF dups IS NOT NULL THEN
      RAISE EXCEPTION 'core.% has duplicate (entity_id, ts) rows; resolve them, then migrate again: %', hist, dups;
    END IF;
    EXECUTE format('CREATE UNIQUE INDEX %I ON core.%I (entity_id, ts)', 'ux_' || hist || '_entity_ts', hist);
  END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON core.%I (entity_id, ts DESC)', 'ix_' || hist || '_entity_ts_desc', hist);

  EXECUTE format('CREATE TABLE IF NOT EXISTS core.%I (
      entity_id int4 NOT NULL PRIMARY KEY, ts timestamp NOT NULL DEFAULT now(), value_n numeric, value_b bool,
      value_s varchar, value_ts timestamp, value_dict jsonb, status varchar)', cur);
  EXECUTE format('ALTER TABLE core.%I ADD COLUMN IF NOT EXISTS value_dict jsonb', cur);
  EXECUTE format('ALTER TABLE core.%I ADD COLUMN IF NOT EXISTS status varchar', cur);

  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    -- create_hypertable(relation, time_column, chunk_time_interval, if_not_exists, migrate_data):
    -- the classic signature, supported by every TimescaleDB 2.x.
    EXECUTE format('SELECT create_hypertable(%L::regclass, %L, chunk_time_interval => %L::interval,
                    if_not_exists => TRUE, migrate_data => TRUE)', 'core.' || quote_ident(hist), 'ts', p_chunk);
  END IF;
END
$fn$;

-- Existing orgs get their tables (and the key) ensured too.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT key FROM core.org WHERE key ~ '^[a-z][a-z0-9_]{0,39}$' AND value_table = 'values_' || key LOOP
    PERFORM core.hs_ensure_value_tables(r.key);
  END LOOP;
END $$;
