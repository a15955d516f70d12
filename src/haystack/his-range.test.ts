import { describe, expect, test } from "bun:test";
import { HisRangeError, parseHisRange } from "./his-range.ts";

const NY = "America/New_York";
const now = Date.UTC(2024, 2, 11, 15, 0);

describe("parseHisRange", () => {
  const cases: [range: string, start: string, end: string, hours: number][] = [
    ["today", "2024-03-11T00:00:00-04:00 New_York", "2024-03-12T00:00:00-04:00 New_York", 24],
    ["yesterday", "2024-03-10T00:00:00-05:00 New_York", "2024-03-11T00:00:00-04:00 New_York", 23],
    ["2024-11-03", "2024-11-03T00:00:00-04:00 New_York", "2024-11-04T00:00:00-05:00 New_York", 25],
    ['"2012-10-01"', "2012-10-01T00:00:00-04:00 New_York", "2012-10-02T00:00:00-04:00 New_York", 24],
    ["2024-01-01,2024-01-02", "2024-01-01T00:00:00-05:00 New_York", "2024-01-03T00:00:00-05:00 New_York", 48],
    [
      "2012-10-01T00:00:00-04:00 New_York,2012-10-01T06:00:00-04:00 New_York",
      "2012-10-01T00:00:00-04:00 New_York",
      "2012-10-01T06:00:00-04:00 New_York",
      6,
    ],
    [
      "2024-03-11T12:00:00Z,2024-03-11T13:00:00Z",
      "2024-03-11T08:00:00-04:00 New_York",
      "2024-03-11T09:00:00-04:00 New_York",
      1,
    ],
    [
      "2024-03-11T13:00:00Z UTC",
      "2024-03-11T09:00:00-04:00 New_York",
      "2024-03-11T11:00:00-04:00 New_York",
      2,
    ],
  ];
  test.each(cases)("%s", (range, start, end, hours) => {
    const r = parseHisRange(range, NY, now);
    expect(r.start.toString()).toBe(start);
    expect(r.end.toString()).toBe(end);
    expect((r.end.epochMs - r.start.epochMs) / 3_600_000).toBe(hours);
  });

  test("other zones: a fixed-offset zone and UTC", () => {
    expect(parseHisRange("2024-03-10", "Etc/GMT+5", now).start.toString()).toBe(
      "2024-03-10T00:00:00-05:00 GMT+5",
    );
    expect(parseHisRange("today", "UTC", now).start.toString()).toBe("2024-03-11T00:00:00Z UTC");
  });

  const bad = [
    "",
    "tomorrow",
    "2024-01-01,",
    "2024-01-02,2024-01-01",
    "2024-01-01,2024-01-02T00:00:00Z",
    "12",
  ];
  test.each(bad)("rejects %j", (range) => {
    expect(() => parseHisRange(range, NY, now)).toThrow(HisRangeError);
  });
});
