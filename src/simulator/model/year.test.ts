// Realism rules over a simulated year, checked on the data as stored (rounded, with sensor noise and
// data-quality episodes on; a rule skips only rows flagged stale or fault, as an FDD tool would).
// Sampled to bound the runtime: every month a warm-up day and then days checked interval by interval
// — the office tower at 60-minute intervals and, for the chiller timers, three 15-minute windows; the
// retail store (the small template) at 60-minute intervals.
import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "./entities.ts";
import { generateInterval, initialState } from "./generate.ts";
import { CHILLER_TIMERS } from "./plant.ts";
import { intervalsBetween, localTime } from "./time.ts";
import type { Building, Quality } from "./types.ts";

const SEED = 7;
const HOUR = 3_600_000;
const QUALITY: Quality = { stalePercent: 1, faultPercent: 0.5 };

interface Sample {
  ts: Date;
  v: Map<string, number | boolean>;
  ok: Set<string>;
}

/** Each window: a day of warm-up (not returned), then `days` days at `interval` minutes. */
function simulate(building: Building, starts: Date[], days: number, interval: number): Sample[] {
  const entities = buildEntities(building);
  const out: Sample[] = [];
  for (const start of starts) {
    let state = initialState({ building, entities, seed: SEED });
    const list = intervalsBetween(start, new Date(start.getTime() + (days + 1) * 24 * HOUR), interval);
    for (const [i, ts] of list.entries()) {
      const r = generateInterval({
        building,
        entities,
        seed: SEED,
        ts,
        intervalMinutes: interval,
        state,
        quality: QUALITY,
      });
      state = r.state;
      if (i < (24 * 60) / interval) continue;
      out.push({
        ts,
        v: new Map(r.rows.map((x) => [x.localId, (x.value_n ?? x.value_b)!])),
        ok: new Set(r.rows.filter((x) => x.status === "ok").map((x) => x.localId)),
      });
    }
  }
  return out;
}

const monthly = (day: number) => Array.from({ length: 12 }, (_, m) => new Date(Date.UTC(2025, m, day)));
const office = templateBuilding("office-tower");
const site = office.sites[0]!;
const samples = simulate(office, monthly(10), 2, 60);
const retail = templateBuilding("retail-rtu");
const retailSamples = simulate(retail, monthly(3), 3, 60);

const num = (s: Sample, id: string): number => {
  const v = s.v.get(id);
  if (typeof v !== "number") throw new Error(`${id} at ${s.ts.toISOString()} is not a number: ${v}`);
  return v;
};
const on = (s: Sample, id: string): boolean => s.v.get(id) === true;
const ok = (s: Sample, ...ids: string[]): boolean => ids.every((id) => s.ok.has(id));
const chillers = Array.from({ length: site.chillers.count }, (_, i) => `chiller-${i + 1}`);
const boilers = Array.from({ length: site.boilers.count }, (_, i) => `boiler-${i + 1}`);
const ahus = Array.from({ length: site.airHandlers.count }, (_, i) => `ahu-${i + 1}`);
const vavs = [...samples[0]!.v.keys()]
  .filter((id) => /^vav-\d+-\d+\.flow$/.test(id))
  .map((id) => id.slice(0, -5));
const ahuOf = (vav: string): string =>
  `ahu-${Math.ceil(Number(vav.split("-")[1]) / site.airHandlers.floorsPerUnit)}`;

/** Collects every violation instead of stopping at the first one (one readable failure). */
function violations(data: Sample[], check: (s: Sample, bad: (what: string) => void) => void): string[] {
  const out: string[] = [];
  for (const s of data) check(s, (what) => out.length < 20 && out.push(`${s.ts.toISOString()} ${what}`));
  return out;
}

const ELEC_SUBS = ["elec-hvac.power", "elec-lighting.power", "elec-plug.power"];

