import { describe, expect, test } from "bun:test";
import { CHILLER_TIMERS, designDeltaT, type StageUnit, stage, stageUnits } from "./plant.ts";

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
