-- Ingest: TimescaleDB compression and retention policies for an org's history table. A no-op
-- (returning 'none') where TimescaleDB is not installed or the table is not a hypertable, so it is
-- safe on plain PostgreSQL and PGlite. Every TimescaleDB call goes through EXECUTE, so this
-- function compiles and runs without the extension.
--
-- p_compress_after_days: compress chunks whose data is older than this (NULL: no policy; an
--   existing one is removed). Enables compression first, segmented by entity_id and ordered by
--   ts DESC (the shape of every read: one point, newest first).
-- p_retain_days: drop chunks whose data is older than this (NULL: no policy; removed).
-- A policy whose interval differs from the setting is replaced (add_*_policy with if_not_exists
-- keeps an existing policy unchanged).
CREATE OR REPLACE FUNCTION core.hs_value_policies(p_value_table text, p_compress_after_days int, p_retain_days int)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  rel text;
  existing interval;
  compressed boolean;
BEGIN
  IF p_value_table !~ '^[a-z_][a-z0-9_]{0,54}$' THEN
    RAISE EXCEPTION 'invalid value table %', p_value_table;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RETURN 'none';
  END IF;
  EXECUTE 'SELECT compression_enabled FROM timescaledb_information.hypertables
            WHERE hypertable_schema = $1 AND hypertable_name = $2'
    INTO compressed USING 'core', p_value_table;
  IF compressed IS NULL THEN
    RETURN 'not a hypertable';
  END IF;
  rel := 'core.' || quote_ident(p_value_table);

  IF p_compress_after_days IS NOT NULL THEN
    IF NOT compressed THEN
      EXECUTE format('ALTER TABLE %s SET (timescaledb.compress, timescaledb.compress_segmentby = %L,
                      timescaledb.compress_orderby = %L)', rel, 'entity_id', 'ts DESC');
    END IF;
    EXECUTE 'SELECT (config->>''compress_after'')::interval FROM timescaledb_information.jobs
              WHERE proc_name = ''policy_compression'' AND hypertable_schema = $1 AND hypertable_name = $2'
      INTO existing USING 'core', p_value_table;
    IF existing IS NOT NULL AND existing <> make_interval(days => p_compress_after_days) THEN
      EXECUTE format('SELECT remove_compression_policy(%L::regclass, if_exists => true)', rel);
    END IF;
    EXECUTE format('SELECT add_compression_policy(%L::regclass, compress_after => %L::interval, if_not_exists => true)',
                   rel, make_interval(days => p_compress_after_days));
  ELSE
    EXECUTE format('SELECT remove_compression_policy(%L::regclass, if_exists => true)', rel);
  END IF;

  existing := NULL;
  IF p_retain_days IS NOT NULL THEN
    EXECUTE 'SELECT (config->>''drop_after'')::interval FROM timescaledb_information.jobs
              WHERE proc_name = ''policy_retention'' AND hypertable_schema = $1 AND hypertable_name = $2'
      INTO existing USING 'core', p_value_table;
    IF existing IS NOT NULL AND existing <> make_interval(days => p_retain_days) THEN
      EXECUTE format('SELECT remove_retention_policy(%L::regclass, if_exists => true)', rel);
    END IF;
    EXECUTE format('SELECT add_retention_policy(%L::regclass, drop_after => %L::interval, if_not_exists => true)',
                   rel, make_interval(days => p_retain_days));
  ELSE
    EXECUTE format('SELECT remove_retention_policy(%L::regclass, if_exists => true)', rel);
  END IF;
  RETURN 'applied';
END
$fn$;