describe("a simulated year of the office tower", () => {
  test("covers every month, heating and cooling, with data-quality episodes present", () => {
    expect(new Set(samples.map((s) => s.ts.getUTCMonth())).size).toBe(12);
    expect(samples.some((s) => chillers.some((c) => on(s, `${c}.run`)))).toBe(true);
    expect(samples.some((s) => num(s, "gas-heating.flow") > 0)).toBe(true);
    expect(vavs.length).toBe(48);
    expect(samples.some((s) => s.ok.size < s.v.size)).toBe(true);
  });

  test("main electric meter ≥ the sum of its sub-meters at every interval", () => {
    expect(
      violations(samples, (s, bad) => {
        if (!ok(s, "elec-meter.power", ...ELEC_SUBS)) return;
        const main = num(s, "elec-meter.power");
        const subs = ELEC_SUBS.reduce((a, id) => a + num(s, id), 0);
        if (main < subs) bad(`main ${main} kW < sub-meters ${subs} kW`);
        if (!ok(s, "gas-meter.flow", "gas-heating.flow", "gas-dhw.flow")) return;
        if (num(s, "gas-meter.flow") < num(s, "gas-heating.flow") + num(s, "gas-dhw.flow"))
          bad("gas main < subs");
      }),
    ).toEqual([]);
  });

  test("unmetered share 5–15 % and night base 30–50 % of the afternoon load (weekdays)", () => {
    let main = 0;
    let subs = 0;
    const night: number[] = [];
    const day: number[] = [];
    for (const s of samples) {
      if (!ok(s, "elec-meter.power", ...ELEC_SUBS)) continue;
      main += num(s, "elec-meter.power");
      subs += ELEC_SUBS.reduce((a, id) => a + num(s, id), 0);
      const lt = localTime(s.ts, site.tz);
      if (lt.weekday === 0 || lt.weekday === 6) continue;
      if (lt.hour >= 1 && lt.hour < 4) night.push(num(s, "elec-meter.power"));
      if (lt.hour >= 12 && lt.hour < 16) day.push(num(s, "elec-meter.power"));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const unmetered = 1 - subs / main;
    expect(unmetered).toBeGreaterThan(0.05);
    expect(unmetered).toBeLessThan(0.15);
    const base = mean(night) / mean(day);
    expect(base).toBeGreaterThan(0.3);
    expect(base).toBeLessThan(0.5);
  });

  test("chilled water leaves colder than it enters whenever a chiller runs, ΔT near design", () => {
    const dts: number[] = [];
    expect(
      violations(samples, (s, bad) => {
        for (const c of chillers) {
          if (!ok(s, `${c}.run`, `${c}.chwet`, `${c}.chwlt`) || !on(s, `${c}.run`)) continue;
          const dt = num(s, `${c}.chwet`) - num(s, `${c}.chwlt`);
          dts.push(dt);
          if (!(dt > 0)) bad(`${c} entering ${num(s, `${c}.chwet`)} ≤ leaving ${num(s, `${c}.chwlt`)}`);
        }
      }),
    ).toEqual([]);
    dts.sort((a, b) => a - b);
    const median = dts[Math.floor(dts.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(8);
    expect(median).toBeLessThanOrEqual(12.5);
  });

  test("mixed air lies between outside and return air while a fan runs", () => {
    expect(
      violations(samples, (s, bad) => {
        for (const a of ahus) {
          if (!ok(s, "weather.oat", `${a}.fanSts`, `${a}.rat`, `${a}.mat`) || !on(s, `${a}.fanSts`)) continue;
          const oat = num(s, "weather.oat");
          const rat = num(s, `${a}.rat`);
          const mat = num(s, `${a}.mat`);
          if (mat < Math.min(oat, rat) - 0.6 || mat > Math.max(oat, rat) + 0.6)
            bad(`${a} mixed ${mat} outside [${oat}, ${rat}]`);
        }
      }),
    ).toEqual([]);
  });

  test("VAV airflow within its box limits while the fan runs, exactly 0 when off", () => {
    const max = site.vavs.maxFlowCfm;
    const min = max * site.vavs.minFlowRatio;
    expect(
      violations(samples, (s, bad) => {
        for (const vav of vavs) {
          const a = ahuOf(vav);
          if (!ok(s, `${vav}.flow`, `${a}.fanCmd`, `${a}.fanSts`)) continue;
          const f = num(s, `${vav}.flow`);
          if (!on(s, `${a}.fanCmd`)) {
            if (f !== 0) bad(`${vav} ${f} cfm with ${a} off`);
          } else if (f < 0.95 * min || f > 1.05 * max) bad(`${vav} ${f} cfm outside [${min}, ${max}]`);
        }
      }),
    ).toEqual([]);
  });

  test("heating gas only with a heating load", () => {
    expect(
      violations(samples, (s, bad) => {
        const involved = ["gas-heating.flow", ...boilers.flatMap((b) => [`${b}.run`, `${b}.fire`])];
        if (!ok(s, ...involved) || num(s, "gas-heating.flow") === 0) return;
        const firing = boilers.some((b) => on(s, `${b}.run`) && num(s, `${b}.fire`) > 0);
        const demand = ahus.some((a) => num(s, `${a}.heat`) > 0) || vavs.some((v) => num(s, `${v}.rhv`) > 0);
        if (!firing || !demand)
          bad(`heating gas ${num(s, "gas-heating.flow")} cfh, firing ${firing}, demand ${demand}`);
      }),
    ).toEqual([]);
  });

  test("flows, loads, powers and registers are never negative; dew point ≤ dry bulb", () => {
    expect(
      violations(samples, (s, bad) => {
        for (const [id, v] of s.v)
          if (/\.(flow|chwf|power|energy|volume|load|gas|fire)$/.test(id) && typeof v === "number" && v < 0)
            bad(`${id} = ${v}`);
        if (ok(s, "weather.oat", "weather.dew") && num(s, "weather.dew") > num(s, "weather.oat"))
          bad("dew > oat");
      }),
    ).toEqual([]);
  });
});

describe("chiller timers at 15-minute intervals (spring, summer, autumn)", () => {
  const windows = [
    new Date("2025-05-19T04:00:00Z"),
    new Date("2025-07-14T04:00:00Z"),
    new Date("2025-09-15T04:00:00Z"),
  ];
  const data = simulate(office, windows, 4, 15);

  test("every chiller run lasts at least the minimum run time, every stop the minimum off time", () => {
    const runs: number[] = [];
    const offs: number[] = [];
    for (const c of chillers) {
      let len = 0;
      let offLen = 0;
      let prevTs = 0;
      for (const s of data) {
        if (s.ts.getTime() - prevTs > 15 * 60_000) {
          len = 0;
          offLen = 0;
        }
        prevTs = s.ts.getTime();
        if (on(s, `${c}.run`)) {
          if (offLen > 0 && len === 0 && offs.length < 1000) offs.push(offLen);
          offLen = 0;
          len++;
        } else {
          if (len > 0) runs.push(len);
          len = 0;
          offLen++;
        }
      }
    }
    expect(runs.length).toBeGreaterThan(3);
    // A run seen in k consecutive interval ends lasted k intervals.
    expect(Math.min(...runs) * 15 * 60_000).toBeGreaterThanOrEqual(CHILLER_TIMERS.minRunMs);
    expect(Math.min(...offs) * 15 * 60_000).toBeGreaterThanOrEqual(CHILLER_TIMERS.minOffMs);
  });
});

describe("a sampled year of the retail store (rooftop units)", () => {
  const rtus = Array.from({ length: retail.sites[0]!.airHandlers.count }, (_, i) => `rtu-${i + 1}`);

  test("DX cooling only above the heating setpoint band, never together with gas heat", () => {
    expect(
      violations(retailSamples, (s, bad) => {
        for (const r of rtus) {
          if (!ok(s, `${r}.cool`, `${r}.heat`)) continue;
          if (num(s, `${r}.cool`) > 0 && num(s, `${r}.heat`) > 0) bad(`${r} cooling and heating`);
        }
      }),
    ).toEqual([]);
  });

  test("the economizer opens beyond its minimum only while the unit cools", () => {
    let economizing = 0;
    expect(
      violations(retailSamples, (s, bad) => {
        for (const r of rtus) {
          if (!ok(s, `${r}.oad`, `${r}.heat`, `${r}.zat`, `${r}.zatsp`) || !on(s, `${r}.fanSts`)) continue;
          if (num(s, `${r}.oad`) <= 40) continue;
          economizing++;
          if (num(s, `${r}.heat`) > 0) bad(`${r} economizing while heating`);
        }
      }),
    ).toEqual([]);
    expect(economizing).toBeGreaterThan(0);
  });

  test("main ≥ sub-meters at every interval; unmetered share 5–15 %", () => {
    let main = 0;
    let subs = 0;
    expect(
      violations(retailSamples, (s, bad) => {
        if (!ok(s, "elec-meter.power", ...ELEC_SUBS)) return;
        const m = num(s, "elec-meter.power");
        const sub = ELEC_SUBS.reduce((a, id) => a + num(s, id), 0);
        main += m;
        subs += sub;
        if (m < sub) bad(`main ${m} < subs ${sub}`);
      }),
    ).toEqual([]);
    expect(1 - subs / main).toBeGreaterThan(0.05);
    expect(1 - subs / main).toBeLessThan(0.15);
  });

  test("night base (01–04 h) 30–50 % of the afternoon load (12–16 h)", () => {
    const tz = retail.sites[0]!.tz;
    const night: number[] = [];
    const day: number[] = [];
    for (const s of retailSamples) {
      if (!ok(s, "elec-meter.power")) continue;
      const h = localTime(s.ts, tz).hour;
      if (h >= 1 && h < 4) night.push(num(s, "elec-meter.power"));
      if (h >= 12 && h < 16) day.push(num(s, "elec-meter.power"));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = mean(night) / mean(day);
    expect(base).toBeGreaterThan(0.3);
    expect(base).toBeLessThan(0.5);
  });

  test("gas heating only with a heating call", () => {
    expect(
      violations(retailSamples, (s, bad) => {
        if (!ok(s, "gas-heating.flow") || num(s, "gas-heating.flow") === 0) return;
        if (!rtus.some((r) => num(s, `${r}.heat`) > 0))
          bad(`gas ${num(s, "gas-heating.flow")} cfh with no unit heating`);
      }),
    ).toEqual([]);
  });
});
