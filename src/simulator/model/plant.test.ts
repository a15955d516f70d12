import { describe, expect, test } from "bun:test";
import { buildingSchema } from "../config-building.ts";
import { getTemplate } from "../templates/index.ts";
import { buildEntities } from "./entities.ts";
import { generateInterval, initialState } from "./generate.ts";
import { CHILLER_TIMERS, chwPlant, designDeltaT, type StageUnit, stage, stageUnits } from "./plant.ts";
import { intervalsBetween } from "./time.ts";
import type { Building } from "./types.ts";

const MIN = 60_000;
const unit = (running: boolean, since: number, available = true): StageUnit => ({
  available,
  running,
  since,
});

describe("staging", () => {
  test("hysteresis: start above 5 %, stop below 3 %, up above 90 % of running capacity, down below 60 % of one fewer", () => {
    expect([stage(14, 300, 0, 2), stage(16, 300, 0, 2), stage(10, 300, 1, 2), stage(8, 300, 1, 2)]).toEqual([
      0, 1, 1, 0,
    ]);
    expect([
      stage(280, 300, 1, 2),
      stage(260, 300, 1, 2),
      stage(200, 300, 2, 2),
      stage(170, 300, 2, 2),
    ]).toEqual([2, 1, 2, 1]);
  });

  test("a running unit keeps running until its minimum run time, a stopped one stays off its minimum off time", () => {
    const now = 100 * MIN;
    // Load gone 10 minutes after a start: the chiller holds on (30 min minimum run).
    expect(stageUnits([unit(true, now - 10 * MIN), unit(false, 0)], 0, 300, now, CHILLER_TIMERS)).toEqual([
      true,
      false,
    ]);
    expect(stageUnits([unit(true, now - 30 * MIN), unit(false, 0)], 0, 300, now, CHILLER_TIMERS)).toEqual([
      false,
      false,
    ]);
    // Load back 10 minutes after a stop: the lead waits (20 min anti-recycle), the lag starts instead.
    expect(stageUnits([unit(false, now - 10 * MIN), unit(false, 0)], 100, 300, now, CHILLER_TIMERS)).toEqual([
      false,
      true,
    ]);
  });

  test("an unavailable unit stops at once, whatever its timer; stops go to the lag unit first", () => {
    const now = 100 * MIN;
    expect(stageUnits([unit(true, now - MIN, false), unit(false, 0)], 100, 300, now, CHILLER_TIMERS)).toEqual(
      [false, true],
    );
    expect(stageUnits([unit(true, 0), unit(true, 0)], 100, 300, now, CHILLER_TIMERS)).toEqual([true, false]);
  });

  test("design chilled water ΔT: 12 °F at full load, 9 °F at none", () => {
    expect([designDeltaT(1), designDeltaT(0), designDeltaT(2)]).toEqual([12, 9, 12]);
  });
});

/** The office tower with its chillers' condenser as given (other chiller fields from the template). */
function officeWith(condenser: "water" | "air"): Building {
  const input = structuredClone(getTemplate("office-tower")!.building) as {
    sites: Array<{ chillers: Record<string, unknown> }>;
  };
  const ch = input.sites[0]!.chillers;
  ch.condenser = condenser;
  delete ch.baseCop;
  return buildingSchema.parse(input);
}

/** A running chiller's COP at full load (600 tons on two 300-ton chillers) in the given weather. */
function fullLoadCop(
  b: Building,
  dryBulb: number,
  wetBulb: number,
): { cop: number; aux: number; makeup: number } {
  const s = b.sites[0]!;
  const r = chwPlant(s, 600, [true, true], 44, { dryBulb, wetBulb }, 70);
  const ch = r.chillers[0]!;
  return { cop: (ch.loadTons * 3.517) / ch.powerKw, aux: r.auxKw, makeup: r.makeupGpm };
}

