/**
 * Simulator configuration: one zod schema with defaults, read from JSON or YAML. Besides our own keys
 * it understands the keys of the original simulator's `building_config.yaml` (site, equipment,
 * generation, schedules, setpoints, weather seasons, performance curves) and maps them onto the same
 * resolved building, so an old file keeps working.
 */
import YAML from "yaml";
import { z } from "zod";
import { buildEntities } from "./model/entities.ts";
import { INTERVAL_MINUTES, type IntervalMinutes, isValidTimeZone } from "./model/time.ts";
import type { Building, Fault, Quality } from "./model/types.ts";
import { getTemplate, TEMPLATES } from "./templates/index.ts";

const hhmm = /^([01]?\d|2[0-3]):[0-5]\d$/;
const schedule = z
  .record(
    z.string().refine((k) => k === "default" || hhmm.test(k), 'keys are local times "HH:MM" (or "default")'),
    z.number().min(0).max(1),
  )
  .refine((s) => Object.keys(s).length > 0, "a schedule needs at least one entry");

const temp = z.number().min(-60).max(200);
const setpointPair = z.strictObject({ cooling: temp, heating: temp }).refine((p) => p.cooling > p.heating, {
  message: "cooling setpoint must be above heating setpoint",
  path: ["cooling"],
});
const copCurve = z
  .union([z.array(z.tuple([z.number(), z.number().positive()])), z.record(z.string(), z.number().positive())])
  .transform((c, ctx) => {
    const pairs: Array<[number, number]> = Array.isArray(c)
      ? c.map(([x, y]) => [x, y])
      : Object.entries(c).map(([x, y]) => [Number(x), y]);
    for (const [x] of pairs) {
      if (!(x > 0 && x <= 1.5))
        ctx.addIssue({ code: "custom", message: `part-load ratio ${x} must be in (0, 1.5]` });
    }
    return pairs.sort((a, b) => a[0] - b[0]);
  });

const US_WEEKDAY = {
  "06:00": 0.05,
  "07:00": 0.15,
  "08:00": 0.6,
  "09:00": 0.85,
  "10:00": 0.85,
  "11:00": 0.85,
  "12:00": 0.7,
  "13:00": 0.85,
  "14:00": 0.85,
  "15:00": 0.85,
  "16:00": 0.85,
  "17:00": 0.7,
  "18:00": 0.2,
  "19:00": 0.05,
  "20:00": 0.02,
  "21:00": 0.02,
  "22:00": 0.02,
  "23:00": 0.02,
};
const ORIGINAL_COP_CURVE: Array<[number, number]> = [
  [0.2, 0.3],
  [0.4, 0.7],
  [0.6, 0.95],
  [0.8, 0.95],
  [1, 0.9],
];

const climateSchema = z.strictObject({
  meanTemp: temp.default(55),
  annualAmplitude: z.number().min(0).max(60).default(21),
  diurnalAmplitude: z.number().min(0).max(30).default(8),
  coldestDay: z.number().int().min(1).max(366).default(22),
  anomalyStd: z.number().min(0).max(20).default(6),
  meanDewPoint: temp.default(42),
  dewPointAmplitude: z.number().min(0).max(60).default(22),
  cloudiness: z.number().min(0.01).max(0.99).default(0.5),
});

const meterSchema = z.strictObject({ dis: z.string().min(1).optional() });

