// The campus laboratory (Meridian East Lab) over a sampled year, on the data as generated: its AHUs
// run 100 % outside air around the clock (outside air flow = supply flow, damper 100 %, fans on every
// interval, nights and weekends included), the rooms hold at least their minimum air change rate and
// their hoods' exhaust, and the annual site energy intensity is a laboratory's: 30–100 kWh/ft²·yr
// (Labs21/I2SL benchmarking of US laboratories; CBECS 2012 offices are about 15 kWh/ft²·yr).
import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "../model/entities.ts";
import { benchmarkFaults } from "../model/faults.ts";
import { generateInterval, initialState } from "../model/generate.ts";
import { GAS_BTU_PER_FT3 } from "../model/plant.ts";
import { intervalsBetween } from "../model/time.ts";
import type { Building } from "../model/types.ts";

const HOUR = 3_600_000;
const SEED = 3;
const campus = templateBuilding("campus");
const lab = campus.sites.find((s) => s.key === "east")!;
const building: Building = { name: campus.name, sites: [lab] };
const entities = buildEntities(building);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Sample {
  ts: Date;
  month: number;
  v: Map<string, number | boolean>;
}

/** Each month: a warm-up day, then three days (one of them a weekend day) at 60-minute intervals. */
const samples: Sample[] = [];
for (let m = 0; m < 12; m++) {
  const start = new Date(Date.UTC(2025, m, 9));
  let state = initialState({ building, entities, seed: SEED });
  const list = intervalsBetween(start, new Date(start.getTime() + 4 * 24 * HOUR), 60);
  for (const [i, ts] of list.entries()) {
    const r = generateInterval({ building, entities, seed: SEED, ts, intervalMinutes: 60, state });
    state = r.state;
    if (i >= 24)
      samples.push({ ts, month: m, v: new Map(r.rows.map((x) => [x.localId, (x.value_n ?? x.value_b)!])) });
  }
}
const num = (s: Sample, id: string) => s.v.get(id) as number;
const ahus = ["east-ahu-1", "east-ahu-2"];

describe("campus laboratory", () => {
  test("100 % outside air, 24/7: outside air flow = supply flow and damper 100 % at every interval", () => {
    const bad: string[] = [];
    for (const s of samples) {
      for (const a of ahus) {
        const oaf = num(s, `${a}.oaFlow`) / num(s, `${a}.flow`);
        if (s.v.get(`${a}.fanSts`) !== true || num(s, `${a}.oad`) !== 100 || Math.abs(oaf - 1) > 0.05)
          bad.push(
            `${s.ts.toISOString()} ${a} fan ${s.v.get(`${a}.fanSts`)} oad ${num(s, `${a}.oad`)} OA fraction ${oaf}`,
          );
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  test("rooms get at least 5.8 air changes an hour and their hoods' exhaust less the offset", () => {
    const bad: string[] = [];
    const volume = (lab.area / lab.floors / lab.vavs.zones.length) * 9;
    for (const s of samples) {
      for (const id of s.v.keys()) {
        if (!/^east-vav-\d+-\d+\.flow$/.test(id)) continue;
        const flow = num(s, id);
        const hood = num(s, id.replace(".flow", ".hood"));
        const ach = (flow * 60) / volume;
        // 5 % for the flow sensor's noise (1 % standard deviation).
        if (ach < 5.8 * 0.95 || flow < 0.9 * hood * 0.95)
          bad.push(`${s.ts.toISOString()} ${id} ${flow} cfm, ${ach} ACH, hoods ${hood}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  test("annual site energy intensity within 30–100 kWh/ft²·yr", () => {
    let kwh = 0;
    for (let m = 0; m < 12; m++) {
      const month = samples.filter((s) => s.month === m);
      const elec = month.reduce((a, s) => a + num(s, "east-elec-meter.power"), 0);
      const gasKw = month.reduce(
        (a, s) => a + (num(s, "east-gas-meter.flow") * GAS_BTU_PER_FT3) / 3412.14,
        0,
      );
      kwh += ((elec + gasKw) / month.length) * 24 * DAYS_IN_MONTH[m]!;
    }
    const eui = kwh / lab.area;
    console.log(`campus lab site EUI ${eui.toFixed(1)} kWh/ft²·yr`);
    expect(eui).toBeGreaterThan(30);
    expect(eui).toBeLessThan(100);
  });

  test("the FDD benchmark overrides no schedule of the lab (it runs around the clock: nothing to see)", () => {
    const faults = benchmarkFaults(campus, 9, 2025);
    expect(faults.filter((f) => f.type === "schedule_override" && f.target.startsWith("east-"))).toEqual([]);
    expect(faults.some((f) => f.type === "schedule_override")).toBe(true);
  });

  test("heat recovery on the exhaust saves heating gas in January and keeps mixed air between outside and return", () => {
    const gas = (eff: number) => {
      const site = { ...lab, airHandlers: { ...lab.airHandlers, heatRecovery: eff } };
      const b: Building = { name: campus.name, sites: [site] };
      let state = initialState({ building: b, entities, seed: SEED });
      let sum = 0;
      const list = intervalsBetween(new Date(Date.UTC(2025, 0, 14)), new Date(Date.UTC(2025, 0, 17)), 60);
      for (const [i, ts] of list.entries()) {
        const r = generateInterval({ building: b, entities, seed: SEED, ts, intervalMinutes: 60, state });
        state = r.state;
        const v = new Map(r.rows.map((x) => [x.localId, x.value_n]));
        if (i < 24) continue;
        sum += v.get("east-gas-meter.flow")!;
        const [oat, mat, rat] = ["east-weather.oat", "east-ahu-1.mat", "east-ahu-1.rat"].map(
          (k) => v.get(k)!,
        );
        expect(mat).toBeGreaterThanOrEqual(Math.min(oat!, rat!) - 0.5);
        expect(mat).toBeLessThanOrEqual(Math.max(oat!, rat!) + 0.5);
      }
      return sum;
    };
    expect(gas(0.5)).toBeLessThan(0.8 * gas(0));
  });
});
