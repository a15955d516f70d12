// The fault catalogue against simple FDD rules of the kind published in the literature (ASHRAE RP-1312
// APAR rules, NIST VAV box rules, command-versus-status checks): each rule must fire during the fault's
// labelled window and never outside it in the same run, with data-quality episodes on (rows flagged
// stale or fault are skipped, as an FDD tool would). And the ground truth names the fault's equipment
// and evidence points.
import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "./entities.ts";
import { benchmarkFaults, faultIds, faultRecords } from "./faults.ts";
import { generateInterval, initialState } from "./generate.ts";
import { hvacOccupiedMode } from "./occupancy.ts";
import { intervalsBetween } from "./time.ts";
import type { Building, Fault, Row } from "./types.ts";

const office = templateBuilding("office-tower");
const officeEntities = buildEntities(office);
const SEED = 3;
const HOUR = 3_600_000;

interface Step {
  ts: Date;
  v: Map<string, number | boolean>;
  ok: (id: string) => boolean;
}

function simulate(building: Building, from: string, hours: number, faults: Fault[], interval = 60): Step[] {
  const entities = building === office ? officeEntities : buildEntities(building);
  let state = initialState({ building, entities, seed: SEED });
  const start = new Date(from);
  const out: Step[] = [];
  for (const ts of intervalsBetween(start, new Date(start.getTime() + hours * HOUR), interval)) {
    const r = generateInterval({
      building,
      entities,
      seed: SEED,
      ts,
      intervalMinutes: interval,
      state,
      faults,
      quality: { stalePercent: 0.5, faultPercent: 0.2 },
    });
    state = r.state;
    const status = new Map(r.rows.map((x: Row) => [x.localId, x.status]));
    out.push({
      ts,
      v: new Map(r.rows.map((x) => [x.localId, (x.value_n ?? x.value_b)!])),
      ok: (id) => status.get(id) === "ok",
    });
  }
  return out.slice(24 * (60 / interval));
}

const n = (s: Step, id: string): number => s.v.get(id) as number;
const b = (s: Step, id: string): boolean => s.v.get(id) === true;
/** A rule over the steps so far (for rules needing history); `undefined` when its data are flagged. */
type Rule = (steps: Step[], k: number) => boolean | undefined;
const okAll = (s: Step, ids: string[]) => ids.every((id) => s.ok(id));

interface Case {
  fault: Fault;
  from: string;
  hours: number;
  rule: Rule;
  building?: Building;
  /** Interval, minutes (60 unless given). */
  interval?: number;
  /**
   * How far back the rule looks, hours: a rule over the last hour still sees a fault that ended less
   * than an hour ago, so its firings that long after the end count as inside the window.
   */
  lookbackHours?: number;
}

/** Direction reversals of a sampled series, counting only moves larger than `minMove`. */
function reversals(xs: readonly number[], minMove: number): number {
  let count = 0;
  let dir = 0;
  for (let k = 1; k < xs.length; k++) {
    const d = xs[k]! - xs[k - 1]!;
    if (Math.abs(d) < minMove) continue;
    if (dir !== 0 && Math.sign(d) !== dir) count++;
    dir = Math.sign(d);
  }
  return count;
}

/**
 * A hunting rule over the last hour of 5-minute samples: the series reverses direction at least 4
 * times with moves above `minMove` (a loop oscillating with a period under 30 minutes), while `on`.
 */
function hunting(
  series: (s: Step) => number,
  ids: string[],
  minMove: number,
  on: (s: Step) => boolean,
): Rule {
  return (st, k) => {
    if (k < 12) return false;
    const last = st.slice(k - 12, k + 1);
    if (last.some((s) => !okAll(s, ids))) return undefined;
    if (!last.every(on)) return false;
    return reversals(last.map(series), minMove) >= 4;
  };
}

const W = (start: string, hours: number) => ({
  start: new Date(start).toISOString(),
  end: new Date(Date.parse(start) + hours * HOUR).toISOString(),
});

