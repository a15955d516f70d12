/**
 * The zod schema of an explicit building description (our keys): sites with their climate,
 * occupancy schedules, setpoints, chillers, air handlers, VAV boxes and meters, each with defaults.
 * Templates and the `building` key of a simulator configuration are read through it.
 */
import { z } from "zod";
import { isValidTimeZone } from "./model/time.ts";
import type { Building } from "./model/types.ts";

const hhmm = /^([01]?\d|2[0-3]):[0-5]\d$/;
export const schedule = z
  .record(
    z.string().refine((k) => k === "default" || hhmm.test(k), 'keys are local times "HH:MM" (or "default")'),
    z.number().min(0).max(1),
  )
  .refine((s) => Object.keys(s).length > 0, "a schedule needs at least one entry");

export const temp = z.number().min(-60).max(200);
export const setpointPair = z
  .strictObject({ cooling: temp, heating: temp })
  .refine((p) => p.cooling > p.heating, {
    message: "cooling setpoint must be above heating setpoint",
    path: ["cooling"],
  });
export const copCurve = z
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
  /** Climate normals by month (January first): mean dry bulb and mean daily range (max − min), °F. */
  monthlyMeans: z.array(temp).length(12, "twelve monthly values, January first").optional(),
  monthlyRanges: z
    .array(z.number().min(0).max(60))
    .length(12, "twelve monthly values, January first")
    .optional(),
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
        /** Shares of the lighting and plug load left on when the space is empty (after hours). */
        lightingNight: z.number().min(0).max(1).default(0.15),
        plugNight: z.number().min(0).max(1).default(0.5),
      })
      .prefault({}),
    envelopeUaPerFt2: z.number().positive().max(2).default(0.12),
    chillers: z
      .strictObject({
        count: z.number().int().min(0).max(20).default(2),
        capacityTons: z.number().positive().max(5000).default(300),
        manufacturer: z.string().optional(),
        model: z.string().optional(),
        /** Heat rejection: `water` (condenser water and a cooling tower) or `air` (condenser fans). */
        condenser: z.enum(["water", "air"]).default("water"),
        /**
         * COP at rating conditions that the part-load curve scales (the default curve gives 0.9 × at full
         * load): by default 6.2 water-cooled (5.6 at full load, 0.63 kW/ton), 3.45 air-cooled (3.1 at full
         * load, EER 10.6).
         */
        baseCop: z.number().min(1).max(15).optional(),
        copCurve: copCurve.default(ORIGINAL_COP_CURVE),
        chwSupplySp: z.number().min(34).max(60).default(44),
      })
      .transform((c) => ({ ...c, baseCop: c.baseCop ?? (c.condenser === "air" ? 3.45 : 6.2) }))
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
        /** `mixed`: return air and an economizer; `full`: 100 % outside air, once through (laboratories). */
        outsideAir: z.enum(["mixed", "full"]).default("mixed"),
        /** Sensible effectiveness of exhaust-to-supply heat recovery on a `full` unit (0: none). */
        heatRecovery: z.number().min(0).max(0.9).default(0),
        /** `scheduled`: occupied mode follows occupancy; `continuous`: occupied 24/7 (laboratories). */
        operation: z.enum(["scheduled", "continuous"]).default("scheduled"),
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
        /** Fume hoods per zone (laboratories) and each hood's exhaust at full sash, cfm. */
        fumeHoods: z.number().int().min(0).max(20).default(0),
        fumeHoodCfm: z.number().positive().max(5000).default(1000),
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
    } else if (ah.outsideAir === "full") {
      ctx.addIssue({
        code: "custom",
        path: ["airHandlers", "outsideAir"],
        message: "100 % outside air is modelled for central AHUs with VAV boxes",
      });
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
