import { describe, expect, test } from "bun:test";
import { isoWithOffset, localInput, parseSiteLocal, tagViews } from "./building.ts";

describe("wall-clock times of a site's zone", () => {
  test.each([
    // a winter and a summer morning in New York, a half-hour zone, UTC
    ["2026-01-15T05:00", "America/New_York", "2026-01-15T10:00:00.000Z"],
    ["2026-07-15T06:00", "America/New_York", "2026-07-15T10:00:00.000Z"],
    ["2026-01-15 15:30:05", "Asia/Kolkata", "2026-01-15T10:00:05.000Z"],
    ["2026-01-15T10:00", "UTC", "2026-01-15T10:00:00.000Z"],
    // DST: 02:30 does not exist on 8 March 2026 in New York (pushed forward); 01:30 on
    // 1 November happens twice (the earlier one)
    ["2026-03-08T02:30", "America/New_York", "2026-03-08T07:30:00.000Z"],
    ["2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00.000Z"],
    // an explicit zone wins over the site's
    ["2026-01-15T05:00Z", "America/New_York", "2026-01-15T05:00:00.000Z"],
    ["2026-01-15T05:00+01:00", "America/New_York", "2026-01-15T04:00:00.000Z"],
  ])("%s in %s", (text, tz, iso) => {
    expect(parseSiteLocal(text, tz)?.toISOString()).toBe(iso);
  });
  test("empty is no bound, nonsense is an error", () => {
    expect(parseSiteLocal("", "UTC")).toBeUndefined();
    expect(parseSiteLocal(undefined, "UTC")).toBeUndefined();
    for (const bad of ["yesterday", "2026-13-01T00:00", "2026-01-15T24:00", "2026-01-15"])
      expect(parseSiteLocal(bad, "UTC")).toBeNull();
  });
  test("inputs and CSV show the site's wall clock and offset", () => {
    const at = new Date("2026-01-15T10:00:00Z");
    expect(localInput(at, "America/New_York")).toBe("2026-01-15T05:00");
    expect(isoWithOffset(at, "America/New_York")).toBe("2026-01-15T05:00:00-05:00");
    expect(isoWithOffset(at, "Asia/Kolkata")).toBe("2026-01-15T15:30:00+05:30");
    expect(isoWithOffset(new Date("2026-07-15T10:00:00Z"), "America/New_York")).toBe(
      "2026-07-15T06:00:00-04:00",
    );
    // round trip through the range inputs
    expect(parseSiteLocal(localInput(at, "America/Chicago"), "America/Chicago")?.toISOString()).toBe(
      "2026-01-15T10:00:00.000Z",
    );
  });
});

test("tags as views: refs by their visible target's name, invisible ones as @id, id left out", () => {
  const row = (tag_name: string, v: Partial<Record<string, unknown>>) => ({
    entity_id: 1,
    tag_id: 0,
    tag_name,
    value_n: null,
    value_b: null,
    value_s: null,
    value_ts: null,
    value_ref: null,
    value_enum: null,
    ...v,
  });
  const refs = new Map([[7, { id: 7, ref: "demo.site", dis: "Demo Office", tz: "New_York", unit: null }]]);
  expect(
    tagViews(
      [
        row("id", { value_s: "demo.ahu-1" }),
        row("equip", {}),
        row("siteRef", { value_ref: 7 }),
        row("chilledWaterRef", { value_ref: 99 }),
        row("dis", { value_s: "AHU-1" }),
      ],
      refs,
    ),
  ).toEqual([
    { name: "equip", text: "✓", marker: true },
    {
      name: "siteRef",
      text: "@demo.site",
      marker: false,
      ref: { id: 7, ref: "demo.site", dis: "Demo Office" },
    },
    { name: "chilledWaterRef", text: "@99", marker: false, ref: null },
    { name: "dis", text: "AHU-1", marker: false },
  ]);
});