const cases: Record<string, Case> = {
  "stuck damper: airflow far from its setpoint while the fan runs": {
    fault: { type: "stuck_damper", target: "vav-6-2", position: 10, ...W("2025-07-15T15:00:00Z", 8) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-2.fanSts", "vav-6-2.flow", "vav-6-2.flowsp"])) return undefined;
      return b(s, "ahu-2.fanSts") && Math.abs(n(s, "vav-6-2.flow") - n(s, "vav-6-2.flowsp")) > 300;
    },
  },
  "sensor bias: return air differs from the zones it returns": {
    fault: { type: "sensor_bias", target: "ahu-1.rat", bias: 5, ...W("2025-07-15T14:00:00Z", 10) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      const zones = [1, 2, 3].flatMap((f) => [1, 2, 3, 4].map((z) => `vav-${f}-${z}.zat`));
      if (!okAll(s, ["ahu-1.fanSts", "ahu-1.rat", ...zones]) || !b(s, "ahu-1.fanSts")) return undefined;
      const avg = zones.reduce((a, id) => a + n(s, id), 0) / zones.length;
      return Math.abs(n(s, "ahu-1.rat") - avg) > 3;
    },
  },
  "sensor drift: mixed air departs from the mix its damper command implies": {
    fault: { type: "sensor_drift", target: "ahu-2.mat", perDay: 2, ...W("2025-05-13T00:00:00Z", 72) },
    from: "2025-05-11T04:00:00Z",
    hours: 24 * 6,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-2.fanSts", "ahu-2.mat", "ahu-2.rat", "ahu-2.oad", "weather.oat"])) return undefined;
      if (!b(s, "ahu-2.fanSts")) return false;
      const f = n(s, "ahu-2.oad") / 100;
      return Math.abs(n(s, "ahu-2.mat") - (f * n(s, "weather.oat") + (1 - f) * n(s, "ahu-2.rat"))) > 2.5;
    },
  },
  "economizer stuck shut: outside air fraction far below the damper command": {
    fault: { type: "economizer_stuck", target: "ahu-3", position: 0, ...W("2025-05-13T12:00:00Z", 36) },
    from: "2025-05-11T04:00:00Z",
    hours: 24 * 5,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-3.fanSts", "ahu-3.mat", "ahu-3.rat", "ahu-3.oad", "weather.oat"])) return undefined;
      const oat = n(s, "weather.oat");
      const rat = n(s, "ahu-3.rat");
      if (!b(s, "ahu-3.fanSts") || Math.abs(oat - rat) < 8) return false;
      const oaf = (n(s, "ahu-3.mat") - rat) / (oat - rat);
      return n(s, "ahu-3.oad") - 100 * oaf > 30;
    },
  },
  // With the coil cooling far below its design ΔT (28 °F): a heat-soaked building after the fault
  // also keeps the freed valve wide open with warm discharge air, but then the coil is at capacity.
  "stuck cooling valve: discharge air far above setpoint with the valve commanded open": {
    fault: { type: "stuck_valve", target: "ahu-1", position: 15, ...W("2025-07-15T13:00:00Z", 10) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-1.fanSts", "ahu-1.dat", "ahu-1.datsp", "ahu-1.cool", "ahu-1.mat"]))
        return undefined;
      return (
        b(s, "ahu-1.fanSts") &&
        n(s, "ahu-1.dat") - n(s, "ahu-1.datsp") > 3 &&
        n(s, "ahu-1.cool") >= 95 &&
        n(s, "ahu-1.mat") - n(s, "ahu-1.dat") < 10
      );
    },
  },
  // Valves "shut" below 2 % command (APAR's tolerance on control signals: a PI output trims around 0).
  "leaking cooling valve: air cooled across the coils with both valves shut (APAR)": {
    fault: { type: "leaking_valve", target: "ahu-4", fraction: 0.25, ...W("2025-06-05T00:00:00Z", 72) },
    from: "2025-06-03T04:00:00Z",
    hours: 24 * 6,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-4.fanSts", "ahu-4.mat", "ahu-4.dat", "ahu-4.heat", "ahu-4.cool"])) return undefined;
      return (
        b(s, "ahu-4.fanSts") &&
        n(s, "ahu-4.cool") < 2 &&
        n(s, "ahu-4.heat") < 2 &&
        n(s, "ahu-4.mat") - n(s, "ahu-4.dat") > 2
      );
    },
  },
  "simultaneous heating and cooling: both valves open": {
    fault: {
      type: "simultaneous_heat_cool",
      target: "ahu-4",
      position: 40,
      ...W("2025-07-15T13:00:00Z", 10),
    },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-4.heat", "ahu-4.cool"])) return undefined;
      return n(s, "ahu-4.heat") > 5 && n(s, "ahu-4.cool") > 5;
    },
  },
  "chiller short-cycling: three or more starts within six hours": {
    fault: { type: "chiller_short_cycle", target: "chiller-2", ...W("2025-07-15T12:00:00Z", 12) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      let starts = 0;
      for (let j = Math.max(1, k - 5); j <= k; j++) {
        if (!st[j]!.ok("chiller-2.run") || !st[j - 1]!.ok("chiller-2.run")) return undefined;
        if (b(st[j]!, "chiller-2.run") && !b(st[j - 1]!, "chiller-2.run")) starts++;
      }
      return starts >= 3;
    },
  },
  "chiller trip: enabled but not running": {
    fault: { type: "chiller_trip", target: "chiller-1", ...W("2025-07-15T15:00:00Z", 6) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["chiller-1.enable", "chiller-1.run"])) return undefined;
      return b(s, "chiller-1.enable") && !b(s, "chiller-1.run");
    },
  },
  "schedule override: fan running three unoccupied hours in a row": {
    fault: { type: "schedule_override", target: "ahu-2", ...W("2025-07-16T00:00:00Z", 12) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 5,
    rule: (st, k) => {
      if (k < 2) return false;
      for (let j = k - 2; j <= k; j++) {
        const s = st[j]!;
        if (!s.ok("ahu-2.fanSts")) return undefined;
        if (!b(s, "ahu-2.fanSts") || hvacOccupiedMode(office.sites[0]!, s.ts)) return false;
      }
      return true;
    },
  },
  "fan failure: commanded on, no status": {
    fault: { type: "fan_failure", target: "ahu-3", ...W("2025-07-15T14:00:00Z", 6) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      if (!okAll(s, ["ahu-3.fanCmd", "ahu-3.fanSts"])) return undefined;
      return b(s, "ahu-3.fanCmd") && !b(s, "ahu-3.fanSts");
    },
  },
  "meter dropout: main meter below the sum of its sub-meters": {
    fault: { type: "meter_dropout", target: "elec-meter", ...W("2025-07-15T10:00:00Z", 20) },
    from: "2025-07-13T04:00:00Z",
    hours: 24 * 4,
    rule: (st, k) => {
      const s = st[k]!;
      const ids = ["elec-meter.power", "elec-hvac.power", "elec-lighting.power", "elec-plug.power"];
      if (!okAll(s, ids)) return undefined;
      return n(s, ids[0]!) < n(s, ids[1]!) + n(s, ids[2]!) + n(s, ids[3]!);
    },
  },
  "hunting discharge air loop: the cooling valve command reverses 4+ times an hour": {
    fault: { type: "hunting", target: "ahu-2", gain: 5, ...W("2025-07-15T14:00:00Z", 3) },
    from: "2025-07-14T10:00:00Z",
    hours: 36,
    interval: 5,
    lookbackHours: 1,
    rule: hunting(
      (s) => n(s, "ahu-2.cool"),
      ["ahu-2.fanSts", "ahu-2.cool"],
      10,
      (s) => b(s, "ahu-2.fanSts"),
    ),
  },
  "hunting VAV airflow loop: airflow error changes sign 4+ times an hour": {
    fault: { type: "hunting", target: "vav-4-3", gain: 6, ...W("2025-07-15T15:00:00Z", 3) },
    from: "2025-07-14T10:00:00Z",
    hours: 36,
    interval: 5,
    lookbackHours: 1,
    rule: hunting(
      (s) => n(s, "vav-4-3.flow") - n(s, "vav-4-3.flowsp"),
      ["ahu-2.fanSts", "vav-4-3.flow", "vav-4-3.flowsp"],
      200,
      (s) => b(s, "ahu-2.fanSts"),
    ),
  },
  "hunting chilled water loop: leaving water reverses 4+ times an hour while running": {
    fault: { type: "hunting", target: "chiller-2", gain: 5, ...W("2025-07-15T13:00:00Z", 4) },
    from: "2025-07-14T10:00:00Z",
    hours: 36,
    interval: 5,
    lookbackHours: 1,
    rule: hunting(
      (s) => n(s, "chiller-2.chwlt"),
      ["chiller-2.run", "chiller-2.chwlt"],
      1,
      (s) => b(s, "chiller-2.run"),
    ),
  },
};

