/**
 * The fault catalogue: which faults are active at an instant and what they do to the physics
 * (`faultEffects`, read by `generate.ts`), the ground truth of a set of faults over a time range
 * (`faultRecords`: one record per fault with its equipment, the points that show it, onset, end and
 * severity), and the optional "FDD benchmark" scenario of a building (`benchmarkFaults`). Pure.
 */

import { findUnit } from "../../haystack/units.ts";
import { ids, pointId } from "./ids.ts";
import { uniform } from "./noise.ts";
import type { Building, Entity, Fault, FaultType, TagValue } from "./types.ts";

/** What the faults active at one instant do, by target local id. */
export interface FaultEffects {
  /** Additive offsets on sensor readings (bias, or drift × days since onset), by point. */
  bias: Map<string, number>;
  stuckDamper: Map<string, number>;
  leakingValve: Map<string, number>;
  stuckValve: Map<string, number>;
  oaStuck: Map<string, number>;
  heatCool: Map<string, number>;
  shortCycle: Set<string>;
  tripped: Set<string>;
  scheduleOverride: Set<string>;
  fanFailed: Set<string>;
  meterDropout: Set<string>;
  outage: Set<string>;
  /** Mistuned loops: the gain multiple of each target's PI controller. */
  mistune: Map<string, number>;
}

/** Whether a fault is active at the interval ending `ts` (`start ≤ ts < end`). */
export function isActive(f: Fault, ts: Date): boolean {
  const t = ts.getTime();
  return Date.parse(f.start) <= t && t < Date.parse(f.end);
}

/** The effects of the faults active at `ts`. */
export function faultEffects(faults: readonly Fault[], ts: Date): FaultEffects {
  const fx: FaultEffects = {
    bias: new Map(),
    stuckDamper: new Map(),
    leakingValve: new Map(),
    stuckValve: new Map(),
    oaStuck: new Map(),
    heatCool: new Map(),
    shortCycle: new Set(),
    tripped: new Set(),
    scheduleOverride: new Set(),
    fanFailed: new Set(),
    meterDropout: new Set(),
    outage: new Set(),
    mistune: new Map(),
  };
  const addBias = (id: string, b: number) => fx.bias.set(id, (fx.bias.get(id) ?? 0) + b);
  for (const f of faults) {
    if (!isActive(f, ts)) continue;
    switch (f.type) {
      case "sensor_bias":
        addBias(f.target, f.bias);
        break;
      case "sensor_drift":
        addBias(f.target, (f.perDay * (ts.getTime() - Date.parse(f.start))) / 86_400_000);
        break;
      case "stuck_damper":
        fx.stuckDamper.set(f.target, f.position);
        break;
      case "leaking_valve":
        fx.leakingValve.set(f.target, f.fraction);
        break;
      case "stuck_valve":
        fx.stuckValve.set(f.target, f.position);
        break;
      case "economizer_stuck":
        fx.oaStuck.set(f.target, f.position);
        break;
      case "simultaneous_heat_cool":
        fx.heatCool.set(f.target, f.position);
        break;
      case "chiller_short_cycle":
        fx.shortCycle.add(f.target);
        break;
      case "chiller_trip":
        fx.tripped.add(f.target);
        break;
      case "schedule_override":
        fx.scheduleOverride.add(f.target);
        break;
      case "fan_failure":
        fx.fanFailed.add(f.target);
        break;
      case "meter_dropout":
        fx.meterDropout.add(f.target);
        break;
      case "comm_outage":
        fx.outage.add(f.target);
        break;
      case "hunting":
        fx.mistune.set(f.target, f.gain);
        break;
    }
  }
  return fx;
}

/** The kind of target each fault type needs (checked by the configuration against the entities). */
export const FAULT_TARGETS: Record<
  FaultType,
  "vav" | "sensor" | "ahu" | "chwAhu" | "chiller" | "meter" | "loop" | "any"
