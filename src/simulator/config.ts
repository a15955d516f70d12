/**
 * Simulator configuration: one zod schema with defaults, read from JSON or YAML. The document has our
 * keys (this file; the building description in `config-building.ts`) and the keys of the original
 * simulator's `building_config.yaml` (`config-legacy.ts`), which map onto the same resolved building,
 * so an old file keeps working.
 */
import YAML from "yaml";
import { z } from "zod";
import { buildingSchema } from "./config-building.ts";
import { applyOriginalKeys, originalKeys, percent } from "./config-legacy.ts";
import { buildEntities } from "./model/entities.ts";
import { benchmarkFaults, targetProblem } from "./model/faults.ts";
import { INTERVAL_MINUTES, type IntervalMinutes } from "./model/time.ts";
import type { Building, Fault, Quality } from "./model/types.ts";
import { getTemplate, TEMPLATES } from "./templates/index.ts";

export { type BuildingInput, buildingSchema } from "./config-building.ts";

const window = {
  target: z.string().min(1),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  label: z.string().max(200).optional(),
};
const position = z.number().min(0).max(100);
const faultSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("stuck_damper"), ...window, position: position.default(100) }),
    z.strictObject({
      type: z.literal("sensor_bias"),
      ...window,
      bias: z.number().min(-100).max(100).default(5),
    }),
    z.strictObject({
      type: z.literal("sensor_drift"),
      ...window,
      perDay: z.number().min(-50).max(50).default(0.2),
    }),
    z.strictObject({
      type: z.literal("leaking_valve"),
      ...window,
      fraction: z.number().min(0).max(1).default(0.15),
    }),
    z.strictObject({ type: z.literal("stuck_valve"), ...window, position: position.default(30) }),
    z.strictObject({ type: z.literal("economizer_stuck"), ...window, position: position.default(0) }),
    z.strictObject({ type: z.literal("simultaneous_heat_cool"), ...window, position: position.default(40) }),
    z.strictObject({ type: z.literal("chiller_short_cycle"), ...window }),
    z.strictObject({ type: z.literal("chiller_trip"), ...window }),
    z.strictObject({ type: z.literal("schedule_override"), ...window }),
    z.strictObject({ type: z.literal("fan_failure"), ...window }),
    z.strictObject({ type: z.literal("meter_dropout"), ...window }),
    z.strictObject({ type: z.literal("comm_outage"), ...window }),
    z.strictObject({ type: z.literal("hunting"), ...window, gain: z.number().min(1).max(50).default(5) }),
  ])
  .refine((f) => Date.parse(f.start) < Date.parse(f.end), {
    message: "end must be after start",
    path: ["end"],
  })
  .transform((f) => ({ ...f, start: new Date(f.start).toISOString(), end: new Date(f.end).toISOString() }));

/** Data-quality episodes (`model/quality.ts`): rare by default. */
const QUALITY_DEFAULT: Quality = { stalePercent: 0.5, faultPercent: 0.2 };
const qualitySchema = z.strictObject({
  stalePercent: percent.default(QUALITY_DEFAULT.stalePercent),
  faultPercent: percent.default(QUALITY_DEFAULT.faultPercent),
  offlineMinutes: z.number().min(1).max(10_080).optional(),
  sensorFailureHours: z.number().min(0.1).max(8760).optional(),
  networkPercent: percent.optional(),
  networkMinutes: z.number().min(1).max(10_080).optional(),
});

/** The optional FDD benchmark scenario: a documented mix of catalogue faults for each year of a span. */
const scenarioSchema = z
  .strictObject({
    type: z.literal("fdd-benchmark"),
    fromYear: z.number().int().min(2000).max(2100).default(2020),
    toYear: z.number().int().min(2000).max(2100).default(2035),
  })
  .refine((sc) => sc.fromYear <= sc.toYear, {
    message: "toYear must not be before fromYear",
    path: ["toYear"],
  });

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
  quality: qualitySchema.optional(),
  faults: z.array(faultSchema).default([]),
  faultScenario: scenarioSchema.optional(),
  ...originalKeys,
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
  /** The configured faults, then those of the fault scenario (labelled with its name). */
  faults: Fault[];
  /** The fault scenario expanded into `faults`, or null. */
  faultScenario: "fdd-benchmark" | null;
}

export interface ConfigIssue {
  /** Dotted path of the offending key (`equipment.chillers.count`, `faults.0.end`); empty for the document. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: SimulatorConfig } | { ok: false; issues: ConfigIssue[] };

type Obj = Record<string, unknown>;

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
    if (!e) issues.push({ path, message: `no entity "${f.target}" in this building` });
    else {
      const problem = targetProblem(f.type, e);
      if (problem) issues.push({ path, message: problem });
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
  const applied = applyOriginalKeys(base, d);
  if ("error" in applied) issues.push({ path: "site", message: applied.error });
  else base = applied.base;
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
      stalePercent: gen?.stale_data_percentage ?? QUALITY_DEFAULT.stalePercent,
      faultPercent: gen?.fault_data_percentage ?? QUALITY_DEFAULT.faultPercent,
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
  const seed = d.seed ?? 1;
  const scenario: Fault[] = [];
  if (d.faultScenario) {
    for (let y = d.faultScenario.fromYear; y <= d.faultScenario.toYear; y++)
      scenario.push(...benchmarkFaults(building, seed, y).map((f) => ({ ...f, label: "fdd-benchmark" })));
  }
  return {
    ok: true,
    config: {
      name: d.name ?? building.name,
      template: templateName,
      building,
      intervalMinutes: d.intervalMinutes ?? gen?.data_interval_minutes ?? 15,
      seed,
      backfillDays: d.backfillDays ?? gen?.days_history ?? 7,
      maxGapDays: d.maxGapDays ?? 30,
      quality,
      noise: {
        tempStd: gen?.temperature_noise_range === undefined ? 0.12 : gen.temperature_noise_range / 3,
        flowRel: gen?.flow_noise_percentage === undefined ? 0.01 : gen.flow_noise_percentage / 200,
        powerRel: gen?.power_noise_percentage === undefined ? 0.003 : gen.power_noise_percentage / 300,
      },
      faults: [...d.faults, ...scenario],
      faultScenario: d.faultScenario ? d.faultScenario.type : null,
    },
  };
}

/** The resolved building of a template. Throws Error for an unknown name (a programming error). */
export function templateBuilding(name: string): Building {
  const t = getTemplate(name);
  if (!t) throw new Error(`unknown template "${name}"`);
  return buildingSchema.parse(structuredClone(t.building));
}
