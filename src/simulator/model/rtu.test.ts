// Rooftop units against the rules an FDD engineer checks on packaged single-zone units, on the data as
// written (sensor noise on): never heating and cooling at once, the discharge air following the mode,
// the fan on through occupied hours, the zone held at its setpoint in occupied hours unless the unit is
// at full capacity, and the economizer shut to its minimum whenever the outside air is warmer than the
// return air (differential dry bulb). Property-based over seeds, days of the year, climates (the
// store's normals shifted) and interval lengths. Then the faults that apply to rooftop units.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "./entities.ts";
import { generateInterval, initialState } from "./generate.ts";
import { hvacOccupiedMode } from "./occupancy.ts";
import { intervalsBetween } from "./time.ts";
import type { Building, Fault, ModelState } from "./types.ts";

const HOUR = 3_600_000;
const retail = templateBuilding("retail-rtu");
const SITE = retail.sites[0]!;
const RTUS = Array.from({ length: SITE.airHandlers.count }, (_, i) => `rtu-${i + 1}`);

interface Step {
  ts: Date;
  v: Map<string, number | boolean>;
  state: ModelState;
}

/** The store with its climate shifted by `shift` °F (monthly normals and annual mean). */
function shifted(shift: number): Building {
  const c = SITE.climate;
  return {
    ...retail,
    sites: [
      {
        ...SITE,
        climate: {
          ...c,
          meanTemp: c.meanTemp + shift,
          ...(c.monthlyMeans ? { monthlyMeans: c.monthlyMeans.map((m) => m + shift) } : {}),
        },
      },
    ],
  };
}

/** `hours` of `building` from `from`, after a day of warm-up (not returned). */
function run(
  building: Building,
  o: { from: Date; hours: number; seed: number; interval: number; faults?: Fault[] },
): Step[] {
  const entities = buildEntities(building);
  let state = initialState({ building, entities, seed: o.seed });
  const warm = new Date(o.from.getTime() - 24 * HOUR);
  const out: Step[] = [];
  for (const ts of intervalsBetween(warm, new Date(o.from.getTime() + o.hours * HOUR), o.interval)) {
    const r = generateInterval({
      building,
      entities,
      seed: o.seed,
      ts,
      intervalMinutes: o.interval,
      state,
      faults: o.faults,
    });
    state = r.state;
    if (ts.getTime() <= o.from.getTime()) continue;
    out.push({ ts, v: new Map(r.rows.map((x) => [x.localId, (x.value_n ?? x.value_b)!])), state });
  }
  return out;
}

const num = (s: Step, id: string): number => {
  const v = s.v.get(id);
  if (typeof v !== "number") throw new Error(`${id} at ${s.ts.toISOString()} is not a number: ${v}`);
  return v;
};
const on = (s: Step, id: string): boolean => s.v.get(id) === true;

/** Every rule broken in `steps` (the first few, readable). */
function violations(building: Building, steps: Step[]): string[] {
  const site = building.sites[0]!;
  const bad: string[] = [];
  const say = (s: Step, what: string) => bad.length < 10 && bad.push(`${s.ts.toISOString()} ${what}`);
  const occupiedSince = new Map<number, number>();
  let since = Number.NaN;
  for (const s of steps) {
    const occ = hvacOccupiedMode(site, s.ts);
    if (!occ) since = Number.NaN;
    else if (Number.isNaN(since)) since = s.ts.getTime();
    occupiedSince.set(s.ts.getTime(), since);
  }
  for (const s of steps) {
    const oat = num(s, "weather.oat");
    const occ = hvacOccupiedMode(site, s.ts);
    const occFor = s.ts.getTime() - (occupiedSince.get(s.ts.getTime()) ?? Number.NaN);
    for (const r of RTUS) {
      const cool = num(s, `${r}.cool`);
      const heat = num(s, `${r}.heat`);
      const dat = num(s, `${r}.dat`);
      const mat = num(s, `${r}.mat`);
      const rat = num(s, `${r}.rat`);
      const zat = num(s, `${r}.zat`);
      const fan = on(s, `${r}.fanSts`);
      if (cool > 0 && heat > 0) say(s, `${r} cooling ${cool} and heating ${heat}`);
      if (!fan && (cool > 0 || heat > 0)) say(s, `${r} conditioning with the fan off`);
      if (occ && !fan) say(s, `${r} fan off in occupied mode`);
      // The discharge air follows the mode: below the mixed air with a compressor, above it heating.
      if (cool >= 50 && !(dat < mat - 1)) say(s, `${r} cooling ${cool} % but dat ${dat} ≥ mat ${mat} − 1`);
      if (heat >= 20 && !(dat > mat + 2)) say(s, `${r} heating ${heat} % but dat ${dat} ≤ mat ${mat} + 2`);
      if (fan && cool === 0 && heat === 0 && dat < mat - 13)
        say(s, `${r} no compressor, no heat, yet dat ${dat} ≪ mat ${mat}`);
      // Differential dry bulb: warmer outside than the return air, the economizer is at its minimum.
      if (fan && oat > rat + 0.5 && num(s, `${r}.oad`) > 15)
        say(s, `${r} economizing at oat ${oat} > rat ${rat}`);
      // Occupied for two hours: the zone is within its deadband unless the unit is at full capacity.
      if (occ && occFor >= 2 * HOUR) {
        const clg = num(s, `${r}.clgsp`);
        const htg = num(s, `${r}.htgsp`);
        if (zat > clg + 2 && cool < 100)
          say(s, `${r} zat ${zat} > cooling setpoint ${clg} + 2 at cool ${cool}`);
        if (zat < htg - 2 && heat < 95)
          say(s, `${r} zat ${zat} < heating setpoint ${htg} − 2 at heat ${heat}`);
      }
    }
  }
  return bad;
}