const siteSchema = z
  .strictObject({
    key: z
      .string()
      .regex(/^([a-z][a-z0-9]{0,15})?$/, "site key: lower-case letters and digits, starting with a letter")
      .default(""),
    dis: z.string().min(1).max(200).default("Downtown Office Tower"),
    tz: z.string().refine(isValidTimeZone, "unknown IANA time zone").default("America/New_York"),
    area: z.number().positive().max(1e8).default(150_000),
    floors: z.number().int().min(1).max(200).default(12),
    geo: z
      .strictObject({
        addr: z.string().optional(),
        city: z.string().optional(),
        state: z.string().optional(),
        country: z.string().optional(),
        lat: z.number().min(-90).max(90).default(40.71),
        lng: z.number().min(-180).max(180).default(-74.01),
      })
      .prefault({}),
    yearBuilt: z.number().int().min(1800).max(2200).optional(),
    primaryFunction: z.string().min(1).default("Office"),
    weatherStation: z.strictObject({ dis: z.string().min(1).optional() }).prefault({}),
    climate: climateSchema.prefault({}),
    occupancy: z
      .strictObject({
        areaPerPerson: z.number().min(20).max(10_000).default(200),
        weekday: schedule.default(US_WEEKDAY),
        saturday: schedule.default({ default: 0.05 }),
        sunday: schedule.default({ default: 0.05 }),
        holiday: schedule.default({ default: 0.05 }),
        holidayCalendar: z.enum(["us", "none"]).default("us"),
        holidayDates: z.array(z.iso.date()).default([]),
      })
      .prefault({}),
    setpoints: z
      .strictObject({
        occupied: setpointPair.default({ cooling: 72, heating: 70 }),
        unoccupied: setpointPair.default({ cooling: 78, heating: 65 }),
      })
      .prefault({}),
    loads: z
      .strictObject({
        lightingWPerFt2: z.number().min(0).max(10).default(0.8),
        plugWPerFt2: z.number().min(0).max(20).default(1),
      })
      .prefault({}),
    envelopeUaPerFt2: z.number().positive().max(2).default(0.12),
    chillers: z
      .strictObject({
        count: z.number().int().min(0).max(20).default(2),
        capacityTons: z.number().positive().max(5000).default(300),
        manufacturer: z.string().optional(),
        model: z.string().optional(),
        baseCop: z.number().min(1).max(15).default(6.2),
        copCurve: copCurve.default(ORIGINAL_COP_CURVE),
        chwSupplySp: z.number().min(34).max(60).default(44),
      })
      .prefault({}),
    boilers: z
      .strictObject({
        count: z.number().int().min(0).max(20).default(2),
        capacityMbh: z.number().positive().max(100_000).default(2500),
        efficiency: z.number().min(0.5).max(0.99).default(0.88),
        hwSupplySp: z.number().min(90).max(220).default(180),
      })
      .prefault({}),
    airHandlers: z
      .strictObject({
        kind: z.enum(["ahu", "rtu"]).default("ahu"),
        count: z.number().int().min(1).max(200).default(4),
        floorsPerUnit: z.number().int().min(1).max(200).default(3),
        cooling: z.enum(["chw", "dx"]).default("chw"),
        heating: z.enum(["hw", "gas", "none"]).default("hw"),
        economizer: z.boolean().default(true),
        designCfmPerFt2: z.number().positive().max(5).default(0.9),
        oaCfmPerPerson: z.number().min(0).max(100).default(15),
        manufacturer: z.string().optional(),
        model: z.string().optional(),
      })
      .prefault({}),
    vavs: z
      .strictObject({
        zones: z.array(z.string().min(1)).min(1).max(50).default(["North", "South", "East", "West"]),
        maxFlowCfm: z.number().positive().max(50_000).default(2600),
        minFlowRatio: z.number().min(0).max(1).default(0.3),
        reheat: z.enum(["hw", "elec", "none"]).default("hw"),
      })
      .prefault({}),
    meters: z
      .strictObject({
        electric: meterSchema.prefault({}),
        gas: meterSchema.nullable().prefault({}),
        water: meterSchema.nullable().prefault({}),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const ah = s.airHandlers;
    if (ah.kind === "ahu") {
      if (ah.count * ah.floorsPerUnit < s.floors) {
        ctx.addIssue({
          code: "custom",
          path: ["airHandlers", "floorsPerUnit"],
          message: `${ah.count} AHUs × ${ah.floorsPerUnit} floors do not cover ${s.floors} floors`,
        });
      } else if ((ah.count - 1) * ah.floorsPerUnit >= s.floors) {
        ctx.addIssue({
          code: "custom",
          path: ["airHandlers", "count"],
          message: `with ${ah.floorsPerUnit} floors each, ${s.floors} floors need fewer than ${ah.count} AHUs`,
        });
      }
      if (new Set(s.vavs.zones).size !== s.vavs.zones.length) {
        ctx.addIssue({ code: "custom", path: ["vavs", "zones"], message: "zone names must be unique" });
      }
      if (s.vavs.reheat === "hw" && s.boilers.count === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["boilers", "count"],
          message: "hot water reheat needs a boiler",
        });
      }
    } else if (ah.cooling !== "dx") {
      ctx.addIssue({
        code: "custom",
        path: ["airHandlers", "cooling"],
        message: "rooftop units cool with dx",
      });
    }
    if (ah.cooling === "chw" && s.chillers.count === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["chillers", "count"],
        message: "chilled water cooling needs a chiller",
      });
    }
    if (ah.heating === "hw" && s.boilers.count === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["boilers", "count"],
        message: "hot water heating needs a boiler",
      });
    }
  })
  .transform((s) => ({
    ...s,
    weatherStation: { dis: s.weatherStation.dis ?? `${s.dis} Weather Station` },
    meters: {
      electric: { dis: s.meters.electric.dis ?? `${s.dis} Electric Meter` },
      gas: s.meters.gas ? { dis: s.meters.gas.dis ?? `${s.dis} Gas Meter` } : null,
      water: s.meters.water ? { dis: s.meters.water.dis ?? `${s.dis} Water Meter` } : null,
    },
  }));

