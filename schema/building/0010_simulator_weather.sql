-- core.hs_simulator_weather: a weather file (EPW) uploaded for one site of a simulator, parsed: its
-- LOCATION record and the 8,760 hourly values the model reads instead of synthetic weather
-- (src/simulator/model/weather-file.ts). `site_key` is the site's key in the building ('' for a
-- single-site building); `sha256` is of the uploaded text. Deleted with its simulator; not
-- replicated to secondaries (like hs_simulator).
CREATE TABLE IF NOT EXISTS core.hs_simulator_weather (
  simulator_id int4 NOT NULL REFERENCES core.hs_simulator (simulator_id) ON DELETE CASCADE,
  site_key varchar(40) NOT NULL,
  name varchar(255) NOT NULL,
  sha256 char(64) NOT NULL,
  location jsonb NOT NULL,
  hourly jsonb NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (simulator_id, site_key)
);
