// The key points of a simulated building, as an operator reads them first: the main electric meter,
// the outside air, a zone temperature, and the plant that is working now (cooling in summer,
// heating in winter: a chiller is flat all winter, a boiler all summer). Found by Haystack filters
// on the simulator's first site; the choice is kept per simulator and viewer for a few minutes.
import type { Actor } from "../access/actor.ts";
import { ianaOf, refInfos } from "../catalog/building.ts";
import { type FilterResult, filterEntities } from "../catalog/filter.ts";
import type { AppDeps } from "../http/env.ts";
import { slot } from "../runtime.ts";
import type { SimulatorView } from "../simulator/service.ts";
import { currentValues, trends } from "./building.ts";
import { tagOf } from "./series.ts";

export interface KeyPoint {
  id: number;
  /** A short name for a card (`Main meter`, `Outside air`, `Cooling load`). */
  label: string;
  /** The point's own `dis`. */
  dis: string;
  unit: string | null;
  role: "meter" | "outside" | "zone" | "plant";
}

export interface KeyPoints {
  /** IANA zone of the simulator's first site. */
  tz: string;
  points: KeyPoint[];
}

/** Plant candidates in order of preference; the first one that is running now wins. */
const PLANT: ReadonlyArray<[filter: string, label: string]> = [
  ["chilled and water and cool and load and sensor and equipRef->plant", "Cooling load"],
  ["heat and cmd and equipRef->boiler", "Boiler firing"],
  ["dx and cool and cmd", "DX cooling"],
  ["naturalGas and heat and cmd", "Gas heat"],
];

const CACHE_MS = 5 * 60_000;
interface Found {
  tz: string;
  fixed: KeyPoint[];
  /** Per plant candidate (in order of preference) its points (the boilers of a plant, the RTUs). */
  plant: KeyPoint[][];
}
/** The choices of this process, per simulator and viewer (a slot of deps.runtime). */
const CHOICES = slot(
  "web.key-points",
  () => new Map<string, { at: number; version: string; found: Found }>(),
);

const PT_TAGS = ["id", "dis", "unit"];

async function first(deps: AppDeps, actor: Actor, orgId: number, filter: string, limit = 1) {
  return filterEntities({ deps, actor, input: { filter, orgId, tags: PT_TAGS, limit } });
}

function keyPoint(r: FilterResult, label: string, role: KeyPoint["role"]): KeyPoint {
  return {
    id: r.entity_id,
    label,
    dis: tagOf(r, "dis") ?? tagOf(r, "id") ?? String(r.entity_id),
    unit: tagOf(r, "unit"),
    role,
  };
}

/** The simulator's first site as the viewer sees it (undefined: none visible). */
async function firstSite(deps: AppDeps, actor: Actor, v: SimulatorView): Promise<FilterResult | undefined> {
  const sites = await filterEntities({
    deps,
    actor,
    input: { filter: "site", orgId: v.org_id, tags: ["id", "tz", "weatherStationRef"], limit: 1000 },
  });
  return sites.find((r) => (tagOf(r, "id") ?? "").startsWith(`${v.key}.`));
}

/** Site zones per simulator version and viewer (a slot of deps.runtime). */
const ZONES = slot("web.site-zones", () => new Map<string, { at: number; tz: string }>());

/**
 * The IANA zone of the simulator's first site: the zone its building data is shown in (last
 * interval, next run, backfill form, activity without JavaScript). Kept a few minutes per viewer;
 * UTC when no site is visible or it cannot be read now (primary down, never read before).
 */
export async function siteZone(deps: AppDeps, actor: Actor, v: SimulatorView): Promise<string> {
  const viewer = `${v.id}:${actor.kind}:${actor.userId ?? ""}`;
  const chosen = CHOICES.of(deps).get(viewer);
  if (chosen && chosen.version === v.updated_at) return chosen.found.tz;
  const key = `${viewer}:${v.updated_at}`;
  const zones = ZONES.of(deps);
  const hit = zones.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.tz;
  try {
    const site = await firstSite(deps, actor, v);
    const tz = site ? ianaOf(tagOf(site, "tz")) : "UTC";
    if (zones.size > 1000) zones.clear();
    zones.set(key, { at: Date.now(), tz });
    return tz;
  } catch {
    return hit?.tz ?? "UTC";
  }
}

