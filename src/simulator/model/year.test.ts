// Physical rules over a simulated year of the office template: every month, a day of warm-up and
// then two days checked interval by interval (60-minute intervals, no faults, quality rates 0), so
// every season, economizer mode, heating and cooling regime is visited in a few seconds.
import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "./entities.ts";
import { generateInterval, initialState } from "./generate.ts";
import { intervalsBetween } from "./time.ts";

const office = templateBuilding("office-tower");
const entities = buildEntities(office);
const site = office.sites[0]!;
const SEED = 7;
const HOUR = 3_600_000;

interface Sample {
  ts: Date;
  v: Map<string, number | boolean>;
}

/** Intervals of each month's 10th to 12th, the first day being warm-up (not returned). */
function year(): Sample[] {
  const out: Sample[] = [];
  for (let month = 0; month < 12; month++) {
    const start = new Date(Date.UTC(2025, month, 10));
    let state = initialState({ building: office, entities, seed: SEED });
    const list = intervalsBetween(start, new Date(start.getTime() + 72 * HOUR), 60);
    for (const [i, ts] of list.entries()) {
      const r = generateInterval({
        building: office,
        entities,
        seed: SEED,
        ts,
        intervalMinutes: 60,
        state,
        quality: { stalePercent: 0, faultPercent: 0 },
      });
      state = r.state;
      if (i >= 24) out.push({ ts, v: new Map(r.rows.map((x) => [x.localId, (x.value_n ?? x.value_b)!])) });
    }
  }
  return out;
}

const samples = year();
const num = (s: Sample, id: string): number => {
  const v = s.v.get(id);
  if (typeof v !== "number") throw new Error(`${id} at ${s.ts.toISOString()} is not a number: ${v}`);
  return v;
};
const on = (s: Sample, id: string): boolean => s.v.get(id) === true;
const chillers = Array.from({ length: site.chillers.count }, (_, i) => `chiller-${i + 1}`);
const boilers = Array.from({ length: site.boilers.count }, (_, i) => `boiler-${i + 1}`);
const ahus = Array.from({ length: site.airHandlers.count }, (_, i) => `ahu-${i + 1}`);
const vavFlows = [...samples[0]!.v.keys()].filter((id) => /^vav-.*\.flow$/.test(id));

/** Collects every violation instead of stopping at the first one (one readable failure). */
function violations(check: (s: Sample, bad: (what: string) => void) => void): string[] {
  const out: string[] = [];
  for (const s of samples) check(s, (what) => out.length < 20 && out.push(`${s.ts.toISOString()} ${what}`));
  return out;
}

describe("a simulated year of the office tower", () => {
  test("covers every month, heating and cooling", () => {
    expect(new Set(samples.map((s) => s.ts.getUTCMonth())).size).toBe(12);
    expect(samples.some((s) => chillers.some((c) => on(s, `${c}.run`)))).toBe(true);
    expect(samples.some((s) => num(s, "gas-heating.flow") > 0)).toBe(true);
    expect(vavFlows.length).toBe(48);
  });

  test("chilled water returns warmer than it leaves whenever a chiller runs", () => {
    expect(
      violations((s, bad) => {
        for (const c of chillers)
          if (on(s, `${c}.run`) && !(num(s, `${c}.chwet`) > num(s, `${c}.chwlt`)))
            bad(`${c} entering ${num(s, `${c}.chwet`)} ≤ leaving ${num(s, `${c}.chwlt`)}`);
        if (
          chillers.some((c) => on(s, `${c}.run`)) &&
          !(num(s, "chw-plant.chwrt") > num(s, "chw-plant.chwst"))
        )
          bad("plant return ≤ supply");
      }),
    ).toEqual([]);
  });

  test("mixed air lies between outside and return air while a fan runs", () => {
    expect(
      violations((s, bad) => {
        const oat = num(s, "weather.oat");
        for (const a of ahus) {
          if (!on(s, `${a}.fanCmd`)) continue;
          const rat = num(s, `${a}.rat`);
          const mat = num(s, `${a}.mat`);
          if (mat < Math.min(oat, rat) - 0.6 || mat > Math.max(oat, rat) + 0.6)
            bad(`${a} mixed ${mat} outside [${oat}, ${rat}]`);
        }
      }),
    ).toEqual([]);
  });

  test("VAV airflow stays within the box limits (zero with the fan off)", () => {
    const max = site.vavs.maxFlowCfm * 1.05;
    expect(
      violations((s, bad) => {
        for (const id of vavFlows) {
          const f = num(s, id);
          if (f < 0 || f > max) bad(`${id} ${f} cfm outside [0, ${max}]`);
        }
        for (const a of ahus)
          if (!on(s, `${a}.fanCmd`) && num(s, `${a}.flow`) !== 0) bad(`${a} off but moves air`);
      }),
    ).toEqual([]);
  });

  test("flows, loads, powers and registers are never negative", () => {
    expect(
      violations((s, bad) => {
        for (const [id, v] of s.v)
          if (/\.(flow|chwf|power|energy|volume|load|gas|fire)$/.test(id) && typeof v === "number" && v < 0)
            bad(`${id} = ${v}`);
      }),
    ).toEqual([]);
  });

  test("electric power is at least the sum of its measured sub-loads", () => {
    expect(
      violations((s, bad) => {
        const main = num(s, "elec-meter.power");
        const subs = num(s, "elec-hvac.power") + num(s, "elec-lighting.power") + num(s, "elec-plug.power");
        const measured =
          chillers.reduce((a, c) => a + num(s, `${c}.power`), 0) +
          ahus.reduce((a, x) => a + num(s, `${x}.power`), 0);
        if (main < 0.98 * subs) bad(`main ${main} kW < sub-meters ${subs} kW`);
        if (main < 0.98 * measured) bad(`main ${main} kW < chillers + fans ${measured} kW`);
      }),
    ).toEqual([]);
  });

  test("heating gas only with a heating load (a boiler firing)", () => {
    expect(
      violations((s, bad) => {
        const firing = boilers.some((b) => on(s, `${b}.run`) && num(s, `${b}.fire`) > 0);
        if (num(s, "gas-heating.flow") > 0 && !firing)
          bad(`heating gas ${num(s, "gas-heating.flow")} with no boiler firing`);
        for (const b of boilers)
          if (num(s, `${b}.gas`) > 0 && !on(s, `${b}.run`)) bad(`${b} burns gas while off`);
      }),
    ).toEqual([]);
  });
});
