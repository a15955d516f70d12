import { describe, expect, test } from "bun:test";
import { fmtOffset, fmtValue, fmtZoned, zoneAbbr } from "./format.ts";

describe("building time in the site's zone", () => {
  // 2026-01-15 10:00 UTC is 05:00 in New York (EST, UTC−5) and 15:30 in Kolkata (UTC+5:30)
  const winter = new Date("2026-01-15T10:00:00Z");
  // 2026-07-15 10:00 UTC is 06:00 in New York (EDT, UTC−4)
  const summer = new Date("2026-07-15T10:00:00Z");
  test.each([
    ["America/New_York", winter, "2026-01-15 05:00 EST", "UTC−05:00"],
    ["America/New_York", summer, "2026-07-15 06:00 EDT", "UTC−04:00"],
    ["America/Phoenix", summer, "2026-07-15 03:00 MST", "UTC−07:00"],
    ["Asia/Kolkata", winter, "2026-01-15 15:30 GMT+5:30", "UTC+05:30"],
    ["UTC", winter, "2026-01-15 10:00 UTC", "UTC+00:00"],
  ])("%s at %s", (tz, at, text, offset) => {
    expect(fmtZoned(at, tz)).toBe(text);
    expect(fmtOffset(tz, at)).toBe(offset);
  });
  test("seconds, no zone, missing and bad input", () => {
    expect(fmtZoned("2026-01-15T10:00:07Z", "America/New_York", { seconds: true })).toBe(
      "2026-01-15 05:00:07 EST",
    );
    expect(fmtZoned(winter, "America/New_York", { zone: false })).toBe("2026-01-15 05:00");
    expect(fmtZoned(null, "UTC")).toBe("–");
    expect(fmtZoned("not a time", "UTC")).toBe("not a time");
    // an unknown zone reads as UTC rather than failing the page
    expect(fmtZoned(winter, "Nowhere/Land")).toBe("2026-01-15 10:00 UTC");
    expect(zoneAbbr("America/Chicago", winter)).toBe("CST");
  });
  test("midnight is 00, not 24", () => {
    expect(fmtZoned("2026-01-15T05:00:00Z", "America/New_York")).toBe("2026-01-15 00:00 EST");
  });
});

test("values with units", () => {
  expect(fmtValue(21.456, "°C")).toBe("21.46 °C");
  expect(fmtValue(1234.5, "kW")).toBe("1,234.5 kW");
  expect(fmtValue(true)).toBe("true");
  expect(fmtValue("occupied")).toBe("occupied");
  expect(fmtValue(null, "kW")).toBe("–");
});