describe("rooftop unit control", () => {
  test("property: the rules hold over seeds, days of the year, climates and interval lengths", () => {
    const seen = { cooling: 0, heating: 0, economizing: 0, deadband: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: -30, max: 5 }),
        fc.constantFrom(5, 15, 60),
        (seed, day, shift, interval) => {
          const building = shifted(shift);
          const from = new Date(Date.UTC(2025, 0, 1 + day, 7));
          const steps = run(building, { from, hours: 24, seed, interval });
          const bad = violations(building, steps);
          if (bad.length > 0) throw new Error(`${bad.length} rule violations:\n${bad.join("\n")}`);
          for (const s of steps)
            for (const r of RTUS) {
              if (!on(s, `${r}.fanSts`)) continue;
              const cool = num(s, `${r}.cool`);
              const heat = num(s, `${r}.heat`);
              if (cool > 0) seen.cooling++;
              if (heat > 0) seen.heating++;
              if (num(s, `${r}.oad`) > 40) seen.economizing++;
              if (cool === 0 && heat === 0) seen.deadband++;
            }
        },
      ),
      { numRuns: 40, seed: 20261202 },
    );
    // The rules were exercised: every mode occurred.
    for (const k of Object.keys(seen) as Array<keyof typeof seen>) expect(seen[k]).toBeGreaterThan(0);
  });

  test("a cold morning: the zone recovers from its night setback and settles at the heating setpoint", () => {
    const steps = run(shifted(-30), {
      from: new Date("2025-01-15T13:00:00Z"),
      hours: 10,
      seed: 5,
      interval: 5,
    });
    const occ = steps.filter((s) => hvacOccupiedMode(SITE, s.ts));
    const err = (s: Step) => num(s, "rtu-1.htgsp") - num(s, "rtu-1.zat");
    expect(err(occ[0]!)).toBeGreaterThan(2);
    expect(num(occ[1]!, "rtu-1.heat")).toBeGreaterThan(50);
    const late = occ.slice(-24).map((s) => Math.abs(Math.max(0, err(s))));
    expect(Math.max(...late)).toBeLessThan(1);
  });

  test("a hot day: stages follow the zone, the economizer stays at its minimum, the zone holds until capacity runs out", () => {
    const steps = run(retail, { from: new Date("2025-07-15T17:00:00Z"), hours: 6, seed: 9, interval: 1 });
    const cool = steps.map((s) => num(s, "rtu-2.cool"));
    expect(new Set(cool)).toEqual(new Set([50, 100]));
    expect(Math.max(...steps.map((s) => num(s, "rtu-2.oad")))).toBeLessThan(15);
    // Warm above the setpoint only with both stages running (a Phoenix afternoon at 110 °F).
    const warmZone = steps.filter((s) => num(s, "rtu-2.zat") > num(s, "rtu-2.clgsp") + 1);
    for (const s of warmZone) expect(num(s, "rtu-2.cool")).toBe(100);
    const held = steps.filter((s) => Math.abs(num(s, "rtu-2.zat") - num(s, "rtu-2.clgsp")) < 1);
    expect(held.length).toBeGreaterThan(steps.length / 3);
    // Compressor timers: a stage change lasts at least the 3-min run / 5-min off time.
    let last = 0;
    let runs = 0;
    for (let i = 1; i < cool.length; i++)
      if (cool[i] !== cool[i - 1]) {
        if (last > 0) expect(i - last).toBeGreaterThanOrEqual(3);
        last = i;
        runs++;
      }
    expect(runs).toBeGreaterThan(0);
  });
});

