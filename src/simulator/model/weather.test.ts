import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { localTime } from "./time.ts";
import type { SiteSpec } from "./types.ts";
import { diurnalShape, midMonthValues, sunriseSolarHour, weatherAt } from "./weather.ts";

// New York Central Park, NOAA NCEI 1991–2020 normals: monthly mean and normal max − min, °F.
const NYC_MEANS = [33.7, 35.9, 42.8, 53.7, 63.2, 72.0, 77.5, 76.1, 69.2, 57.9, 48.0, 39.1];
const NYC_RANGES = [11.6, 12.7, 14.1, 16.3, 16.4, 15.3, 14.8, 14.4, 13.9, 13.1, 12.0, 10.5];
const base = templateBuilding("office-tower").sites[0]!;
const site: SiteSpec = {
  ...base,
  climate: { ...base.climate, monthlyMeans: NYC_MEANS, monthlyRanges: NYC_RANGES },
};

describe("climate normals", () => {
  test("mid-month values reproduce the monthly means under linear interpolation", () => {
    const v = midMonthValues(NYC_MEANS);
    for (let m = 0; m < 12; m++) {
      const avg = (v[(m + 11) % 12]! + 6 * v[m]! + v[(m + 1) % 12]!) / 8;
      expect(avg).toBeCloseTo(NYC_MEANS[m]!, 6);
    }
  });

  test("five simulated years average within 2 °F of the normals every month", () => {
    const sums = new Array<number>(12).fill(0);
    const counts = new Array<number>(12).fill(0);
    for (let t = Date.UTC(2021, 0, 1); t < Date.UTC(2026, 0, 1); t += 3 * 3_600_000) {
      const ts = new Date(t);
      const m = localTime(ts, site.tz).month - 1;
      sums[m]! += weatherAt(site, 11, ts).temp;
      counts[m]!++;
    }
    const means = sums.map((x, m) => x / counts[m]!);
    for (let m = 0; m < 12; m++)
      expect({ m, off: Math.abs(means[m]! - NYC_MEANS[m]!) < 2 }).toEqual({ m, off: true });
  });
});

describe("diurnal cycle", () => {
  test("the shape is −1 at sunrise, +1 at 15:00 solar, and averages zero over the day", () => {
    const sunrise = sunriseSolarHour(40.7, 180);
    expect(sunrise).toBeGreaterThan(4);
    expect(sunrise).toBeLessThan(5);
    expect(diurnalShape(sunrise, sunrise)).toBeCloseTo(-1, 9);
    expect(diurnalShape(15, sunrise)).toBeCloseTo(1, 9);
    let sum = 0;
    for (let k = 0; k < 2400; k++) sum += diurnalShape(k / 100, sunrise);
    expect(Math.abs(sum / 2400)).toBeLessThan(0.01);
  });

  test("the coldest hour of a month's mean day is within 1.5 h of sunrise, later in winter than in summer", () => {
    const coldest = (month: number): number => {
      const byHour = new Array<number>(24).fill(0);
      for (let d = 1; d <= 28; d++)
        for (let h = 0; h < 24; h++) {
          const ts = new Date(Date.UTC(2025, month, d, h));
          const solar = (((h + site.geo.lng / 15) % 24) + 24) % 24;
          byHour[Math.floor(solar)]! += weatherAt(site, 5, ts).temp;
        }
      return byHour.indexOf(Math.min(...byHour));
    };
    const jan = coldest(0);
    const jun = coldest(5);
    expect(Math.abs(jan - sunriseSolarHour(site.geo.lat, 15))).toBeLessThan(1.5);
    expect(Math.abs(jun - sunriseSolarHour(site.geo.lat, 166))).toBeLessThan(1.5);
    expect(jan).toBeGreaterThan(jun);
  });

  test("dew point and wet bulb never exceed the dry bulb", () => {
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2026, 0, 1); t += 5 * 3_600_000) {
      const w = weatherAt(site, 2, new Date(t));
      expect(w.dewPoint).toBeLessThanOrEqual(w.temp);
      expect(w.wetBulb).toBeLessThanOrEqual(w.temp);
      expect(w.wetBulb).toBeGreaterThanOrEqual(w.dewPoint);
    }
  });
});
