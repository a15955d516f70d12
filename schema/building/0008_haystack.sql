-- Haystack protocol state kept in the building database: the pointWrite priority arrays.
-- Primary-only (never replicated to secondaries): these are operator commands to the running
-- simulators and controllers, read from the primary; secondaries only mirror building data and
-- history. The table exists on every building database so any of them can be promoted.
CREATE TABLE IF NOT EXISTS core.hs_point_write (
  entity_id int4 NOT NULL REFERENCES core.entity (id),
  level int2 NOT NULL CHECK (level BETWEEN 1 AND 17),
  value_kind varchar(10) NOT NULL CHECK (value_kind IN ('Number', 'Bool', 'Str')),
  value_n double precision,
  value_unit varchar,
  value_b bool,
  value_s text,
  who text NOT NULL,
  -- The write expires (the level is released) at this instant; null = until released.
  expires_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity_id, level)
);