describe("faults on rooftop units", () => {
  const hot = { from: new Date("2025-07-15T18:00:00Z"), hours: 6, seed: 4, interval: 5 };
  const warm = { from: new Date("2025-05-10T17:00:00Z"), hours: 6, seed: 4, interval: 5 };
  const mild = { from: new Date("2025-03-20T17:00:00Z"), hours: 4, seed: 4, interval: 5 };
  const window = (
    f: { type: Fault["type"]; target: string } & Record<string, unknown>,
    at: { from: Date; hours: number },
  ): Fault =>
    ({
      ...f,
      start: new Date(at.from.getTime() - 24 * HOUR).toISOString(),
      end: new Date(at.from.getTime() + (at.hours + 1) * HOUR).toISOString(),
    }) as Fault;

  test("fan failure: command on, status off, no airflow, the zone drifts, the cooling call winds up", () => {
    const steps = run(retail, { ...hot, faults: [window({ type: "fan_failure", target: "rtu-3" }, hot)] });
    for (const s of steps) {
      expect(on(s, "rtu-3.fanCmd")).toBe(true);
      expect(on(s, "rtu-3.fanSts")).toBe(false);
      expect(num(s, "rtu-3.flow")).toBe(0);
    }
    const last = steps.at(-1)!;
    expect(num(last, "rtu-3.zat")).toBeGreaterThan(num(last, "rtu-3.clgsp") + 4);
    expect(num(last, "rtu-3.cool")).toBe(100);
    expect(num(last, "rtu-3.power")).toBeLessThan(0.1);
    expect(num(last, "rtu-4.zat")).toBeLessThan(num(last, "rtu-4.clgsp") + 2);
  });

  test("economizer stuck shut: the command opens on a mild day, the mixed air stays at the return air", () => {
    const steps = run(retail, {
      ...mild,
      faults: [window({ type: "economizer_stuck", target: "rtu-1", position: 0 }, mild)],
    });
    const open = steps.filter((s) => num(s, "rtu-1.oad") > 40);
    expect(open.length).toBeGreaterThan(0);
    for (const s of open) expect(num(s, "rtu-1.rat") - num(s, "rtu-1.mat")).toBeLessThan(1);
    // The healthy unit beside it mixes outside air in.
    const healthy = steps.filter((s) => num(s, "rtu-2.oad") > 40);
    expect(healthy.some((s) => num(s, "rtu-2.rat") - num(s, "rtu-2.mat") > 3)).toBe(true);
  });

  test("simultaneous heating and cooling: the held heat is fought by the compressors", () => {
    const steps = run(retail, {
      ...hot,
      faults: [window({ type: "simultaneous_heat_cool", target: "rtu-5", position: 40 }, hot)],
    });
    const both = steps.filter((s) => num(s, "rtu-5.heat") > 5 && num(s, "rtu-5.cool") > 5);
    expect(both.length).toBeGreaterThan(steps.length / 2);
    const fought = steps.filter((s) => num(s, "rtu-6.heat") > 5 && num(s, "rtu-6.cool") > 5);
    expect(fought).toEqual([]);
  });

  test("schedule override: the fan runs through the night and the zone is held at occupied setpoints", () => {
    const night = { from: new Date("2025-07-16T06:00:00Z"), hours: 6, seed: 4, interval: 15 };
    const steps = run(retail, {
      ...night,
      faults: [window({ type: "schedule_override", target: "rtu-1" }, night)],
    });
    for (const s of steps) {
      expect(hvacOccupiedMode(SITE, s.ts)).toBe(false);
      expect(on(s, "rtu-1.fanSts")).toBe(true);
      expect(num(s, "rtu-1.zat")).toBeLessThan(num(s, "rtu-1.clgsp") + 2);
    }
    expect(steps.some((s) => !on(s, "rtu-2.fanSts"))).toBe(true);
  });

  test("a biased zone sensor: the unit holds the reading at setpoint, the true zone sits off by the bias", () => {
    const steps = run(retail, {
      ...warm,
      faults: [window({ type: "sensor_bias", target: "rtu-2.zat", bias: 3 }, warm)],
    });
    // The first two hours (later in the afternoon the cooler zone needs more than the unit has).
    const tail = steps.slice(0, 24);
    const trueMean = (r: string) => tail.reduce((a, s) => a + s.state.zoneTemps[r]!, 0) / tail.length;
    // The healthy unit beside holds the same setpoint: the biased one's zone is the bias cooler.
    expect(trueMean("rtu-1") - trueMean("rtu-2")).toBeGreaterThan(3 - 1);
    expect(trueMean("rtu-1") - trueMean("rtu-2")).toBeLessThan(3 + 1);
  });

  test("hunting: mistuned zone loops cycle the compressors far more than the tuned unit beside", () => {
    const at = { ...warm, interval: 1 };
    const steps = run(retail, { ...at, faults: [window({ type: "hunting", target: "rtu-1", gain: 6 }, at)] });
    const changes = (r: string) =>
      steps.reduce(
        (n, s, i) => n + (i > 0 && num(s, `${r}.cool`) !== num(steps[i - 1]!, `${r}.cool`) ? 1 : 0),
        0,
      );
    expect(changes("rtu-1")).toBeGreaterThan(2 * changes("rtu-2"));
  });
});