> = {
  stuck_damper: "vav",
  sensor_bias: "sensor",
  sensor_drift: "sensor",
  leaking_valve: "chwAhu",
  stuck_valve: "ahu",
  economizer_stuck: "ahu",
  simultaneous_heat_cool: "ahu",
  chiller_short_cycle: "chiller",
  chiller_trip: "chiller",
  schedule_override: "ahu",
  fan_failure: "ahu",
  meter_dropout: "meter",
  comm_outage: "any",
  hunting: "loop",
};

/** Whether `e` is a valid target of a fault type; a message naming what it needs otherwise. */
export function targetProblem(type: FaultType, e: Entity): string | null {
  const t = e.tags;
  const isNumSensor = !!t.point && !!t.sensor && t.kind?.kind === "Str" && t.kind.val === "Number";
  const need = FAULT_TARGETS[type];
  const ok =
    need === "vav"
      ? !!t.vav && !!t.equip
      : need === "sensor"
        ? isNumSensor && !t.hisTotalized
        : need === "ahu"
          ? !!t.ahu && !!t.equip
          : need === "chwAhu"
            ? !!t.ahu && !!t.equip && !!t.chilledWaterCool
            : need === "chiller"
              ? !!t.chiller && !!t.equip
              : need === "meter"
                ? !!t.meter && !!t.equip
                : need === "loop"
                  ? !!t.equip && (!!t.vav || !!t.chiller || !!t.ahu)
                  : true;
  if (ok) return null;
  const what = {
    vav: "a VAV box",
    sensor: "a numeric (non-totalizer) sensor point",
    ahu: "an air handler or rooftop unit",
    chwAhu: "an air handler with a chilled water coil",
    chiller: "a chiller",
    meter: "a meter",
    loop: "a VAV box, an air handler, a rooftop unit or a chiller",
    any: "",
  }[need];
  return `"${e.localId}" is not ${what}`;
}