describe.each(Object.entries(cases))("%s", (_name, c) => {
  const building = c.building ?? office;
  const steps = simulate(building, c.from, c.hours, [c.fault], c.interval);
  const inWindow = (s: Step) =>
    s.ts.getTime() >= Date.parse(c.fault.start) &&
    s.ts.getTime() < Date.parse(c.fault.end) + (c.lookbackHours ?? 0) * HOUR;

  test("the rule fires during the labelled window and never outside it", () => {
    const during = steps.filter(inWindow);
    expect(during.length).toBeGreaterThan(0);
    const fired = steps.map((_, k) => c.rule(steps, k) === true);
    const inside = fired.filter((f, k) => f && inWindow(steps[k]!)).length;
    const outside = steps.filter((s, k) => fired[k] && !inWindow(s)).map((s) => s.ts.toISOString());
    expect(inside).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  test("the ground truth names the fault, its equipment and evidence points", () => {
    const entities = building === office ? officeEntities : buildEntities(building);
    const ids = new Set(entities.map((e) => e.localId));
    const [rec] = faultRecords([{ ...c.fault, label: "case" }], entities);
    expect(rec).toMatchObject({
      id: expect.stringMatching(new RegExp(`^fault-${c.fault.type}-[0-9a-f]{8}$`)),
      type: c.fault.type,
      label: "case",
      start: c.fault.start,
      end: c.fault.end,
    });
    expect(ids.has(rec!.equip)).toBe(true);
    expect(rec!.points.length).toBeGreaterThan(0);
    for (const p of rec!.points) expect(ids.has(p)).toBe(true);
  });
});

describe("ground truth records", () => {
  const faults: Fault[] = [
    { type: "sensor_bias", target: "vav-2-1.zat", bias: -2, ...W("2025-03-01T00:00:00Z", 24) },
    { type: "comm_outage", target: "ahu-1", ...W("2025-03-05T00:00:00Z", 2) },
  ];

  test("a sensor fault is recorded on its equipment with its point; an outage lists every point of its target", () => {
    const [bias, outage] = faultRecords(faults, officeEntities);
    expect(bias).toEqual({
      id: faultIds(faults)[0]!,
      type: "sensor_bias",
      label: null,
      equip: "vav-2-1",
      points: ["vav-2-1.zat"],
      start: "2025-03-01T00:00:00.000Z",
      end: "2025-03-02T00:00:00.000Z",
      severity: -2,
      severityUnit: "°F",
    });
    expect(outage!.equip).toBe("ahu-1");
    expect(outage!.points).toContain("ahu-1.dat");
    expect(outage!.points.every((p) => p.startsWith("ahu-1."))).toBe(true);
  });

  test("a range keeps the faults overlapping it, with their ids from the full list", () => {
    const recs = faultRecords(faults, officeEntities, {
      from: new Date("2025-03-04T00:00:00Z"),
      to: new Date("2025-03-06T00:00:00Z"),
    });
    expect(recs.map((r) => r.id)).toEqual([faultIds(faults)[1]!]);
  });

  test("ids stay with their fault when others are added or removed; a twin gets a suffix", () => {
    const [bias, outage] = faultRecords(faults, officeEntities);
    expect(bias!.id).toMatch(/^fault-sensor_bias-[0-9a-f]{8}$/);
    expect(bias!.id).not.toBe(outage!.id);
    expect(faultRecords([faults[1]!], officeEntities)[0]!.id).toBe(outage!.id);
    expect(faultRecords([faults[1]!, faults[0]!], officeEntities).map((r) => r.id)).toEqual([
      outage!.id,
      bias!.id,
    ]);
    const twins = faultRecords([faults[0]!, { ...faults[0]!, label: "twin" }], officeEntities).map(
      (r) => r.id,
    );
    expect(twins).toEqual([bias!.id, `${bias!.id}-2`]);
  });
});

describe("FDD benchmark scenario", () => {
  test.each(["office-tower", "retail-rtu", "campus"])(
    "%s: a deterministic, valid, non-overlapping year",
    (name) => {
      const building = templateBuilding(name);
      const entities = buildEntities(building);
      const ids = new Set(entities.map((e) => e.localId));
      const a = benchmarkFaults(building, 9, 2025);
      expect(benchmarkFaults(building, 9, 2025)).toEqual(a);
      expect(benchmarkFaults(building, 10, 2025)).not.toEqual(a);
      expect(a.length).toBeGreaterThan(10 * building.sites.length);
      for (const f of a) {
        expect(ids.has(f.target)).toBe(true);
        expect(Date.parse(f.start)).toBeGreaterThanOrEqual(Date.UTC(2025, 0, 1));
        expect(Date.parse(f.end)).toBeLessThanOrEqual(Date.UTC(2026, 0, 1));
        expect(Date.parse(f.end)).toBeGreaterThan(Date.parse(f.start));
      }
      const types = new Set(a.map((f) => f.type));
      expect(types.has("schedule_override") && types.has("meter_dropout") && types.has("fan_failure")).toBe(
        true,
      );
    },
  );
});
