import { describe, expect, test } from "bun:test";
import { episodeAt } from "./quality.ts";

const MIN = 60_000;

describe("data-quality episodes", () => {
  test("active for about the configured share of time, in episodes of about the mean length", () => {
    let active = 0;
    let episodes = 0;
    let was = false;
    const step = MIN;
    const n = 2_000_000;
    for (let k = 0; k < n; k++) {
      const on = episodeAt(1, "ahu-1", k * step, 2, 40 * MIN) !== null;
      if (on) active++;
      if (on && !was) episodes++;
      was = on;
    }
    expect((100 * active) / n).toBeGreaterThan(1.6);
    expect((100 * active) / n).toBeLessThan(2.4);
    const meanMinutes = active / episodes;
    expect(meanMinutes).toBeGreaterThan(30);
    expect(meanMinutes).toBeLessThan(50);
  });

  test("pure in (seed, key, time): the same answer whatever was asked before; none at 0 %", () => {
    const t = 1_750_000_000_000;
    const a = episodeAt(3, "vav-1-1", t, 50, 60 * MIN);
    episodeAt(3, "vav-1-2", t, 50, 60 * MIN);
    expect(episodeAt(3, "vav-1-1", t, 50, 60 * MIN)).toEqual(a);
    expect(episodeAt(3, "vav-1-1", t, 0, 60 * MIN)).toBeNull();
  });

  test("an episode covers a contiguous span: every instant inside it reports the same episode", () => {
    let found = null as ReturnType<typeof episodeAt>;
    for (let t = 0; !found; t += MIN) found = episodeAt(9, "meter", t, 5, 40 * MIN);
    for (let t = Math.ceil(found.start); t < found.end; t += MIN)
      expect(episodeAt(9, "meter", t, 5, 40 * MIN)).toEqual(found);
  });
});
