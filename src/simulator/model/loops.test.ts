// PI loops on a first-order-plus-dead-time process, judged as a controls engineer judges a step test:
// a loop tuned to its process settles within a few time constants without sustained oscillation and
// with little overshoot; one with its gain several times too high hunts in a limit cycle bounded by its
// actuator; a saturated loop does not wind up; a stuck actuator drives the output to a limit.
import { describe, expect, test } from "bun:test";
import { type LoopState, readLoop, runLoop, SCAN_MIN, simcTuning, writeLoop } from "./loops.ts";

// A discharge-air-like process: 0.3 °F per % valve, 3 min lag, 1.25 min dead time, 90-s actuator.
const K = 0.3;
const P = { steady: (u: number) => 80 - K * u, tauMin: 3, deadMin: 1.25 };
const A = { lo: 0, hi: 100, strokeMin: 1.5 };
const tuned = simcTuning(K, P.tauMin, P.deadMin + A.strokeMin / 2);

/** Minute-by-minute errors after a setpoint step from 65 to 60 °F at rest. */
function stepTest(gainMultiple: number, minutes: number): number[] {
  const t = simcTuning(K, P.tauMin, P.deadMin + A.strokeMin / 2, gainMultiple);
  const s = readLoop(undefined, "dat", { out: 50, y: 65 }, P.deadMin);
  const errors: number[] = [];
  for (let m = 0; m < minutes; m++) {
    runLoop(s, 60, P, t, A, 1, 1);
    errors.push(s.y - 60);
  }
  return errors;
}

const signChanges = (xs: number[]) => xs.slice(1).filter((x, k) => Math.sign(x) !== Math.sign(xs[k]!)).length;

describe("PI loop on a first-order-plus-dead-time process", () => {
  test("tuned: settles within 15 minutes (±2 % of the step) with overshoot under 10 % and no hunting", () => {
    const e = stepTest(1, 90);
    const settled = e.findIndex((_, k) => e.slice(k).every((x) => Math.abs(x) <= 0.1));
    expect(settled).toBeGreaterThanOrEqual(0);
    expect(settled + 1).toBeLessThanOrEqual(15);
    expect(-Math.min(...e)).toBeLessThan(0.5);
    expect(signChanges(e.slice(30).filter((x) => Math.abs(x) > 0.05))).toBe(0);
  });

  test("mistuned (5× gain): overshoots and keeps oscillating an hour later", () => {
    const e = stepTest(5, 120);
    expect(-Math.min(...e.slice(0, 20))).toBeGreaterThan(1);
    const lastHour = e.slice(60);
    expect(Math.max(...lastHour) - Math.min(...lastHour)).toBeGreaterThan(3);
    expect(signChanges(lastHour)).toBeGreaterThanOrEqual(10);
  });

  test("anti-windup: an hour saturated at full output, then a reachable setpoint, recovers without a large overshoot", () => {
    const s = readLoop(undefined, "dat", { out: 50, y: 65 }, P.deadMin);
    runLoop(s, 40, P, tuned, A, 60, 1);
    expect(s.out).toBe(100);
    expect(s.i).toBeLessThanOrEqual(100);
    const e: number[] = [];
    for (let m = 0; m < 30; m++) {
      runLoop(s, 62, P, tuned, A, 1, 1);
      e.push(s.y - 62);
    }
    // Under a quarter of the 12 °F move back (an integral wound up over the hour would hold the valve
    // open for many minutes and overshoot by the whole range).
    expect(Math.max(...e)).toBeLessThan(3);
    expect(Math.abs(e[e.length - 1]!)).toBeLessThan(0.1);
  });

  test("stuck actuator: the process follows the stuck position while the output winds to a limit", () => {
    const s = readLoop(undefined, "dat", { out: 50, y: 65 }, P.deadMin);
    runLoop(s, 55, P, tuned, A, 30, 1, { stuckAt: 20 });
    expect(s.y).toBeCloseTo(80 - K * 20, 1);
    expect(s.out).toBe(100);
  });

  test("the trajectory does not depend on the interval length: 12 × 5 min = 60 × 1 min", () => {
    const a = readLoop(undefined, "x", { out: 50, y: 65 }, P.deadMin);
    const b = readLoop(undefined, "x", { out: 50, y: 65 }, P.deadMin);
    for (let k = 0; k < 12; k++) runLoop(a, 60, P, tuned, A, 5, 1);
    for (let k = 0; k < 60; k++) runLoop(b, 60, P, tuned, A, 1, 1);
    expect(a.y).toBeCloseTo(b.y, 9);
    expect(a.out).toBeCloseTo(b.out, 9);
  });

  test("the state round-trips through the carried record (a restart resumes mid-oscillation exactly)", () => {
    const t = simcTuning(K, P.tauMin, P.deadMin + A.strokeMin / 2, 5);
    const s = readLoop(undefined, "dat", { out: 50, y: 65 }, P.deadMin);
    runLoop(s, 60, P, t, A, 7, 1);
    const rec: Record<string, number[]> = {};
    writeLoop(rec, "dat", s);
    const resumed: LoopState = readLoop(JSON.parse(JSON.stringify(rec)), "dat", { out: 0, y: 0 }, P.deadMin);
    expect(resumed).toEqual(s);
    runLoop(s, 60, P, t, A, 5, 1);
    runLoop(resumed, 60, P, t, A, 5, 1);
    expect(resumed).toEqual(s);
    expect(SCAN_MIN).toBeLessThanOrEqual(0.5);
  });
});
