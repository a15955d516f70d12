import { describe, expect, test } from "bun:test";
import { alignDown, haystackTz, intervalIndex, intervalsBetween, localTime } from "./time.ts";

describe("alignDown", () => {
  test.each([
    ["2025-07-14T10:07:31Z", 15, "2025-07-14T10:00:00.000Z"],
    ["2025-07-14T10:15:00Z", 15, "2025-07-14T10:15:00.000Z"],
    ["2025-07-14T10:59:59Z", 30, "2025-07-14T10:30:00.000Z"],
    ["2025-07-14T10:59:59Z", 60, "2025-07-14T10:00:00.000Z"],
    ["2025-07-14T10:04:59Z", 5, "2025-07-14T10:00:00.000Z"],
    ["2025-07-14T10:04:59.999Z", 1, "2025-07-14T10:04:00.000Z"],
  ])("%s at %i min", (ts, minutes, expected) => {
    expect(alignDown(new Date(ts), minutes).toISOString()).toBe(expected);
  });

  test("rejects a non-positive interval", () => {
    expect(() => alignDown(new Date(), 0)).toThrow(RangeError);
  });
});

describe("intervalsBetween", () => {
  test("ends after `from` up to and including `to`", () => {
    const out = intervalsBetween(new Date("2025-01-01T00:07:00Z"), new Date("2025-01-01T01:00:00Z"), 15);
    expect(out.map((d) => d.toISOString())).toEqual([
      "2025-01-01T00:15:00.000Z",
      "2025-01-01T00:30:00.000Z",
      "2025-01-01T00:45:00.000Z",
      "2025-01-01T01:00:00.000Z",
    ]);
  });

  test("empty when nothing is due", () => {
    expect(intervalsBetween(new Date("2025-01-01T01:00:00Z"), new Date("2025-01-01T01:10:00Z"), 15)).toEqual(
      [],
    );
  });

  test("consecutive indexes", () => {
    const [a, b] = intervalsBetween(new Date("2025-01-01T00:00:00Z"), new Date("2025-01-01T00:10:00Z"), 5);
    expect(intervalIndex(b!, 5) - intervalIndex(a!, 5)).toBe(1);
  });
});

describe("haystackTz", () => {
  test.each([
    ["America/New_York", "New_York"],
    ["America/Argentina/Buenos_Aires", "Buenos_Aires"],
    ["Europe/London", "London"],
    ["Etc/GMT+5", "GMT+5"],
    ["UTC", "UTC"],
  ])("%s → %s", (iana, hs) => expect(haystackTz(iana)).toBe(hs));
});

describe("localTime across DST", () => {
  test.each([
    ["2025-03-09T06:30:00Z", "America/New_York", 1, 30, -300],
    ["2025-03-09T07:30:00Z", "America/New_York", 3, 30, -240],
    ["2025-11-02T05:30:00Z", "America/New_York", 1, 30, -240],
    ["2025-11-02T06:30:00Z", "America/New_York", 1, 30, -300],
    ["2025-03-30T00:30:00Z", "Europe/London", 0, 30, 0],
    ["2025-03-30T01:30:00Z", "Europe/London", 2, 30, 60],
    ["2025-07-01T19:00:00Z", "America/Phoenix", 12, 0, -420],
  ])("%s in %s", (ts, tz, hour, minute, offset) => {
    const lt = localTime(new Date(ts), tz);
    expect({ hour: lt.hour, minute: lt.minute, offset: lt.offsetMinutes }).toEqual({ hour, minute, offset });
  });
});