async function findKeyPoints(deps: AppDeps, actor: Actor, v: SimulatorView): Promise<Found> {
  const site = await firstSite(deps, actor, v);
  if (!site) return { tz: "UTC", fixed: [], plant: [] };
  const siteRef = `@${tagOf(site, "id")}`;
  const ws = site.tags.find((t) => t.tag_name === "weatherStationRef")?.value_ref ?? null;
  const wsRef = ws === null ? undefined : (await refInfos(deps, actor, v.org_id, [ws])).get(ws)?.ref;
  const scoped = (f: string) => `point and siteRef == ${siteRef} and ${f}`;
  const [meter, outside, zone, ...plants] = await Promise.all([
    first(deps, actor, v.org_id, scoped("elec and power and sensor and equipRef->siteMeter")),
    wsRef
      ? first(
          deps,
          actor,
          v.org_id,
          `point and outside and air and temp and sensor and weatherStationRef == @${wsRef}`,
        )
      : Promise.resolve([]),
    first(deps, actor, v.org_id, scoped("zone and air and temp and sensor")),
    ...PLANT.map(([f]) => first(deps, actor, v.org_id, scoped(`(${f})`), 20)),
  ]);
  const fixed: KeyPoint[] = [];
  if (meter?.[0]) fixed.push(keyPoint(meter[0], "Main meter", "meter"));
  if (outside?.[0]) fixed.push(keyPoint(outside[0], "Outside air", "outside"));
  if (zone?.[0]) fixed.push(keyPoint(zone[0], "Zone air", "zone"));
  const plant = plants
    .map((rows, i) => rows.map((r) => keyPoint(r, PLANT[i]![1], "plant")))
    .filter((group) => group.length > 0);
  return { tz: ianaOf(tagOf(site, "tz")), fixed, plant };
}

/** Of the first group with a point above zero, its busiest point (undefined: none above zero). */
function busiestOf(groups: readonly KeyPoint[][], level: (p: KeyPoint) => number): KeyPoint | undefined {
  for (const group of groups) {
    const busiest = group.reduce((a, b) => (level(b) > level(a) ? b : a));
    if (level(busiest) > 0) return busiest;
  }
  return undefined;
}

/** The day's choice of plant per simulator and viewer, kept a few minutes (a slot of deps.runtime). */
const DAY_PLANT = slot("web.key-points.day", () => new Map<string, { at: number; id: number | null }>());

/** The busiest plant point over the 24 h before the simulator's last interval (its highest value). */
async function busiestOfDay(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
  key: string,
  groups: readonly KeyPoint[][],
): Promise<KeyPoint | undefined> {
  const cache = DAY_PLANT.of(deps);
  const all = groups.flat();
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return all.find((p) => p.id === hit.id);
  const to = v.last_interval ? new Date(Date.parse(v.last_interval) + 1000) : deps.clock.now();
  const day = await trends({
    deps,
    actor,
    orgId: v.org_id,
    points: all.map((p) => p.id),
    from: new Date(to.getTime() - 86_400_000),
    to,
    buckets: 96,
  });
  const peak = new Map(
    all.map((p) => [p.id, Math.max(0, ...(day.get(p.id) ?? []).map((x) => Number(x) || 0))]),
  );
  const plant = busiestOf(groups, (p) => peak.get(p.id) ?? 0);
  if (cache.size > 1000) cache.clear();
  cache.set(key, { at: Date.now(), id: plant?.id ?? null });
  return plant;
}

/**
 * The key points of a simulator: main meter, outside air, a zone temperature, and the plant point
 * that is running now (of the first candidate with a point above zero, its busiest point; when none
 * runs now, the same over the day before the last interval; else the first candidate's first point).
 */
export async function keyPoints(deps: AppDeps, actor: Actor, v: SimulatorView): Promise<KeyPoints> {
  // per viewer: what a point filter finds depends on who asks
  const key = `${v.id}:${actor.kind}:${actor.userId ?? ""}`;
  const cache = CHOICES.of(deps);
  const hit = cache.get(key);
  const now = Date.now();
  let found = hit && hit.version === v.updated_at && now - hit.at < CACHE_MS ? hit.found : undefined;
  if (!found) {
    found = await findKeyPoints(deps, actor, v);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { at: now, version: v.updated_at, found });
  }
  // the plant running now: the first candidate with a point above zero, its busiest point
  const candidates = found.plant.flat();
  const cur = candidates.length > 0 ? await currentValues(deps, actor, v.org_id, candidates) : new Map();
  const level = (p: KeyPoint) => Number(cur.get(p.id)?.value ?? 0) || 0;
  let plant = busiestOf(found.plant, level);
  // Nothing runs now (a night, a mild hour): the plant that worked in the day before the last
  // interval, so a winter night shows the boiler rather than a chiller flat all season.
  if (!plant && candidates.length > 0) plant = await busiestOfDay(deps, actor, v, key, found.plant);
  plant ??= found.plant[0]?.[0];
  return { tz: found.tz, points: plant ? [...found.fixed, plant] : [...found.fixed] };
}
