import { describe, expect, test } from "bun:test";
import { ar1, normal, uniform } from "./noise.ts";

describe("counter-based noise", () => {
  test("same (seed, key, counter) gives the same draw; any change gives another", () => {
    const base = uniform(7, "ahu-1.dat", 1000);
    expect(uniform(7, "ahu-1.dat", 1000)).toBe(base);
    expect(uniform(8, "ahu-1.dat", 1000)).not.toBe(base);
    expect(uniform(7, "ahu-2.dat", 1000)).not.toBe(base);
    expect(uniform(7, "ahu-1.dat", 1001)).not.toBe(base);
    expect(uniform(7, "ahu-1.dat", 1000, 1)).not.toBe(base);
  });

  test("uniform in (0, 1) with mean ½, normal with mean 0 and variance 1", () => {
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const u = uniform(1, "k", i);
      expect(u > 0 && u < 1).toBe(true);
      su += u;
      const z = normal(1, "k", i);
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sn / n)).toBeLessThan(0.03);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.05);
  });

  test("ar1 is persistent: neighbouring steps correlate, distant ones do not", () => {
    let near = 0;
    let far = 0;
    let v = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const a = ar1(3, "x", i, 0.9);
      v += a * a;
      near += a * ar1(3, "x", i + 1, 0.9);
      far += a * ar1(3, "x", i + 200, 0.9);
    }
    expect(near / v).toBeGreaterThan(0.8);
    expect(Math.abs(far / v)).toBeLessThan(0.2);
  });

  test("ar1 interpolates between steps without jumps", () => {
    const a = ar1(3, "x", 10, 0.9);
    const b = ar1(3, "x", 11, 0.9);
    expect(ar1(3, "x", 10.5, 0.9)).toBeCloseTo((a + b) / 2, 10);
  });
});
