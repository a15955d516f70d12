/**
 * The original simulator's `building_config.yaml` keys (site, equipment, generation, schedules,
 * setpoints, weather seasons, performance curves): their zod shape, merged into the configuration
 * document, and their mapping onto a site of the resolved building, so an old file keeps working.
 */
import { z } from "zod";
import { copCurve, schedule, setpointPair, temp } from "./config-building.ts";
import { INTERVAL_MINUTES, isValidTimeZone } from "./model/time.ts";

export const percent = z.number().min(0).max(100);
const season = z
  .strictObject({ min: temp, max: temp, typical: temp })
  .refine((s) => s.min <= s.typical && s.typical <= s.max, {
    message: "need min <= typical <= max",
  });
const origMeter = z.strictObject({ id: z.string().optional(), name: z.string().min(1).optional() });

/** The original keys of the configuration document (all optional). */
export const originalKeys = {
  site: z
    .strictObject({
      id: z.string().optional(),
      name: z.string().min(1).optional(),
      area: z.number().positive().optional(),
      area_unit: z.enum(["ft²", "ft2", "sqft", "m²", "m2"]).optional(),
      address: z.string().optional(),
      timezone: z.string().refine(isValidTimeZone, "unknown IANA time zone").optional(),
      year_built: z.number().int().optional(),
      primary_function: z.string().optional(),
      occupancy_type: z.string().optional(),
      floors: z.number().int().min(1).max(200).optional(),
      weather_station: z.string().optional(),
    })
    .optional(),
  equipment: z
    .strictObject({
      chillers: z
        .strictObject({
          count: z.number().int().min(0).max(20).optional(),
          capacity: z.number().positive().optional(),
          manufacturer: z.string().optional(),
          model: z.string().optional(),
        })
        .optional(),
      ahus: z
        .strictObject({
          count: z.number().int().min(1).max(200).optional(),
          floors_per_ahu: z.number().int().min(1).optional(),
          manufacturer: z.string().optional(),
          model: z.string().optional(),
        })
        .optional(),
      vav_boxes: z
        .strictObject({
          per_floor: z.number().int().min(1).max(50).optional(),
          zones: z.array(z.string().min(1)).min(1).optional(),
        })
        .optional(),
      meters: z
        .strictObject({
          electric: origMeter.optional(),
          gas: origMeter.optional(),
          water: origMeter.optional(),
        })
        .optional(),
    })
    .optional(),
  generation: z
    .strictObject({
      days_history: z.number().int().min(0).max(366).optional(),
      data_interval_minutes: z.literal(INTERVAL_MINUTES).optional(),
      good_data_percentage: percent.optional(),
      stale_data_percentage: percent.optional(),
      fault_data_percentage: percent.optional(),
      temperature_noise_range: z.number().min(0).max(20).optional(),
      flow_noise_percentage: percent.optional(),
      power_noise_percentage: percent.optional(),
    })
    .optional(),
  schedules: z
    .strictObject({
      weekday: schedule.optional(),
      weekend: schedule.optional(),
      saturday: schedule.optional(),
      sunday: schedule.optional(),
      holiday: schedule.optional(),
    })
    .optional(),
  setpoints: z
    .strictObject({ occupied: setpointPair.optional(), unoccupied: setpointPair.optional() })
    .optional(),
  weather: z
    .strictObject({
      seasons: z.strictObject({ winter: season, spring: season, summer: season, fall: season }).optional(),
    })
    .optional(),
  performance: z
    .strictObject({
      chiller: z
        .strictObject({ cop_curve: copCurve.optional(), base_cop: z.number().min(1).max(15).optional() })
        .optional(),
      vav: z
        .strictObject({
          min_flow_ratio: z.number().min(0).max(1).optional(),
          max_flow_cfm: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
};

const originalSchema = z.strictObject(originalKeys);
/** The original keys of a parsed document. */
export type OriginalDocument = z.output<typeof originalSchema>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function deepMerge(base: Obj, patch: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isObj(b) && isObj(v) ? deepMerge(b, v) : v;
  }
  return out;
}

const ZONE_NAMES = ["North", "South", "East", "West", "Core"];

/** The site fields the original keys set, as a partial site input. */
function originalSitePatch(d: OriginalDocument): Obj | null {
  const p: Obj = {};
  const st = d.site;
  if (st) {
    const m2 = st.area_unit === "m²" || st.area_unit === "m2";
    Object.assign(p, {
      dis: st.name,
      tz: st.timezone,
      area: st.area === undefined ? undefined : m2 ? st.area * 10.7639 : st.area,
      floors: st.floors,
      yearBuilt: st.year_built,
      primaryFunction: st.primary_function,
      geo: st.address ? { addr: st.address } : undefined,
      weatherStation: st.weather_station ? { dis: st.weather_station } : undefined,
    });
  }
  const eq = d.equipment;
  const perf = d.performance;
  if (eq?.chillers || perf?.chiller) {
    p.chillers = {
      count: eq?.chillers?.count,
      capacityTons: eq?.chillers?.capacity,
      manufacturer: eq?.chillers?.manufacturer,
      model: eq?.chillers?.model,
      copCurve: perf?.chiller?.cop_curve,
      baseCop: perf?.chiller?.base_cop,
    };
  }
  if (eq?.ahus) {
    p.airHandlers = {
      count: eq.ahus.count,
      floorsPerUnit: eq.ahus.floors_per_ahu,
      manufacturer: eq.ahus.manufacturer,
      model: eq.ahus.model,
    };
  }
  if (eq?.vav_boxes || perf?.vav) {
    const perFloor = eq?.vav_boxes?.per_floor;
    const zones =
      eq?.vav_boxes?.zones ??
      (perFloor === undefined
        ? undefined
        : Array.from({ length: perFloor }, (_, i) => ZONE_NAMES[i] ?? `Zone ${i + 1}`));
    p.vavs = { zones, minFlowRatio: perf?.vav?.min_flow_ratio, maxFlowCfm: perf?.vav?.max_flow_cfm };
  }
  if (eq?.meters) {
    const m = eq.meters;
    p.meters = {
      electric: m.electric?.name ? { dis: m.electric.name } : undefined,
      gas: m.gas?.name ? { dis: m.gas.name } : undefined,
      water: m.water?.name ? { dis: m.water.name } : undefined,
    };
  }
  if (d.schedules) {
    const sc = d.schedules;
    p.occupancy = {
      weekday: sc.weekday,
      saturday: sc.saturday ?? sc.weekend,
      sunday: sc.sunday ?? sc.weekend,
      holiday: sc.holiday ?? sc.weekend,
    };
  }
  if (d.setpoints) p.setpoints = d.setpoints;
  const seasons = d.weather?.seasons;
  if (seasons) {
    const all = [seasons.winter, seasons.spring, seasons.summer, seasons.fall];
    const mean = all.reduce((a, s) => a + s.typical, 0) / 4;
    const amplitude = Math.max(0, (seasons.summer.typical - seasons.winter.typical) / 2);
    const range = all.reduce((a, s) => a + (s.max - s.min), 0) / 4;
    p.climate = {
      meanTemp: mean,
      annualAmplitude: amplitude,
      diurnalAmplitude: Math.min(30, range / 4),
      anomalyStd: Math.min(20, range / 6),
      meanDewPoint: mean - 13,
      dewPointAmplitude: amplitude,
    };
  }
  return Object.keys(p).length > 0 ? p : null;
}

/**
 * Applies the original site keys of `d` to the single site of `base` (a building input). Returns the
 * patched building input, or an error message when `base` has more than one site.
 */
export function applyOriginalKeys(base: Obj, d: OriginalDocument): { base: Obj } | { error: string } {
  const patch = originalSitePatch(d);
  if (!patch) return { base };
  const sites = Array.isArray(base.sites) ? (base.sites as unknown[]) : [{}];
  if (sites.length !== 1)
    return { error: "the original building_config keys apply to single-site buildings only" };
  const site = deepMerge(isObj(sites[0]) ? sites[0] : {}, patch);
  return { base: { ...base, sites: [site], name: d.site?.name ?? base.name } };
}
