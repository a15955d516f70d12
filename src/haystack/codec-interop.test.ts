// Our Zinc and Haystack 4 JSON writers, read by an independent decoder (haystack-core, the library
// under haystack-nclient): every kind a tag can hold decodes to the value the spec's Zinc form of
// it names (written here by hand and read by the same library).
import { describe, expect, test } from "bun:test";
import { type HVal as HcVal, type HGrid, makeValue, ZincReader } from "haystack-core";
import { writeJson } from "./json.ts";
import {
  Coord,
  Grid,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  MARKER,
  NA,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import { writeZincGrid } from "./zinc.ts";

const CASES: [kind: string, value: HVal, zinc: string][] = [
  ["Marker", MARKER, "M"],
  ["NA", NA, "NA"],
  ["Bool", true, "T"],
  ["Number", new HNum(72.5, "°F"), "72.5°F"],
  ["Number without unit", new HNum(-3), "-3"],
  ["Number INF", new HNum(Number.POSITIVE_INFINITY), "INF"],
  ["Str", 'line\n"quoted" é', '"line\\n\\"quoted\\" é"'],
  ["Uri", new Uri("http://example.com/a b"), "`http://example.com/a b`"],
  ["Ref", new Ref("site.hq", "HQ"), '@site.hq "HQ"'],
  ["Symbol", new HSymbol("hot-water"), "^hot-water"],
  ["Date", new HDate(2024, 3, 10), "2024-03-10"],
  ["Time", new HTime(8, 30, 15, 250), "08:30:15.250"],
  [
    "DateTime with zone",
    HDateTime.parse("2024-03-10T08:30:00-04:00", "New_York"),
    "2024-03-10T08:30:00-04:00 New_York",
  ],
  ["DateTime UTC", HDateTime.parse("2024-03-10T12:30:00.5Z"), "2024-03-10T12:30:00.500Z UTC"],
  ["Coord", new Coord(41.88, -87.63), "C(41.88,-87.63)"],
  ["XStr", new XStr("Span", "today"), 'Span("today")'],
  ["Ref list", [new Ref("a"), new Ref("b")], "[@a, @b]"],
  ["List of kinds", ["s", new HNum(1, "kW"), MARKER, null], '["s", 1kW, M, N]'],
  [
    "nested Dict",
    { a: new HNum(1), b: MARKER, ref: new Ref("x"), inner: { at: new HDate(2024, 1, 2) } },
    "{a:1 b ref:@x inner:{at:2024-01-02}}",
  ],
];

const cell = (g: HcVal | undefined | null): HcVal | undefined | null => (g as HGrid).get(0)?.get("v");

describe("haystack-core reads what we write", () => {
  test.each(CASES)("%s in Zinc", (_kind, value, zinc) => {
    const expected = ZincReader.readValue(zinc);
    const got = cell(ZincReader.readValue(writeZincGrid(Grid.fromRows([{ v: value }]))));
    expect(got?.toZinc()).toBe(expected?.toZinc());
    expect(got?.equals(expected)).toBe(true);
  });

  test.each(CASES)("%s in JSON", (_kind, value, zinc) => {
    const expected = ZincReader.readValue(zinc);
    const got = cell(makeValue(JSON.parse(writeJson(Grid.fromRows([{ v: value }])))));
    expect(got?.toZinc()).toBe(expected?.toZinc());
    expect(got?.equals(expected)).toBe(true);
  });
});
