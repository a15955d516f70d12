/**
 * Weather file verbs: upload a site's EPW weather file (org admin), list the files of a simulator
 * (member), remove one (org admin, the site goes back to synthetic weather), and read them whole
 * (org admin: remote runners). An upload or removal is a new configuration version: the runtime
 * applies it from its next interval and `config_change` is logged.
 */
import { createHash } from "node:crypto";
import type { Actor } from "../../access/actor.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { HOURS_PER_YEAR, hourlyOf, parseEpw, type WeatherFile } from "../model/weather-file.ts";
import { storedConfigOf } from "../stored-config.ts";
import {
  deleteWeatherFile,
  listWeatherMeta,
  loadWeatherFiles,
  saveWeatherFile,
  type WeatherFileMeta,
} from "../weather-store.ts";
import { event, loadFor, now } from "./common.ts";

/**
 * Largest EPW text accepted: a year of hourly records is about 1.6 MB, of 15-minute records 6.5 MB,
 * of 5-minute records about 19.5 MB (finer files are refused for their size; the request body limit,
 * `BODY_LIMIT_MB`, is 32 MB by default).
 */
export const MAX_EPW_BYTES = 24 * 1024 * 1024;

/** A stored weather file as answered. */
export interface WeatherFileView {
  simulator_id: number;
  /** The site's key (`""` for the site of a single-site building). */
  site: string;
  site_dis: string;
  name: string;
  sha256: string;
  location: WeatherFileMeta["location"];
  uploaded_at: string;
  /** Great-circle distance from the site's coordinates to the file's station, km. */
  distance_km: number;
}

/**
 * Stores `text` (an EPW file) as the weather of one site of a simulator, replacing an earlier one.
 * `site` may be omitted for a single-site building. Logs `config_change`.
 * @throws AppError invalid (unknown site; a malformed file: one detail per issue, each naming its
 * line and field), too_large, forbidden.
 */
export async function uploadWeatherFile(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  site?: string;
  name?: string;
  text: string;
}): Promise<WeatherFileView> {
  const { deps, actor, id } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  const site = siteOf(row, opts.site);
  if (opts.text.length > MAX_EPW_BYTES) {
    throw new AppError("too_large", `a weather file may have at most ${MAX_EPW_BYTES} bytes`);
  }
  const r = parseEpw(opts.text);
  if (!r.ok) throw epwInvalid(r.issues);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const given = opts.name?.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  const name = (given || `${r.file.location.city || "weather"}.epw`).slice(0, 255);
  const sha256 = createHash("sha256").update(opts.text).digest("hex");
  const at = now(deps);
  await deps.dbs.primary.transaction((tx) =>
    saveWeatherFile(tx, { simulatorId: id, siteKey: site.key, name, sha256, file: r.file, at }),
  );
  const loc = r.file.location;
  await event(deps, row, "config_change", `Weather file ${name} uploaded for ${site.dis}`, {
    site: site.key,
    name,
    sha256,
    station: `${loc.city}, ${loc.region}, ${loc.country} (${loc.source} ${loc.wmo})`,
    hours: HOURS_PER_YEAR,
    records_per_hour: r.file.recordsPerHour ?? 1,
  });
  return viewOf(id, site, { site_key: site.key, name, sha256, location: loc, uploaded_at: at });
}

/** The weather files of a simulator's sites (member). @throws AppError forbidden. */
export async function listWeatherFiles(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
}): Promise<WeatherFileView[]> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "member");
  const sites = storedConfigOf(row).config.building.sites;
  const metas = await listWeatherMeta(opts.deps.dbs.primary, opts.id);
  return metas.flatMap((m) => {
    const site = sites.find((s) => s.key === m.site_key);
    return site ? [viewOf(opts.id, site, m)] : [];
  });
}

/** The sites of a simulator's building that can take a weather file (member). @throws AppError forbidden. */
export async function weatherSites(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
}): Promise<Array<{ key: string; dis: string; city: string | undefined }>> {
  const row = await loadFor(opts.deps, opts.actor, opts.id, "member");
  return storedConfigOf(row).config.building.sites.map((s) => ({ key: s.key, dis: s.dis, city: s.geo.city }));
}

/**
 * Removes a site's weather file: the site returns to synthetic weather. Logs `config_change`.
 * @throws AppError invalid (unknown site), not_found (no file), forbidden.
 */
export async function removeWeatherFile(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  site?: string;
}): Promise<{ simulator_id: number; site: string; deleted: true }> {
  const { deps, id } = opts;
  const row = await loadFor(deps, opts.actor, id, "admin");
  const site = siteOf(row, opts.site);
  const gone = await deps.dbs.primary.transaction((tx) => deleteWeatherFile(tx, id, site.key, now(deps)));
  if (!gone) throw new AppError("not_found", `site "${site.key}" has no weather file`);
  await event(deps, row, "config_change", `Weather file removed from ${site.dis}: synthetic weather again`, {
    site: site.key,
  });
  return { simulator_id: id, site: site.key, deleted: true };
}

/** Every stored file of a simulator with its hourly values, by site key (org admin: remote runners). */
export async function readWeatherFiles(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  /**
   * `all`: every record of a sub-hourly file (`recordsPerHour` says how many an hour); by default
   * each file as hourly records (`hourlyOf`), what remote runners of older versions read.
   */
  records?: "hourly" | "all";
}): Promise<Record<string, WeatherFile>> {
  await loadFor(opts.deps, opts.actor, opts.id, "admin");
  const files = await loadWeatherFiles(opts.deps.dbs.primary, opts.id);
  return Object.fromEntries(
    [...files].map(([site, f]) => [site, opts.records === "all" ? f : hourlyOf(f)] as const),
  );
}

type Site = { key: string; dis: string; geo: { lat: number; lng: number } };

function siteOf(row: Parameters<typeof storedConfigOf>[0], key: string | undefined): Site {
  const sites = storedConfigOf(row).config.building.sites;
  const names = sites.map((s) => JSON.stringify(s.key)).join(", ");
  if (key === undefined) {
    if (sites.length === 1) return sites[0]!;
    throw siteInvalid(`this building has several sites (${names}): name one`);
  }
  const site = sites.find((s) => s.key === key);
  if (!site) throw siteInvalid(`no site "${key.slice(0, 40)}" in this building (sites: ${names})`);
  return site;
}

function siteInvalid(msg: string): AppError {
  return new AppError("invalid", `site: ${msg}`, [{ loc: ["query", "site"], msg, type: "value_error" }]);
}

function epwInvalid(issues: Array<{ line: number; field?: string; message: string }>): AppError {
  const text = (i: (typeof issues)[number]) => `line ${i.line}${i.field ? `, ${i.field}` : ""}: ${i.message}`;
  return new AppError(
    "invalid",
    `not a valid EPW weather file: ${text(issues[0]!)}`,
    issues.map((i) => ({
      loc: ["body", "file", `line ${i.line}`, ...(i.field ? [i.field] : [])],
      msg: text(i),
      type: "value_error",
    })),
  );
}

function viewOf(id: number, site: Site, m: WeatherFileMeta): WeatherFileView {
  return {
    simulator_id: id,
    site: site.key,
    site_dis: site.dis,
    name: m.name,
    sha256: m.sha256,
    location: m.location,
    uploaded_at: new Date(m.uploaded_at).toISOString(),
    distance_km: Math.round(distanceKm(site.geo, m.location)),
  };
}

/** Haversine distance, km. */
function distanceKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
