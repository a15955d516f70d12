// The accepted instants (0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z) in the Haystack readers
// and hisRead ranges; years below 100 are those years, not 1900 + year (as `Date.UTC` would have it).
import { describe, expect, test } from "bun:test";
import { HisRangeError, parseHisRange } from "./his-range.ts";
import { INSTANT_RANGE, isStorableInstant, MAX_INSTANT_MS, MIN_INSTANT_MS, utcMs } from "./instants.ts";
import { HaystackJsonError, readJson } from "./json.ts";
import { HDate, HDateTime } from "./kinds.ts";
import { readZincValue, ZincSyntaxError } from "./zinc.ts";

describe("accepted instants", () => {
  test("the bounds are the first and last millisecond of years 0001 and 9999", () => {
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(new Date(MAX_INSTANT_MS).toISOString()).toBe("9999-12-31T23:59:59.999Z");
    expect(
      [MIN_INSTANT_MS - 1, MIN_INSTANT_MS, MAX_INSTANT_MS, MAX_INSTANT_MS + 1, Number.NaN].map(
        isStorableInstant,
      ),
    ).toEqual([false, true, true, false, false]);
  });

  test.each([
    [[50, 2, 28, 12], "0050-02-28T12:00:00.000Z"],
    [[99, 12, 31, 23, 59, 59, 999], "0099-12-31T23:59:59.999Z"],
    [[2024, 2, 29], "2024-02-29T00:00:00.000Z"],
    [[2023, 12, 32], "2024-01-01T00:00:00.000Z"],
  ] as const)("utcMs(%p) is %s", (args, iso) => {
    expect(new Date(utcMs(...(args as unknown as [number, number, number]))).toISOString()).toBe(iso);
  });

  test("a Haystack date in year 50 is year 50 (was 1950)", () => {
    expect(new Date(HDate.parse("0050-06-01").toUtcMs()).toISOString()).toBe("0050-06-01T00:00:00.000Z");
    expect(() => HDate.parse("0100-02-29")).toThrow(RangeError); // 100 is no leap year
    expect(HDate.parse("0004-02-29").toString()).toBe("0004-02-29");
  });

  test("every day of February in a common year reads, and the 29th does not", () => {
    // Day 0 of a month is the last day of the one before, in the year asked for (2000, a leap
    // year, once leaked in and left February 2025 one day long).
    expect(new Date(utcMs(2025, 3, 0)).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    expect(new Date(utcMs(2024, 3, 0)).toISOString()).toBe("2024-02-29T00:00:00.000Z");
    for (let day = 1; day <= 28; day++) {
      const iso = `2025-02-${String(day).padStart(2, "0")}`;
      expect(HDate.parse(iso).toString()).toBe(iso);
      expect(String(readZincValue(`${iso}T12:00:00-05:00 New_York`))).toBe(`${iso}T12:00:00-05:00 New_York`);
    }
    expect(() => HDate.parse("2025-02-29")).toThrow(RangeError);
    expect(parseHisRange("2025-02-14", "UTC", 0).start.toIso()).toBe("2025-02-14T00:00:00Z");
  });
});

describe("dateTimes outside the range are refused by the readers", () => {
  test.each(["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "0000-06-01T00:00:00Z"])(
    "%s",
    (iso) => {
      expect(() => HDateTime.parse(iso)).toThrow(`dateTime outside ${INSTANT_RANGE}`);
      expect(() => readZincValue(iso)).toThrow(ZincSyntaxError);
      expect(() => readJson(JSON.stringify({ _kind: "dateTime", val: iso }))).toThrow(HaystackJsonError);
    },
  );

  test("the bounds themselves read", () => {
    expect(HDateTime.parse("0001-01-01T00:00:00Z").epochMs).toBe(MIN_INSTANT_MS);
    expect(HDateTime.parse("9999-12-31T23:59:59.999Z").epochMs).toBe(MAX_INSTANT_MS);
  });
});

describe("hisRead ranges", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  test("a range may end at the exclusive end of 9999 and start at 0001", () => {
    expect(parseHisRange("9999-12-31", "UTC", now).end.epochMs).toBe(MAX_INSTANT_MS + 1);
    expect(parseHisRange("0001-01-01,0001-01-02", "UTC", now).start.epochMs).toBe(MIN_INSTANT_MS);
  });
  test.each([
    ["9999-12-31", "America/New_York"],
    ["0001-01-01", "Asia/Tokyo"],
  ])("%s in %s crosses the bound: a HisRangeError naming the range", (range, iana) => {
    expect(() => parseHisRange(range, iana, now)).toThrow(HisRangeError);
    expect(() => parseHisRange(range, iana, now)).toThrow(`outside ${INSTANT_RANGE}`);
  });
});