/** Ground truth of one injected fault. */
export interface FaultRecord {
  /**
   * Stable id of the record: `fault-<type>-<8 hex>`, the hex a hash of the fault's type, target and
   * onset, so it stays the same when other faults are added to or taken from the configuration
   * (a scoring tool keeps its labels); a second fault of the same type, target and onset gets `-2`…
   */
  id: string;
  type: FaultType;
  label: string | null;
  /** The equipment at fault (local id). */
  equip: string;
  /** The points whose data show the fault (local ids). */
  points: string[];
  /** Onset and end (exclusive), ISO UTC. */
  start: string;
  end: string;
  /** The fault's magnitude in `severityUnit` (damper or valve position %, bias °F, fraction…). */
  severity: number;
  severityUnit: string;
}

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The stable ids of configured faults (see `FaultRecord.id`), in their order. */
export function faultIds(faults: readonly Pick<Fault, "type" | "target" | "start">[]): string[] {
  const seen = new Map<string, number>();
  return faults.map((f) => {
    const base = `fault-${f.type}-${fnv1a(`${f.type}|${f.target}|${new Date(f.start).toISOString()}`)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/**
 * The ground truth as Haystack entities, one `fault` entity per record (local id = record id):
 * `equipRef` and `siteRef` of the equipment at fault, `pointRefs` (the evidence points), `faultType`,
 * `faultStart`/`faultEnd` (DateTime, end exclusive), `severity` (Number, with its unit when the unit
 * database knows it, else `severityUnit`), `faultLabel`.
 */
export function faultEntities(records: readonly FaultRecord[], entities: readonly Entity[]): Entity[] {
  const byId = new Map(entities.map((e) => [e.localId, e]));
  return records.map((r) => {
    const equip = byId.get(r.equip);
    const tags: Record<string, TagValue> = {
      fault: { kind: "Marker" },
      equipRef: { kind: "Ref", localId: r.equip },
      pointRefs: { kind: "RefList", localIds: r.points },
      faultType: { kind: "Str", val: r.type },
      faultStart: { kind: "DateTime", val: r.start },
      faultEnd: { kind: "DateTime", val: r.end },
    };
    const site = equip?.tags.siteRef;
    if (site?.kind === "Ref") tags.siteRef = site;
    if (r.severityUnit === "" || findUnit(r.severityUnit)) {
      tags.severity = r.severityUnit
        ? { kind: "Number", val: r.severity, unit: r.severityUnit }
        : { kind: "Number", val: r.severity };
    } else {
      tags.severity = { kind: "Number", val: r.severity };
      tags.severityUnit = { kind: "Str", val: r.severityUnit };
    }
    if (r.label) tags.faultLabel = { kind: "Str", val: r.label };
    return { localId: r.id, dis: `${r.type.replaceAll("_", " ")} on ${equip?.dis ?? r.equip}`, tags };
  });
}

/** Ground truth as CSV (RFC 4180), one row per record, points separated by spaces. */
export function faultRecordsCsv(
  records: readonly FaultRecord[],
  idOf: (localId: string) => string = (x) => x,
): string {
  const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = ["id,type,label,equip,points,start,end,severity,severity_unit"];
  for (const r of records) {
    lines.push(
      [
        q(idOf(r.id)),
        r.type,
        q(r.label ?? ""),
        q(idOf(r.equip)),
        q(r.points.map(idOf).join(" ")),
        r.start,
        r.end,
        String(r.severity),
        q(r.severityUnit),
      ].join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

const EVIDENCE: Record<FaultType, string[]> = {
  stuck_damper: ["flow", "dmp", "flowsp", "zat"],
  sensor_bias: [],
  sensor_drift: [],
  leaking_valve: ["dat", "mat", "cool", "heat"],
  stuck_valve: ["dat", "datsp", "cool"],
  economizer_stuck: ["oad", "mat", "rat", "dat", "cool"],
  simultaneous_heat_cool: ["heat", "cool", "dat"],
  chiller_short_cycle: ["enable", "run", "power", "chwlt"],
  chiller_trip: ["enable", "run", "power"],
  schedule_override: ["fanCmd", "fanSts", "flow", "power"],
  fan_failure: ["fanCmd", "fanSts", "flow", "dsp", "power"],
  meter_dropout: ["power", "energy", "flow", "volume"],
  comm_outage: [],
  hunting: [],
};

/** The points of a hunting loop by its equipment: the loop's process value, setpoint and output. */
function loopEvidence(target: Entity | undefined): string[] {
  const t = target?.tags ?? {};
  if (t.vav) return ["flow", "flowsp", "dmp"];
  // A rooftop unit's zone loops: zone temperature against its setpoint, compressor and economizer.
  if (t.rtu) return ["zat", "zatsp", "cool", "oad"];
  if (t.chiller) return ["chwlt", "load", "power"];
  return ["dat", "datsp", "cool"];
}

function severityOf(f: Fault, unitOf: (id: string) => string): { severity: number; unit: string } {
  switch (f.type) {
    case "stuck_damper":
    case "stuck_valve":
    case "economizer_stuck":
    case "simultaneous_heat_cool":
      return { severity: f.position, unit: "%" };
    case "sensor_bias":
      return { severity: f.bias, unit: unitOf(f.target) };
    case "sensor_drift":
      return { severity: f.perDay, unit: `${unitOf(f.target)}/day` };
    case "leaking_valve":
      return { severity: f.fraction, unit: "fraction" };
    case "hunting":
      return { severity: f.gain, unit: "" };
    default:
      return { severity: 1, unit: "" };
  }
}

/**
 * The ground truth of `faults` on a building's entities: one record per fault overlapping
 * [`from`, `to`) (all when no range is given), in configuration order, with the equipment at fault and
 * the points (that exist) whose data show it.
 */
export function faultRecords(
  faults: readonly Fault[],
  entities: readonly Entity[],
  range?: { from: Date; to: Date },
): FaultRecord[] {
  const byId = new Map(entities.map((e) => [e.localId, e]));
  const unitOf = (id: string): string => {
    const u = byId.get(id)?.tags.unit;
    return u?.kind === "Str" ? u.val : "";
  };
  const out: FaultRecord[] = [];
  const ids = faultIds(faults);
  faults.forEach((f, i) => {
    if (range && !(Date.parse(f.start) < range.to.getTime() && Date.parse(f.end) > range.from.getTime()))
      return;
    const target = byId.get(f.target);
    const ref = target?.tags.equipRef ?? target?.tags.weatherStationRef;
    const isPoint = !!target?.tags.point;
    const equip = isPoint && ref?.kind === "Ref" ? ref.localId : f.target;
    let points: string[];
    if (isPoint) points = [f.target];
    else if (f.type === "comm_outage") {
      points = entities
        .filter((e) => {
          if (!e.tags.point) return false;
          return Object.values(e.tags).some((v) => v.kind === "Ref" && v.localId === f.target);
        })
        .map((e) => e.localId);
    } else {
      const evidence = f.type === "hunting" ? loopEvidence(target) : EVIDENCE[f.type];
      points = evidence.map((s) => pointId(f.target, s)).filter((id) => byId.has(id));
    }
    const { severity, unit } = severityOf(f, unitOf);
    out.push({
      id: ids[i]!,
      type: f.type,
      label: f.label ?? null,
      equip,
      points,
      start: f.start,
      end: f.end,
      severity,
      severityUnit: unit,
    });
  });
  return out;
}

/**
 * The "FDD benchmark" scenario of a building over a calendar year (UTC): a documented mix of catalogue
 * faults (see `design.md`), placed by the seed. Per site, where the equipment exists: 4 stuck VAV
 * dampers (2–10 days), 2 zone sensor biases (±2–4 °F, 7–21 days), 1 discharge air sensor drift
 * (0.1–0.3 °F/day, 30 days), 2 economizers stuck shut (5–20 days), 2 leaking cooling valves (10–25 %,
 * 5–15 days), 1 stuck cooling valve (5–10 days), 2 simultaneous heating/cooling (30–60 %, 3–10 days),
 * 1 chiller short-cycling (2–5 days), 1 chiller trip (6–24 h), 3 schedule overrides (1–5 days),
 * 1 fan failure (4–36 h), 2 electric meter dropouts (1–3 days); with VAV boxes 2 hunting airflow loops
 * (7–30 days) and 1 hunting discharge air loop (7–21 days), with chillers 1 hunting chilled water loop
 * (3–10 days), each at 4–8 × its tuned gain. Deterministic per (building, seed,
 * year); faults of one kind do not overlap on one equipment.
 */
export function benchmarkFaults(building: Building, seed: number, year: number): Fault[] {
  const y0 = Date.UTC(year, 0, 1);
  const span = Date.UTC(year + 1, 0, 1) - y0;
  const out: Fault[] = [];
  let n = 0;
  const draw = (salt: number) => uniform(seed, `bench:${year}`, n, salt);
  const pick = <T>(xs: readonly T[], salt: number): T => xs[Math.floor(draw(salt) * xs.length) % xs.length]!;
  const window = (minDays: number, maxDays: number) => {
    const len = Math.round((minDays + (maxDays - minDays) * draw(1)) * 24) * 3_600_000;
    const start = y0 + Math.floor((draw(2) * (span - len)) / 3_600_000) * 3_600_000;
    return { start: new Date(start).toISOString(), end: new Date(start + len).toISOString() };
  };
  const add = (make: () => Fault | null, count: number) => {
    for (let k = 0; k < count; k++) {
      n++;
      const f = make();
      if (f) out.push(f);
    }
  };
  for (const s of building.sites) {
    const ahus = Array.from({ length: s.airHandlers.count }, (_, i) => ids.airHandler(s, i + 1));
    const vavs: string[] = [];
    if (s.airHandlers.kind === "ahu")
      for (let f = 1; f <= s.floors; f++)
        for (let z = 1; z <= s.vavs.zones.length; z++) vavs.push(ids.vav(s, f, z));
    const zoneOwners = vavs.length > 0 ? vavs : ahus;
    const chillers =
      s.airHandlers.cooling === "chw"
        ? Array.from({ length: s.chillers.count }, (_, i) => ids.chiller(s, i + 1))
        : [];
    const round1 = (x: number) => Math.round(x * 10) / 10;
    if (vavs.length > 0) {
      add(
        () => ({
          type: "stuck_damper",
          target: pick(vavs, 3),
          ...window(2, 10),
          position: draw(4) < 0.5 ? 100 : Math.round(5 + 15 * draw(5)),
          label: "benchmark",
        }),
        4,
      );
    }
    add(
      () => ({
        type: "sensor_bias",
        target: pointId(pick(zoneOwners, 3), "zat"),
        ...window(7, 21),
        bias: round1((draw(4) < 0.5 ? -1 : 1) * (2 + 2 * draw(5))),
        label: "benchmark",
      }),
      2,
    );
    add(
      () => ({
        type: "sensor_drift",
        target: pointId(pick(ahus, 3), "dat"),
        ...window(30, 30),
        perDay: Math.round((0.1 + 0.2 * draw(4)) * 100) / 100,
        label: "benchmark",
      }),
      1,
    );
    if (s.airHandlers.economizer) {
      add(
        () => ({
          type: "economizer_stuck",
          target: pick(ahus, 3),
          ...window(5, 20),
          position: 0,
          label: "benchmark",
        }),
        2,
      );
    }
    if (s.airHandlers.cooling === "chw") {
      add(
        () => ({
          type: "leaking_valve",
          target: pick(ahus, 3),
          ...window(5, 15),
          fraction: Math.round((0.1 + 0.15 * draw(4)) * 100) / 100,
          label: "benchmark",
        }),
        2,
      );
      add(
        () => ({
          type: "stuck_valve",
          target: pick(ahus, 3),
          ...window(5, 10),
          position: Math.round(20 + 60 * draw(4)),
          label: "benchmark",
        }),
        1,
      );
    }
    if (s.airHandlers.heating !== "none") {
      add(
        () => ({
          type: "simultaneous_heat_cool",
          target: pick(ahus, 3),
          ...window(3, 10),
          position: Math.round(30 + 30 * draw(4)),
          label: "benchmark",
        }),
        2,
      );
    }
    if (chillers.length > 0) {
      add(
        () => ({
          type: "chiller_short_cycle",
          target: pick(chillers, 3),
          ...window(2, 5),
          label: "benchmark",
        }),
        1,
      );
      add(
        () => ({ type: "chiller_trip", target: pick(chillers, 3), ...window(0.25, 1), label: "benchmark" }),
        1,
      );
    }
    // A building in continuous operation (a laboratory) has no schedule to override: no evidence to score.
    add(
      () =>
        s.airHandlers.operation === "continuous"
          ? null
          : { type: "schedule_override", target: pick(ahus, 3), ...window(1, 5), label: "benchmark" },
      3,
    );
    add(
      () => ({ type: "fan_failure", target: pick(ahus, 3), ...window(4 / 24, 1.5), label: "benchmark" }),
      1,
    );
    add(() => ({ type: "meter_dropout", target: ids.elecMeter(s), ...window(1, 3), label: "benchmark" }), 2);
    const gain = () => Math.round(4 + 4 * draw(4));
    if (vavs.length > 0) {
      add(
        () => ({
          type: "hunting",
          target: pick(vavs, 3),
          ...window(7, 30),
          gain: gain(),
          label: "benchmark",
        }),
        2,
      );
      add(
        () => ({
          type: "hunting",
          target: pick(ahus, 3),
          ...window(7, 21),
          gain: gain(),
          label: "benchmark",
        }),
        1,
      );
    }
    if (chillers.length > 0) {
      add(
        () => ({
          type: "hunting",
          target: pick(chillers, 3),
          ...window(3, 10),
          gain: gain(),
          label: "benchmark",
        }),
        1,
      );
    }
  }
  return withoutOverlaps(out);
}

/** Drops a fault that overlaps an earlier one of the same type on the same target. */
function withoutOverlaps(faults: Fault[]): Fault[] {
  const kept: Fault[] = [];
  for (const f of faults) {
    const clash = kept.some(
      (k) =>
        k.type === f.type &&
        k.target === f.target &&
        Date.parse(k.start) < Date.parse(f.end) &&
        Date.parse(f.start) < Date.parse(k.end),
    );
    if (!clash) kept.push(f);
  }
  return kept.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}
