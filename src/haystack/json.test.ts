import { describe, expect, test } from "bun:test";
import { fromJson, HaystackJsonError, type Json, readJson, readJsonGrid, toJson, writeJson } from "./json.ts";
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
  MARKER,
  NA,
  REMOVE,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import { readZincGrid } from "./zinc.ts";

describe("json scalars (spec encodings)", () => {
  const cases: [name: string, value: HVal | null, json: Json][] = [
    ["null", null, null],
    ["bool", true, true],
    ["str", "hello", "hello"],
    ["unitless number", new HNum(123.45), 123.45],
    ["number with unit", new HNum(123, "m"), { _kind: "number", val: 123, unit: "m" }],
    ["INF", new HNum(Number.POSITIVE_INFINITY), { _kind: "number", val: "INF" }],
    ["-INF", new HNum(Number.NEGATIVE_INFINITY), { _kind: "number", val: "-INF" }],
    ["NaN", new HNum(Number.NaN), { _kind: "number", val: "NaN" }],
    ["marker", MARKER, { _kind: "marker" }],
    ["remove", REMOVE, { _kind: "remove" }],
    ["na", NA, { _kind: "na" }],
    ["ref", new Ref("abc-def"), { _kind: "ref", val: "abc-def" }],
    [
      "ref with dis",
      new Ref("abc-def", "Main Elec Meter"),
      { _kind: "ref", val: "abc-def", dis: "Main Elec Meter" },
    ],
    ["date", new HDate(2021, 3, 22), { _kind: "date", val: "2021-03-22" }],
    ["time", new HTime(17, 19, 23), { _kind: "time", val: "17:19:23" }],
    [
      "dateTime",
      HDateTime.parse("2021-03-22T13:57:00.381-04:00", "New_York"),
      { _kind: "dateTime", val: "2021-03-22T13:57:00.381-04:00", tz: "New_York" },
    ],
    ["uri", new Uri("https://project-haystack.org"), { _kind: "uri", val: "https://project-haystack.org" }],
    ["coord", new Coord(50.979603, 10.318789), { _kind: "coord", lat: 50.979603, lng: 10.318789 }],
    ["xstr", new XStr("Span", "today"), { _kind: "xstr", type: "Span", val: "today" }],
    ["symbol", new HSymbol("site"), { _kind: "symbol", val: "site" }],
    ["list", [true, new HNum(123), "a string"], [true, 123, "a string"]],
    ["dict", { site: MARKER, dis: "Carnegie Hall" }, { site: { _kind: "marker" }, dis: "Carnegie Hall" }],
  ];
  test.each(cases)("%s", (_name, value, json) => {
    expect(toJson(value)).toEqual(json);
    expect(hEquals(fromJson(json), value)).toBe(true);
  });

  test("dateTime without tz is GMT; dict keys that are not tag names are skipped", () => {
    const dt = fromJson({ _kind: "dateTime", val: "2021-03-22T17:56:05.411Z" }) as HDateTime;
    expect(dt.tz).toBe("GMT");
    expect(dt.epochMs).toBe(Date.UTC(2021, 2, 22, 17, 56, 5, 411));
    expect(fromJson({ _kind: "dict" })).toEqual({});
    expect(fromJson({ site: { _kind: "marker" }, dis: "Kennedy Center", Ignore: "x" })).toEqual({
      site: MARKER,
      dis: "Kennedy Center",
    });
  });
});

describe("json grids", () => {
  test("the spec's grid example matches its Zinc form", () => {
    const zinc = readZincGrid(
      'ver:"3.0" projName:"test"\ndis dis:"Equip Name",equip,siteRef,installed\n"RTU-1",M,@153c-699a "HQ",2005-06-01\n"RTU-2",M,@153c-699b "Library",1999-07-12\n',
    );
    const json: Json = {
      _kind: "grid",
      meta: { ver: "3.0", projName: "test" },
      cols: [
        { name: "dis", meta: { dis: "Equip Name" } },
        { name: "equip" },
        { name: "siteRef" },
        { name: "installed" },
      ],
      rows: [
        {
          dis: "RTU-1",
          equip: { _kind: "marker" },
          siteRef: { _kind: "ref", val: "153c-699a", dis: "HQ" },
          installed: { _kind: "date", val: "2005-06-01" },
        },
        {
          dis: "RTU-2",
          equip: { _kind: "marker" },
          siteRef: { _kind: "ref", val: "153c-699b", dis: "Library" },
          installed: { _kind: "date", val: "1999-07-12" },
        },
      ],
    };
    expect(toJson(zinc)).toEqual(json);
    expect(hEquals(fromJson(json), zinc)).toBe(true);
    expect(hEquals(readJsonGrid(writeJson(zinc)), zinc)).toBe(true);
  });

  test("nested lists, dicts and grids round trip", () => {
    const zinc = readZincGrid(
      'ver:"3.0"\ntype,val\n"list",[1,2,3]\n"dict",{dis:"Dict!" foo}\n"grid",<<\n  ver:"2.0"\n  a,b\n  1,2\n  3,4\n  >>\n"scalar","simple string"\n',
    );
    const j = toJson(zinc) as { rows: { val: Json }[] };
    expect(j.rows[2]?.val).toEqual({
      _kind: "grid",
      meta: { ver: "3.0" },
      cols: [{ name: "a" }, { name: "b" }],
      rows: [
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ],
    });
    expect(hEquals(readJson(writeJson(zinc)), zinc)).toBe(true);
  });

  test("a grid's meta always carries ver 3.0", () => {
    expect(toJson(Grid.empty())).toEqual({
      _kind: "grid",
      meta: { ver: "3.0" },
      cols: [{ name: "empty" }],
      rows: [],
    });
  });
});

describe("json errors", () => {
  const cases: [name: string, text: string, message: string][] = [
    ["not JSON", "{", "$: invalid JSON"],
    ["unknown kind", '{"_kind":"bogus"}', '_kind: unknown kind "bogus"'],
    ["bad number", '{"x":{"_kind":"number","val":"ten"}}', "x.val: expected a number"],
    ["bad date", '{"x":{"_kind":"date","val":"2021-02-30"}}', "x: invalid date: 2021-02-30"],
    ["not a grid", "[1]", "$: expected a grid"],
  ];
  test.each(cases)("%s", (_name, text, message) => {
    let caught: unknown;
    try {
      readJsonGrid(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HaystackJsonError);
    expect((caught as Error).message.startsWith(message)).toBe(true);
  });
});
