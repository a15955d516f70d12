// Each template site's simulated weather against its station's NOAA 1991–2020 normals: over one
// simulated year, every month's mean dry bulb within 2 °F of the normal and the mean daily range
// within 25 % of the normal range.
import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { localTime } from "../model/time.ts";
import { weatherAt } from "../model/weather.ts";
import { NORMALS, type StationNormals } from "./normals.ts";

const SITES: Array<[string, string, StationNormals]> = [
  ["office-tower", "", NORMALS.newYork],
  ["retail-rtu", "", NORMALS.phoenix],
  ["campus", "east", NORMALS.boston],
  ["campus", "central", NORMALS.chicago],
  ["campus", "west", NORMALS.denver],
];

describe.each(SITES)("%s %s", (template, key, normals) => {
  const site = templateBuilding(template).sites.find((s) => s.key === key)!;
  const days = new Map<string, { month: number; min: number; max: number }>();
  const sums = new Array<number>(12).fill(0);
  const counts = new Array<number>(12).fill(0);
  for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2026, 0, 1); t += 3_600_000) {
    const ts = new Date(t);
    const lt = localTime(ts, site.tz);
    const temp = weatherAt(site, 1, ts).temp;
    sums[lt.month - 1]! += temp;
    counts[lt.month - 1]!++;
    const day = `${lt.month}-${lt.day}`;
    const d = days.get(day) ?? { month: lt.month - 1, min: temp, max: temp };
    days.set(day, { month: d.month, min: Math.min(d.min, temp), max: Math.max(d.max, temp) });
  }

  test(`monthly means within 2 °F of ${normals.station}`, () => {
    const off = sums
      .map((s, m) => ({ m: m + 1, sim: s / counts[m]!, normal: (normals.max[m]! + normals.min[m]!) / 2 }))
      .filter((x) => Math.abs(x.sim - x.normal) >= 2);
    expect(off).toEqual([]);
  });

  test("mean daily range within 25 % of the normal range", () => {
    for (let m = 0; m < 12; m++) {
      const ranges = [...days.values()].filter((d) => d.month === m).map((d) => d.max - d.min);
      const mean = ranges.reduce((a, b) => a + b, 0) / ranges.length;
      const normal = normals.max[m]! - normals.min[m]!;
      const got = { m: m + 1, mean: Math.round(mean * 10) / 10, normal };
      expect({ ...got, ok: Math.abs(mean - normal) < 0.25 * normal }).toEqual({ ...got, ok: true });
    }
  });
});
