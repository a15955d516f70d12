/** @jsxImportSource hono/jsx */
import { describe, expect, test } from "bun:test";
import { Chart, localTicks } from "./chart.tsx";
import { sparkPath } from "./sparkline.tsx";

const at = (iso: string) => Date.parse(iso) / 1000;

describe("time axis ticks in the site's zone", () => {
  test("one day in New York: every 3 local hours, the day named at local midnight", () => {
    const ticks = localTicks(at("2026-01-15T05:10:00Z"), at("2026-01-16T05:10:00Z"), "America/New_York");
    expect(ticks.map((t) => t.label)).toEqual([
      "03:00",
      "06:00",
      "09:00",
      "12:00",
      "15:00",
      "18:00",
      "21:00",
      "Fri 16",
    ]);
    expect(ticks[0]!.t).toBe(at("2026-01-15T08:00:00Z"));
  });
  test("a zone off by half an hour ticks on its own whole hours", () => {
    const ticks = localTicks(at("2026-01-15T00:00:00Z"), at("2026-01-15T06:00:00Z"), "Asia/Kolkata");
    expect(ticks[0]).toEqual({ t: at("2026-01-15T00:30:00Z"), label: "06:00" });
  });
  test("across the spring DST change the labels stay on local hours", () => {
    const ticks = localTicks(at("2026-03-08T04:00:00Z"), at("2026-03-08T16:00:00Z"), "America/New_York");
    // 02:00 does not exist that day (01:59 EST is followed by 03:00 EDT)
    expect(ticks.map((t) => t.label)).toEqual(["Sun 8", "04:00", "06:00", "08:00", "10:00", "12:00"]);
    expect(ticks[1]!.t).toBe(at("2026-03-08T08:00:00Z"));
  });
  test("a week ticks at local midnights", () => {
    const ticks = localTicks(at("2026-01-15T12:00:00Z"), at("2026-01-22T12:00:00Z"), "America/New_York");
    expect(ticks.map((t) => t.label)).toEqual([
      "Fri 16",
      "Sat 17",
      "Sun 18",
      "Mon 19",
      "Tue 20",
      "Wed 21",
      "Thu 22",
    ]);
  });
});

test("the chart names the site zone and says when the extremes happened, in site time", async () => {
  const x = [at("2026-01-15T10:00:00Z"), at("2026-01-15T19:00:00Z"), at("2026-01-16T03:00:00Z")];
  const html = String(
    await (
      <Chart
        title="t"
        tz="America/New_York"
        x={x}
        series={[{ name: "Outside air", unit: "°F", values: [20, 41, null] }]}
      />
    ).toString(),
  );
  expect(html).toContain("Times in site time: EST, America/New_York");
  expect(html).toContain("lowest");
  expect(html).toContain("20 °F at 2026-01-15 05:00 EST");
  expect(html).toContain("41 °F at 2026-01-15 14:00 EST");
  // the interactive chart gets the same zone
  expect(html).toContain('"tz":"America/New_York"');
});

test("sparkline paths span the box, bridge short gaps and break at long ones", () => {
  expect(sparkPath([0, 10], 100, 20)).toBe("M0.0,19.0L100.0,1.0");
  expect(sparkPath([1, null, 1], 10, 10)).toBe("M0.0,5.0L10.0,5.0");
  expect(sparkPath([1, null, null, null, 1], 40, 10)).toBe("M0.0,5.0M40.0,5.0");
  expect(sparkPath([null, null], 10, 10)).toBe("");
});
