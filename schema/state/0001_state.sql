-- State database: simulator status mirror, activity log, leases and generated secrets.
-- Column names follow the original simulator_state database, plus simulator_id.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.simulator_state (
  id serial PRIMARY KEY,
  service_name varchar(100) NOT NULL DEFAULT 'haystack_simulator',
  last_run_timestamp timestamptz,
  totalizers jsonb,
  status varchar(50) NOT NULL DEFAULT 'stopped',
  config jsonb,
  error_message text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS simulator_id int4;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS org_id int4;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS points_written bigint NOT NULL DEFAULT 0;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS last_duration_ms int4;
CREATE UNIQUE INDEX IF NOT EXISTS ux_simulator_state_simulator ON core.simulator_state (simulator_id);
CREATE INDEX IF NOT EXISTS idx_simulator_state_status ON core.simulator_state (status);

CREATE TABLE IF NOT EXISTS core.simulator_activity_log (
  id serial PRIMARY KEY,
  timestamp timestamptz NOT NULL DEFAULT now(),
  event_type varchar(50) NOT NULL,
  message text NOT NULL,
  details jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE core.simulator_activity_log ADD COLUMN IF NOT EXISTS simulator_id int4;
ALTER TABLE core.simulator_activity_log ADD COLUMN IF NOT EXISTS org_id int4;
CREATE INDEX IF NOT EXISTS idx_simulator_activity_timestamp ON core.simulator_activity_log (timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_simulator_activity_event_type ON core.simulator_activity_log (event_type);
CREATE INDEX IF NOT EXISTS idx_simulator_activity_sim_ts ON core.simulator_activity_log (simulator_id, timestamp DESC);

CREATE TABLE IF NOT EXISTS core.simulator_lease (
  simulator_id int4 PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS core.app_secret (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
