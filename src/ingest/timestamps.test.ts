// Wire timestamps in the form pollers send (`YYYY-MM-DDTHH:MM:SS.sssZ`, read by a fast path) must
// be judged exactly as every other accepted form is: impossible dates and times and instants out
// of the accepted range are refused; other forms still go through the general reader.
import { expect, test } from "bun:test";
import { isoText, parseTimestamp, parseTimestampMs } from "./timestamps.ts";

const ms = (text: string) => parseTimestamp(text)?.getTime() ?? null;

test.each([
  ["2024-02-29T12:34:56.789Z", Date.UTC(2024, 1, 29, 12, 34, 56, 789)],
  ["2024-02-29T12:34:56Z", Date.UTC(2024, 1, 29, 12, 34, 56)],
  ["9999-12-31T23:59:59.999Z", Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
  ["0001-01-01T00:00:00.000Z", new Date("0001-01-01T00:00:00.000Z").getTime()],
  ["0099-03-01T00:00:00.000Z", new Date("0099-03-01T00:00:00.000Z").getTime()],
  ["2023-02-29T00:00:00.000Z", null],
  ["2024-04-31T00:00:00.000Z", null],
  ["2024-13-01T00:00:00.000Z", null],
  ["2024-00-10T00:00:00.000Z", null],
  ["2024-01-01T24:00:00.000Z", null],
  ["2024-01-01T23:60:00.000Z", null],
  ["2024-01-01T23:59:60.000Z", null],
  ["0000-12-31T23:59:59.999Z", null],
  ["2024-01-01T00:00:00.00xZ", null],
  ["2024-01-01t00:00:00.000Z", null],
  // Other forms, read by the general path.
  ["2024-01-01 00:00:00", Date.UTC(2024, 0, 1)],
  ["2024-01-01T01:00:00.000+01:00", Date.UTC(2024, 0, 1)],
  ["2024-01-01T00:00:00,5Z", Date.UTC(2024, 0, 1, 0, 0, 0, 500)],
  [" 2024-01-01T00:00:00.000Z ", Date.UTC(2024, 0, 1)],
])("%p", (text, expected) => {
  expect(ms(text)).toBe(expected);
});

test("isoText keeps text sent in the wire form and formats every other form", () => {
  const t = Date.UTC(2024, 0, 1, 12, 0, 0, 5);
  expect(isoText("2024-01-01T12:00:00.005Z", t)).toBe("2024-01-01T12:00:00.005Z");
  expect(isoText("2024-01-01T13:00:00.005+01:00", t)).toBe("2024-01-01T12:00:00.005Z");
  expect(isoText("2024-01-01 12:00:00.005", t)).toBe("2024-01-01T12:00:00.005Z");
  expect(isoText("2024-01-01T12:00:00Z", Date.UTC(2024, 0, 1, 12))).toBe("2024-01-01T12:00:00.000Z");
  expect(parseTimestampMs("2023-02-29T00:00:00.000Z")).toBeNaN();
});