/** The explicit building description: a name and one or more sites (each with defaults). */
export const buildingSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    sites: z.array(siteSchema).min(1).max(50).prefault([{}]),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.sites.forEach((s, i) => {
      if (b.sites.length > 1 && s.key === "") {
        ctx.addIssue({
          code: "custom",
          path: ["sites", i, "key"],
          message: "every site of a multi-site building needs a key",
        });
      }
      if (seen.has(s.key))
        ctx.addIssue({ code: "custom", path: ["sites", i, "key"], message: "duplicate site key" });
      seen.add(s.key);
    });
  })
  .transform((b): Building => ({ name: b.name ?? b.sites[0]?.dis ?? "Building", sites: b.sites }));

/** What a template or an explicit `building` key may contain (every field optional). */
export type BuildingInput = z.input<typeof buildingSchema>;

const window = {
  target: z.string().min(1),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  label: z.string().max(200).optional(),
};
const faultSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("stuck_damper"),
      ...window,
      position: z.number().min(0).max(100).default(100),
    }),
    z.strictObject({
      type: z.literal("sensor_bias"),
      ...window,
      bias: z.number().min(-100).max(100).default(5),
    }),
    z.strictObject({ type: z.literal("chiller_trip"), ...window }),
    z.strictObject({ type: z.literal("comm_outage"), ...window }),
  ])
  .refine((f) => Date.parse(f.start) < Date.parse(f.end), {
    message: "end must be after start",
    path: ["end"],
  })
  .transform((f) => ({ ...f, start: new Date(f.start).toISOString(), end: new Date(f.end).toISOString() }));

const percent = z.number().min(0).max(100);
const season = z
  .strictObject({ min: temp, max: temp, typical: temp })
  .refine((s) => s.min <= s.typical && s.typical <= s.max, {
    message: "need min <= typical <= max",
  });
const origMeter = z.strictObject({ id: z.string().optional(), name: z.string().min(1).optional() });

/** The whole document: our keys plus the original `building_config.yaml` keys. */
const documentSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  template: z
    .string()
    .refine((t) => getTemplate(t) !== undefined, {
      message: `unknown template; known: ${Object.keys(TEMPLATES).join(", ")}`,
    })
    .optional(),
  building: z.record(z.string(), z.unknown()).optional(),
  intervalMinutes: z.literal(INTERVAL_MINUTES).optional(),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  backfillDays: z.number().int().min(0).max(366).optional(),
  maxGapDays: z.number().int().min(0).max(366).optional(),
  quality: z.strictObject({ stalePercent: percent.default(3), faultPercent: percent.default(2) }).optional(),
  faults: z.array(faultSchema).default([]),
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
});

type Document = z.output<typeof documentSchema>;

/** Sensor noise scale: temperature standard deviation (°F) and relative flow and power deviations. */
export interface NoiseConfig {
  tempStd: number;
  flowRel: number;
  powerRel: number;
}

/** A validated simulator configuration with every default applied and the building resolved. */
export interface SimulatorConfig {
  name: string;
  /** The template the building came from, or null for an explicit building. */
  template: string | null;
  building: Building;
  intervalMinutes: IntervalMinutes;
  seed: number;
  backfillDays: number;
  maxGapDays: number;
  quality: Quality;
  noise: NoiseConfig;
  faults: Array<Fault & { label?: string }>;
}