describe("air-cooled and water-cooled chillers", () => {
  const air = officeWith("air");
  const water = officeWith("water");

  test("air-cooled: full-load COP 2.8–3.5 at the 95 °F AHRI rating, rising as the outdoor air cools", () => {
    const rated = fullLoadCop(air, 95, 75).cop;
    expect(rated).toBeGreaterThanOrEqual(2.8);
    expect(rated).toBeLessThanOrEqual(3.5);
    expect(fullLoadCop(air, 75, 65).cop).toBeGreaterThan(rated * 1.2);
    expect(fullLoadCop(air, 105, 75).cop).toBeLessThan(rated);
    // The wet bulb does not matter to an air-cooled condenser.
    expect(fullLoadCop(air, 95, 60).cop).toBeCloseTo(rated, 6);
  });

  test("water-cooled: full-load COP 5.5–7 at 85 °F condenser water (≈ 0.5–0.65 kW/ton), on the wet bulb", () => {
    const rated = fullLoadCop(water, 95, 78).cop;
    expect(rated).toBeGreaterThanOrEqual(5.5);
    expect(rated).toBeLessThanOrEqual(7);
    expect(fullLoadCop(water, 95, 65).cop).toBeGreaterThan(rated);
  });

  test("air-cooled: no condenser pumps, tower fans or makeup water; water-cooled has them", () => {
    const a = fullLoadCop(air, 95, 75);
    const w = fullLoadCop(water, 95, 75);
    expect(a.makeup).toBe(0);
    expect(w.makeup).toBeGreaterThan(0);
    expect(a.aux).toBeLessThan(w.aux);
  });

  test("entities: an air-cooled chiller is tagged airCooled and has no condenser water point, no tower meter", () => {
    const ea = buildEntities(air);
    const ew = buildEntities(water);
    const chiller = (es: typeof ea) => es.find((e) => e.localId === "chiller-1")!;
    expect(chiller(ea).tags.airCooled).toBeDefined();
    expect(chiller(ea).tags.waterCooled).toBeUndefined();
    expect(chiller(ew).tags.waterCooled).toBeDefined();
    expect(ea.some((e) => e.tags.condenser !== undefined)).toBe(false);
    expect(ea.some((e) => e.localId === "water-tower")).toBe(false);
    expect(ew.some((e) => e.localId === "chiller-1.cwet" && e.tags.condenser !== undefined)).toBe(true);
    expect(ew.some((e) => e.localId === "water-tower")).toBe(true);
  });

  test("a July day of the air-cooled tower: running chillers draw 0.7–1.5 kW/ton (IPLV-like part load in mild air to full load in the heat), more in the afternoon heat", () => {
    const entities = buildEntities(air);
    let state = initialState({ building: air, entities, seed: 5 });
    const kwPerTon: Array<[number, number]> = [];
    const from = new Date("2025-07-15T04:00:00Z");
    for (const ts of intervalsBetween(from, new Date(from.getTime() + 24 * 3_600_000), 15)) {
      const r = generateInterval({ building: air, entities, seed: 5, ts, intervalMinutes: 15, state });
      state = r.state;
      const v = new Map(r.rows.map((x) => [x.localId, x.value_n ?? x.value_b]));
      for (const ch of ["chiller-1", "chiller-2"])
        if (v.get(`${ch}.run`) === true && (v.get(`${ch}.load`) as number) > 100)
          kwPerTon.push([v.get("weather.oat") as number, v.get(`${ch}.efficiency`) as number]);
    }
    expect(kwPerTon.length).toBeGreaterThan(8);
    for (const [, e] of kwPerTon) {
      expect(e).toBeGreaterThan(0.7);
      expect(e).toBeLessThan(1.5);
    }
    const hot = kwPerTon.filter(([t]) => t >= 88).map(([, e]) => e);
    const mild = kwPerTon.filter(([t]) => t < 80).map(([, e]) => e);
    if (hot.length > 0 && mild.length > 0) expect(Math.min(...hot)).toBeGreaterThan(Math.max(...mild) - 0.05);
  });
});
