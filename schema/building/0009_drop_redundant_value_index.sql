-- Value history tables lose the (entity_id, ts DESC) index that hs_ensure_value_tables (0002)
-- added beside the (entity_id, ts) key: a B-tree is read backwards as cheaply as forwards, so the
-- key already serves "one point, newest first", and the second index cost every write about a
-- third of the history upsert. Existing indexes are dropped only where we created them: the name
-- hs_ensure_value_tables gave it, exactly that definition (entity_id, ts DESC, not unique, no
-- predicate), on a core table that also has a unique index or primary key on exactly
-- (entity_id, ts) in that order. Any other index (one of an existing core v2 database, or made by
-- hand) is left alone.

-- Creates (idempotently) an org's value tables: core.values_<key> (history) and
-- core.values_<key>_current. Adds the (entity_id, ts) key to existing tables that lack it; refuses
-- (listing them) when existing duplicates prevent the key; adds an (entity_id, ts DESC) index only
-- to a table whose indexes do not lead with (entity_id, ts). With TimescaleDB the history table
-- becomes a hypertable on ts (chunk interval p_chunk); the current table stays plain.
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
  -- Reads of one point, newest first, need an index leading with (entity_id, ts); the key is one,
  -- unless an existing table's key lists ts first.
  IF NOT EXISTS (
    SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'core' AND c.relname = hist AND i.indpred IS NULL AND i.indexprs IS NULL
       AND i.indnkeyatts >= 2
       AND (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = i.indkey[0]) = 'entity_id'
       AND (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = i.indkey[1]) = 'ts') THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON core.%I (entity_id, ts DESC)', 'ix_' || hist || '_entity_ts_desc', hist);
  END IF;

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

DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT ic.relname AS index_name
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_class tc ON tc.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = tc.relnamespace
     WHERE n.nspname = 'core'
       AND ic.relname = 'ix_' || tc.relname || '_entity_ts_desc'
       AND NOT i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
       AND pg_get_indexdef(i.indexrelid) LIKE '% USING btree (entity_id, ts DESC)'
       AND EXISTS (
         SELECT 1 FROM pg_index k
          WHERE k.indrelid = i.indrelid AND (k.indisunique OR k.indisprimary) AND k.indpred IS NULL
            AND k.indexprs IS NULL AND k.indnkeyatts = 2
            AND (SELECT attname FROM pg_attribute WHERE attrelid = k.indrelid AND attnum = k.indkey[0]) = 'entity_id'
            AND (SELECT attname FROM pg_attribute WHERE attrelid = k.indrelid AND attnum = k.indkey[1]) = 'ts')
  LOOP
    EXECUTE format('DROP INDEX core.%I', r.index_name);
  END LOOP;
END $$;