export interface ConfigIssue {
  /** Dotted path of the offending key (`equipment.chillers.count`, `faults.0.end`); empty for the document. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: SimulatorConfig } | { ok: false; issues: ConfigIssue[] };

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
function originalSitePatch(d: Document): Obj | null {
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

function zodIssues(error: z.ZodError, prefix: Array<string | number> = []): ConfigIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join("."),
    message: i.message,
  }));
}

/** Checks fault targets against the entities of the resolved building. */
function faultIssues(building: Building, faults: Document["faults"]): ConfigIssue[] {
  const entities = new Map(buildEntities(building).map((e) => [e.localId, e]));
  const issues: ConfigIssue[] = [];
  faults.forEach((f, i) => {
    const e = entities.get(f.target);
    const path = `faults.${i}.target`;
    if (!e) {
      issues.push({ path, message: `no entity "${f.target}" in this building` });
      return;
    }
    const ok =
      f.type === "stuck_damper"
        ? e.tags.vav !== undefined
        : f.type === "sensor_bias"
          ? e.tags.point !== undefined &&
            e.tags.sensor !== undefined &&
            e.tags.kind?.kind === "Str" &&
            e.tags.kind.val === "Number"
          : f.type === "chiller_trip"
            ? e.tags.chiller !== undefined && e.tags.equip !== undefined
            : true;
    if (!ok) {
      const need = {
        stuck_damper: "a VAV box",
        sensor_bias: "a numeric sensor point",
        chiller_trip: "a chiller",
      }[f.type as "stuck_damper" | "sensor_bias" | "chiller_trip"];
      issues.push({ path, message: `"${f.target}" is not ${need}` });
    }
  });
  return issues;
}

/**
 * Parses a simulator configuration from JSON or YAML text, or from an already-decoded object.
 *
 * The building is, in order of precedence: the explicit `building`, else the named `template`, else the
 * `office-tower` template; the original `building_config.yaml` keys are then applied on top (only to a
 * single-site building). Our keys win over their original equivalents (`intervalMinutes` over
 * `generation.data_interval_minutes`, `backfillDays` over `generation.days_history`, `quality` over the
 * `*_data_percentage` keys). The original `site.id`, meter ids and `occupancy_type` are accepted and
 * ignored: entity ids are derived from the structure.
 *
 * Never throws: every problem found is returned with the dotted path of its key.
 */
export function parseSimulatorConfig(input: string | unknown): ParseResult {
  let raw: unknown = input;
  if (typeof input === "string") {
    try {
      raw = YAML.parse(input);
    } catch (e) {
      return {
        ok: false,
        issues: [{ path: "", message: `not valid JSON or YAML: ${(e as Error).message}` }],
      };
    }
  }
  if (raw === null || raw === undefined) raw = {};
  const doc = documentSchema.safeParse(raw);
  if (!doc.success) return { ok: false, issues: zodIssues(doc.error) };
  const d = doc.data;

  const issues: ConfigIssue[] = [];
  if (d.building && d.template) {
    issues.push({ path: "template", message: "give either a template or an explicit building, not both" });
  }
  const templateName = d.building ? null : (d.template ?? "office-tower");
  let base: Obj =
    d.building ?? structuredClone((getTemplate(templateName ?? "office-tower")?.building ?? {}) as Obj);
  const patch = originalSitePatch(d);
  if (patch) {
    const sites = Array.isArray(base.sites) ? (base.sites as unknown[]) : [{}];
    if (sites.length !== 1) {
      issues.push({
        path: "site",
        message: "the original building_config keys apply to single-site buildings only",
      });
    } else {
      const site = deepMerge(isObj(sites[0]) ? sites[0] : {}, patch);
      base = { ...base, sites: [site], name: d.site?.name ?? base.name };
    }
  }
  const parsed = buildingSchema.safeParse(base);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, ["building"]));

  const gen = d.generation;
  let quality: Quality;
  if (d.quality) quality = d.quality;
  else if (gen?.good_data_percentage !== undefined) {
    const stale = gen.stale_data_percentage ?? 3;
    quality = { stalePercent: stale, faultPercent: 100 - gen.good_data_percentage - stale };
  } else {
    quality = {
      stalePercent: gen?.stale_data_percentage ?? 3,
      faultPercent: gen?.fault_data_percentage ?? 2,
    };
  }
  if (quality.faultPercent < 0 || quality.stalePercent + quality.faultPercent > 100) {
    issues.push({
      path: d.quality ? "quality" : "generation",
      message: "stale and fault percentages must be non-negative and add up to at most 100",
    });
  }
  if (parsed.success) issues.push(...faultIssues(parsed.data, d.faults));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };

  const building = parsed.data;
  return {
    ok: true,
    config: {
      name: d.name ?? building.name,
      template: templateName,
      building,
      intervalMinutes: d.intervalMinutes ?? gen?.data_interval_minutes ?? 15,
      seed: d.seed ?? 1,
      backfillDays: d.backfillDays ?? gen?.days_history ?? 7,
      maxGapDays: d.maxGapDays ?? 30,
      quality,
      noise: {
        tempStd: gen?.temperature_noise_range === undefined ? 0.12 : gen.temperature_noise_range / 3,
        flowRel: gen?.flow_noise_percentage === undefined ? 0.01 : gen.flow_noise_percentage / 200,
        powerRel: gen?.power_noise_percentage === undefined ? 0.003 : gen.power_noise_percentage / 300,
      },
      faults: d.faults,
    },
  };
}

/** The resolved building of a template. Throws Error for an unknown name (a programming error). */
export function templateBuilding(name: string): Building {
  const t = getTemplate(name);
  if (!t) throw new Error(`unknown template "${name}"`);
  return buildingSchema.parse(structuredClone(t.building));
}
