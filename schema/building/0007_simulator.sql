-- Simulators in the primary building database.
-- core.hs_simulator: the readable definition of each simulator (the poller_config row of type
-- 'simulator' holds the same document Fernet-encrypted, for pollers that read it). `key` prefixes
-- the ids of the simulator's entities and is unique per org; `desired_status` is what an operator
-- asked for (running, paused, stopped) and survives restarts.
-- core.hs_simulator_checkpoint: the last interval written and the carried model state (totalizers,
-- zone temperatures, staging), written in the same transaction as that interval's rows: the source
-- of truth for continuity. Neither table is replicated to secondaries.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.hs_simulator (
  simulator_id int4 PRIMARY KEY REFERENCES core.poller_config (poller_id) ON DELETE CASCADE,
  org_id int4 NOT NULL REFERENCES core.org (id),
  key varchar(40) NOT NULL,
  name varchar(255) NOT NULL,
  config jsonb NOT NULL,
  desired_status varchar(20) NOT NULL DEFAULT 'running',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_hs_simulator_key CHECK (key ~ '^[a-z][a-z0-9_-]{0,39}$'),
  CONSTRAINT ck_hs_simulator_desired CHECK (desired_status IN ('running', 'paused', 'stopped'))
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_hs_simulator_org_key ON core.hs_simulator (org_id, key);

CREATE TABLE IF NOT EXISTS core.hs_simulator_checkpoint (
  simulator_id int4 PRIMARY KEY REFERENCES core.hs_simulator (simulator_id) ON DELETE CASCADE,
  last_ts timestamptz NOT NULL,
  first_ts timestamptz NOT NULL,
  state jsonb NOT NULL,
  points_written bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
