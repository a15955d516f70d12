import { describe, expect, test } from "bun:test";
import {
  Coord,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  hEquals,
  MARKER,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import {
  inferKind,
  type StoredKind,
  type TagColumns,
  type TagRow,
  tagColumnsFor,
  tagValueFromRow,
  tagValueFromWire,
  type WireTagFields,
  WireValueError,
} from "./tag-columns.ts";

const entityIds = new Map([["site.hq", 7]]);
const ids = new Map([[7, "site.hq"]]);
const NONE = {
  value_n: null,
  value_b: null,
  value_s: null,
  value_ts: null,
  value_list: null,
  value_dict: null,
  value_ref: null,
  value_unit: null,
};

describe("tagColumnsFor and back", () => {
  const cases: [name: string, tag: string, value: HVal, cols: Partial<TagColumns>][] = [
    ["marker", "site", MARKER, { value_kind: "Marker" }],
    ["bool", "enabled", false, { value_b: false, value_kind: "Bool" }],
    ["number", "curVal", new HNum(72.5, "°F"), { value_n: "72.5", value_unit: "°F", value_kind: "Number" }],
    ["NaN", "curVal", new HNum(Number.NaN), { value_n: "NaN", value_kind: "Number" }],
    ["INF", "curVal", new HNum(Number.POSITIVE_INFINITY), { value_n: "Infinity", value_kind: "Number" }],
    ["str", "dis", "HQ", { value_s: "HQ", value_kind: "Str" }],
    ["uri", "link", new Uri("http://x"), { value_s: "http://x", value_kind: "Uri" }],
    ["symbol", "mode", new HSymbol("auto"), { value_s: "auto", value_kind: "Symbol" }],
    ["time", "occ", new HTime(8, 0, 0, 250), { value_s: "08:00:00.250", value_kind: "Time" }],
    ["known ref", "siteRef", new Ref("site.hq"), { value_ref: 7, value_kind: "Ref" }],
    ["unknown ref", "siteRef", new Ref("elsewhere"), { value_s: "elsewhere", value_kind: "Ref" }],
    ["own id", "id", new Ref("site.hq"), { value_s: "site.hq", value_kind: "Ref" }],
    ["date", "opened", new HDate(2010, 3, 13), { value_ts: "2010-03-13 00:00:00.000", value_kind: "Date" }],
    [
      "dateTime",
      "lastSeen",
      HDateTime.parse("2024-03-10T08:30:00-04:00", "New_York"),
      { value_ts: "2024-03-10 12:30:00.000", value_unit: "New_York", value_kind: "DateTime" },
    ],
    [
      "coord",
      "geoCoord",
      new Coord(1.5, -2),
      { value_dict: { _kind: "coord", lat: 1.5, lng: -2 }, value_kind: "Coord" },
    ],
    ["dict", "meta", { a: MARKER }, { value_dict: { a: { _kind: "marker" } }, value_kind: "Dict" }],
    [
      "list",
      "airRef",
      [new Ref("a", "A"), "s", new HNum(1, "kW")],
      { value_list: ["@a", '"s"', "1kW"], value_kind: "List" },
    ],
  ];
  test.each(cases)("%s", (_name, tag, value, cols) => {
    const stored = tagColumnsFor(tag, value, (r) => entityIds.get(r.id));
    expect(stored).toEqual({ ...NONE, ...cols } as TagColumns);
    const back = tagValueFromRow(stored as TagRow, tag, (n) => ids.get(n));
    expect(hEquals(back, value)).toBe(true);
    if (value instanceof HDateTime) expect((back as HDateTime).offsetMin).toBe(value.offsetMin);
  });
  test("dateTimes come back as the same instant in the zone they were written in", () => {
    const cases: [text: string, tz: string, offsetMin: number][] = [
      ["2024-03-10T08:30:00-04:00", "New_York", -240],
      ["2024-03-10T01:30:00-05:00", "New_York", -300],
      ["2024-07-01T12:00:00+02:00", "Paris", 120],
      ["2024-07-01T12:00:00Z", "UTC", 0],
    ];
    for (const [text, tz, offsetMin] of cases) {
      const v = HDateTime.parse(text, tz);
      const back = tagValueFromRow(tagColumnsFor("t", v, () => undefined) as TagRow, "t", () => undefined);
      expect(back).toEqual(new HDateTime(v.epochMs, offsetMin, tz));
    }
  });
  test("list elements that are not Zinc (older writers' plain strings) read as Str", () => {
    const back = tagValueFromRow(
      { ...NONE, value_list: ["plain text", '"quoted"', "@ref", "1kW", "N"], value_kind: null },
      "tags",
      () => undefined,
    );
    expect(back).toEqual(["plain text", "quoted", new Ref("ref"), new HNum(1, "kW"), null]);
  });
  test("dateTimes of older rows, or with an unknown zone, come back in UTC", () => {
    for (const value_unit of [null, "Nowhere"]) {
      const back = tagValueFromRow(
        { ...NONE, value_ts: "2024-03-10 12:30:00.000", value_unit, value_kind: null },
        "lastSeen",
        () => undefined,
      );
      expect(back).toEqual(new HDateTime(Date.UTC(2024, 2, 10, 12, 30), 0, "UTC"));
    }
  });
});

describe("inferKind for rows without value_kind", () => {
  const cases: [name: string, tag: string, cols: Partial<TagRow>, kind: StoredKind][] = [
    ["ref column", "equipRef", { value_ref: 3 }, "Ref"],
    ["ref by string on a *Ref tag", "siteRef", { value_s: "site.hq" }, "Ref"],
    ["id by string", "id", { value_s: "site.hq" }, "Ref"],
    ["str on another tag", "dis", { value_s: "HQ" }, "Str"],
    ["number", "curVal", { value_n: "1" }, "Number"],
    ["marker stored as true", "point", { value_b: true }, "Marker"],
    ["false is a Bool", "enabled", { value_b: false }, "Bool"],
    ["timestamp", "lastSeen", { value_ts: "2024-01-01 00:00:00" }, "DateTime"],
    ["nothing set", "site", {}, "Marker"],
    ["explicit kind wins", "siteRef", { value_s: "x", value_kind: "Str" }, "Str"],
  ];
  test.each(cases)("%s", (_name, tag, cols, kind) => {
    expect(inferKind({ ...NONE, value_kind: null, ...cols }, tag)).toBe(kind);
  });
});

describe("tagValueFromWire", () => {
  const ok: [kind: StoredKind, fields: WireTagFields, value: HVal][] = [
    ["Marker", {}, MARKER],
    ["Bool", { value_b: false }, false],
    ["Number", { value_n: 72.5, value_unit: "°F" }, new HNum(72.5, "°F")],
    ["Number", { value_n: 3 }, new HNum(3)],
    ["Number", { value_n: "INF", value_unit: "kW" }, new HNum(Number.POSITIVE_INFINITY, "kW")],
    ["Number", { value_n: "NaN" }, new HNum(Number.NaN)],
    ["Str", { value_s: "HQ" }, "HQ"],
    ["Uri", { value_s: "http://x/" }, new Uri("http://x/")],
    ["Symbol", { value_s: "^heat" }, new HSymbol("heat")],
    ["Symbol", { value_s: "hot-water" }, new HSymbol("hot-water")],
    ["Ref", { value_s: "@site.hq" }, new Ref("site.hq")],
    ["Ref", { value_s: "site.hq" }, new Ref("site.hq")],
    ["Time", { value_s: "08:30" }, new HTime(8, 30)],
    ["Time", { value_s: "08:30:15.250" }, new HTime(8, 30, 15, 250)],
    ["Date", { value_ts: "2024-03-10" }, new HDate(2024, 3, 10)],
    ["Date", { value_ts: "2024-03-10T00:00:00.000Z" }, new HDate(2024, 3, 10)],
    [
      "DateTime",
      { value_ts: "2024-03-10T08:30:00-04:00", value_unit: "New_York" },
      HDateTime.parse("2024-03-10T08:30:00-04:00", "New_York"),
    ],
    [
      "DateTime",
      { value_ts: "2024-03-10T12:30:00.000Z", value_unit: "New_York" },
      HDateTime.parse("2024-03-10T08:30:00-04:00", "New_York"),
    ],
    ["DateTime", { value_ts: "2024-03-10 12:30:00" }, HDateTime.parse("2024-03-10T12:30:00Z")],
    [
      "DateTime",
      { value_ts: "2024-03-10T07:30:00-0500" },
      HDateTime.parse("2024-03-10T07:30:00-05:00", "GMT+5"),
    ],
    ["Coord", { value_dict: { _kind: "coord", lat: 41.88, lng: -87.63 } }, new Coord(41.88, -87.63)],
    ["XStr", { value_dict: '{"_kind":"xstr","type":"Span","val":"today"}' }, new XStr("Span", "today")],
    ["Dict", { value_dict: { a: 1, b: { _kind: "marker" } } }, { a: new HNum(1), b: MARKER }],
    ["List", { value_list: ["@a", "@b"] }, [new Ref("a"), new Ref("b")]],
    ["List", { value_list: ['"s"', "1kW", "plain"] }, ["s", new HNum(1, "kW"), "plain"]],
  ];
  test.each(ok)("%s %p", (kind, fields, value) => {
    const v = tagValueFromWire(kind, fields);
    expect(v).toEqual(value);
    expect(hEquals(v, value) || Number.isNaN((value as HNum).val)).toBe(true);
  });

  const bad: [kind: StoredKind, fields: WireTagFields, field: string][] = [
    ["Marker", { value_s: "x" }, "value_s"],
    ["Bool", {}, "value_b"],
    ["Bool", { value_s: "true" }, "value_s"],
    ["Number", { value_n: "12" }, "value_n"],
    ["Str", { value_s: "x", value_unit: "kW" }, "value_unit"],
    ["Ref", { value_s: "has space" }, "value_s"],
    ["Time", { value_s: "25:00" }, "value_s"],
    ["Date", { value_ts: "2024-02-30" }, "value_ts"],
    ["DateTime", { value_ts: "yesterday" }, "value_ts"],
    ["DateTime", { value_ts: "2024-03-10T08:30:00Z", value_unit: "Atlantis" }, "value_unit"],
    ["Coord", { value_dict: { a: 1 } }, "value_dict"],
    ["Dict", { value_dict: "[1]" }, "value_dict"],
    ["Dict", { value_dict: "{" }, "value_dict"],
    ["List", { value_list: [1 as unknown as string] }, "value_list"],
  ];
  test.each(bad)("%s %p is refused", (kind, fields, field) => {
    expect(() => tagValueFromWire(kind, fields)).toThrow(WireValueError);
    try {
      tagValueFromWire(kind, fields);
    } catch (e) {
      expect((e as WireValueError).field).toBe(field as WireValueError["field"]);
    }
  });

  test("what is stored for a wire value reads back as the same value", () => {
    for (const [kind, fields, value] of ok) {
      const v = tagValueFromWire(kind, fields);
      const back = tagValueFromRow(tagColumnsFor("t", v, () => undefined) as TagRow, "t", () => undefined);
      expect(hEquals(back, value) || Number.isNaN((value as HNum).val)).toBe(true);
    }
  });
});
