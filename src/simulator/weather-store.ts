/**
 * Weather files of simulators: `core.hs_simulator_weather` (primary), one parsed EPW per site, and
 * how a configuration takes them on (`withWeatherFiles`): the site's `weatherFile` replaces its
 * synthetic weather in the model. Writers bump the simulator's `updated_at`, so every runner
 * (engine, remote) sees a new version and reloads.
 */
import type { Sql } from "../db/index.ts";
import type { SimulatorConfig } from "./config.ts";
import type { EpwLocation, WeatherFile } from "./model/weather-file.ts";

/** What is stored of one upload besides its hourly values. */
export interface WeatherFileMeta {
  site_key: string;
  name: string;
  sha256: string;
  location: EpwLocation;
  uploaded_at: Date;
}

type Hourly = Omit<WeatherFile, "location">;

/** The stored files of a simulator without their hourly values, by site key. */
export function listWeatherMeta(db: Sql, simulatorId: number): Promise<WeatherFileMeta[]> {
  return db.query<WeatherFileMeta>(
    `SELECT site_key, name, sha256, location, uploaded_at FROM core.hs_simulator_weather
      WHERE simulator_id = $1 ORDER BY site_key`,
    [simulatorId],
  );
}

/** The stored files of a simulator, parsed, by site key. */
export async function loadWeatherFiles(db: Sql, simulatorId: number): Promise<Map<string, WeatherFile>> {
  const rows = await db.query<{ site_key: string; location: EpwLocation; hourly: Hourly }>(
    "SELECT site_key, location, hourly FROM core.hs_simulator_weather WHERE simulator_id = $1",
    [simulatorId],
  );
  return new Map(rows.map((r) => [r.site_key, { location: r.location, ...r.hourly }]));
}

/** Stores (replaces) the file of one site and bumps the simulator's version, in one transaction. */
export async function saveWeatherFile(
  tx: Sql,
  o: { simulatorId: number; siteKey: string; name: string; sha256: string; file: WeatherFile; at: Date },
): Promise<void> {
  const { location, ...hourly } = o.file;
  await tx.query(
    `INSERT INTO core.hs_simulator_weather (simulator_id, site_key, name, sha256, location, hourly, uploaded_at)
     VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7)
     ON CONFLICT (simulator_id, site_key) DO UPDATE SET name = EXCLUDED.name, sha256 = EXCLUDED.sha256,
       location = EXCLUDED.location, hourly = EXCLUDED.hourly, uploaded_at = EXCLUDED.uploaded_at`,
    [o.simulatorId, o.siteKey, o.name, o.sha256, JSON.stringify(location), JSON.stringify(hourly), o.at],
  );
  await bumpVersion(tx, o.simulatorId, o.at);
}

/** Removes the file of one site (and bumps the version); false when there was none. */
export async function deleteWeatherFile(
  tx: Sql,
  simulatorId: number,
  siteKey: string,
  at: Date,
): Promise<boolean> {
  const gone = await tx.query(
    "DELETE FROM core.hs_simulator_weather WHERE simulator_id = $1 AND site_key = $2 RETURNING site_key",
    [simulatorId, siteKey],
  );
  if (gone.length > 0) await bumpVersion(tx, simulatorId, at);
  return gone.length > 0;
}

function bumpVersion(tx: Sql, simulatorId: number, at: Date) {
  return tx.query(
    `UPDATE core.hs_simulator SET updated_at = greatest($2, updated_at + interval '1 millisecond')
      WHERE simulator_id = $1`,
    [simulatorId, at],
  );
}

/**
 * The configuration with each site that has a file taking it as its weather. Returns `config` itself
 * when there are none; never mutates it (parsed configurations are shared).
 */
export function withWeatherFiles(
  config: SimulatorConfig,
  files: ReadonlyMap<string, WeatherFile>,
): SimulatorConfig {
  if (files.size === 0) return config;
  return {
    ...config,
    building: {
      ...config.building,
      sites: config.building.sites.map((s) => {
        const f = files.get(s.key);
        return f ? { ...s, weatherFile: f } : s;
      }),
    },
  };
}
