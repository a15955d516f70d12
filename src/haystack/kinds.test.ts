import { describe, expect, test } from "bun:test";
import {
  Coord,
  Grid,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  hEquals,
  type Kind,
  kindOf,
  MARKER,
  NA,
  REMOVE,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";

describe("kindOf", () => {
  const cases: [Kind, HVal][] = [
    ["Marker", MARKER],
    ["NA", NA],
    ["Remove", REMOVE],
    ["Bool", false],
    ["Number", new HNum(1, "kW")],
    ["Str", ""],
    ["Uri", new Uri("http://x")],
    ["Ref", new Ref("a")],
    ["Symbol", new HSymbol("site")],
    ["Date", new HDate(2024, 1, 1)],
    ["Time", new HTime(1, 2, 3)],
    ["DateTime", HDateTime.parse("2024-01-01T00:00:00Z")],
    ["Coord", new Coord(1, 2)],
    ["XStr", new XStr("Bin", "x")],
    ["List", []],
    ["Dict", {}],
    ["Grid", Grid.empty()],
  ];
  test.each(cases)("%s", (kind, v) => {
    expect(kindOf(v)).toBe(kind);
  });
});

describe("hEquals", () => {
  const cases: [name: string, a: HVal | null, b: HVal | null, equal: boolean][] = [
    ["same number and unit", new HNum(1, "kW"), new HNum(1, "kW"), true],
    ["different unit", new HNum(1, "kW"), new HNum(1, "W"), false],
    ["unit vs none", new HNum(1, "kW"), new HNum(1), false],
    ["NaN equals NaN", new HNum(Number.NaN), new HNum(Number.NaN), true],
    ["ref dis ignored", new Ref("a", "A"), new Ref("a"), true],
    ["str vs uri", "a", new Uri("a"), false],
    ["dict key order", { a: new HNum(1), b: MARKER }, { b: MARKER, a: new HNum(1) }, true],
    ["list", [new HNum(1), null], [new HNum(1), null], true],
    [
      "dateTime same instant other zone",
      HDateTime.parse("2024-01-01T00:00:00Z"),
      HDateTime.parse("2023-12-31T19:00:00-05:00", "New_York"),
      false,
    ],
    [
      "dateTime same instant same zone",
      HDateTime.parse("2024-01-01T05:00:00Z", "New_York"),
      HDateTime.parse("2024-01-01T00:00:00-05:00", "New_York"),
      true,
    ],
    ["null", null, null, true],
    ["null vs marker", null, MARKER, false],
  ];
  test.each(cases)("%s", (_name, a, b, equal) => {
    expect(hEquals(a, b)).toBe(equal);
  });
});

describe("dates and times", () => {
  test("HDate.parse rejects impossible dates", () => {
    expect(() => HDate.parse("2023-02-29")).toThrow(RangeError);
    expect(HDate.parse("2024-02-29")).toEqual(new HDate(2024, 2, 29));
    expect(new HDate(2024, 2, 28).plusDays(2).toString()).toBe("2024-03-01");
  });
  test("HTime formats milliseconds only when set", () => {
    expect(HTime.parse("08:12").toString()).toBe("08:12:00");
    expect(HTime.parse("08:12:05.123456").toString()).toBe("08:12:05.123");
    expect(() => HTime.parse("24:00:00")).toThrow(RangeError);
  });
  test("HDateTime keeps instant, offset and zone; default zone follows the offset", () => {
    const dt = HDateTime.parse("2010-11-28T07:23:02.773-08:00", "Los_Angeles");
    expect(dt.epochMs).toBe(Date.UTC(2010, 10, 28, 15, 23, 2, 773));
    expect(dt.offsetMin).toBe(-480);
    expect(dt.toString()).toBe("2010-11-28T07:23:02.773-08:00 Los_Angeles");
    expect(HDateTime.parse("2010-11-28T07:23:02-05:00").tz).toBe("GMT+5");
    expect(HDateTime.parse("2010-11-28T07:23:02Z").tz).toBe("UTC");
    expect(HDateTime.fromInstant(Date.UTC(2024, 6, 1, 12), "New_York").toString()).toBe(
      "2024-07-01T08:00:00-04:00 New_York",
    );
  });
  test("Grid.fromRows collects columns in first-seen order", () => {
    const g = Grid.fromRows([{ a: MARKER }, { b: new HNum(1), a: MARKER }]);
    expect(g.cols.map((c) => c.name)).toEqual(["a", "b"]);
  });
});
