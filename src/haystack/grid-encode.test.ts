// The chunked grid encoder against the generic writers: for generated record grids holding every
// kind (refs with and without dis, coords, xstrs, uris, symbols, dates, times, date-times in
// several zones, numbers of every shape with units, NA, Remove, Marker, nested lists, dicts and
// grids, strings that need escaping or are not valid UTF-16), `gridChunks` joined must be the very
// bytes `writeZincGrid` / `writeJson` write, cut into chunks of any size; and `jsonText` of a value
// is `writeJson` of it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { gridChunks, jsonText } from "./grid-encode.ts";
import { readJsonGrid, writeJson } from "./json.ts";
import {
  Coord,
  type Dict,
  Grid,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  MARKER,
  NA,
  REMOVE,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import { readZincGrid, writeZincGrid } from "./zinc.ts";

const text = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.constantFrom(
      '"',
      "\\",
      "\n",
      "\r",
      "\t",
      "\b",
      "\f",
      "\u0001",
      "\u2028",
      "é",
      "°",
      "😀",
      "\ud800",
      "a",
      "$",
      "`",
    ),
  }),
);
const tagName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,6}$/);
const num = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e21, 5e-324, -1.5e-7),
  fc.integer(),
);
const unit = fc.option(fc.constantFrom("°F", "kW", "m²", "%", "$", "kWh/m²", "_x", "ft/s"), {
  nil: undefined,
});

const scalar: fc.Arbitrary<HVal> = fc.oneof(
  fc.constantFrom<HVal>(MARKER, NA, REMOVE, true, false),
  text,
  fc.tuple(num, unit).map(([n, u]) => new HNum(n, u)),
  fc
    .tuple(fc.stringMatching(/^[a-zA-Z0-9_:.~-]{1,12}$/), fc.option(text, { nil: undefined }))
    .map(([id, dis]) => new Ref(id, dis)),
  text.map((s) => new Uri(s)),
  fc.stringMatching(/^[a-z][a-zA-Z0-9_:.-]{0,10}$/).map((s) => new HSymbol(s)),
  fc
    .date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true })
    .map((d) => new HDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())),
  fc
    .tuple(fc.nat({ max: 23 }), fc.nat({ max: 59 }), fc.nat({ max: 59 }), fc.nat({ max: 999 }))
    .map(([h, m, s, ms]) => new HTime(h, m, s, ms)),
  fc
    .tuple(
      fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
      fc.constantFrom("New_York", "UTC", "Kolkata", "Lord_Howe", "GMT+5", "London"),
    )
    .map(([ms, tz]) => HDateTime.fromInstant(ms, tz)),
  fc
    .tuple(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }))
    .map(([lat, lng]) => new Coord(lat, lng)),
  fc.tuple(fc.stringMatching(/^[A-Z][a-zA-Z0-9_]{0,8}$/), text).map(([t, v]) => new XStr(t, v)),
);

const { value } = fc.letrec<{ value: HVal; dict: Dict; grid: Grid }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(fc.option(tie("value"), { nil: null }), { maxLength: 4 }) as fc.Arbitrary<HVal>,
    tie("dict"),
    tie("grid"),
  ),
  dict: fc.dictionary(tagName, fc.option(tie("value"), { nil: null }), { maxKeys: 5 }) as fc.Arbitrary<Dict>,
  grid: fc.array(tie("dict"), { maxLength: 3 }).map((rows) => Grid.fromRows(rows, { dis: "nested" })),
}));

const record = fc.dictionary(tagName, value, { maxKeys: 8 });

const grid = fc.oneof(
  fc
    .tuple(fc.array(record, { maxLength: 25 }), fc.dictionary(tagName, value, { maxKeys: 3 }))
    .map(([rows, meta]) => Grid.fromRows(rows, meta)),
  // One column (a null cell is N), no column at all (written as `empty`).
  fc.array(fc.option(scalar, { nil: null }), { maxLength: 6 }).map(
    (vs) =>
      new Grid(
        {},
        [{ name: "id", meta: { dis: "x" } }],
        vs.map((v): Dict => (v === null ? {} : { id: v })),
      ),
  ),
  fc.constant(Grid.empty({ err: MARKER })),
);

const joined = (format: "zinc" | "json", g: Grid, per: number) => [...gridChunks(format, g, per)].join("");

describe("gridChunks encodes like the generic writers", () => {
  test("Zinc: byte-identical, in chunks of any size", () => {
    fc.assert(
      fc.property(grid, fc.integer({ min: 1, max: 30 }), (g, per) => {
        expect(joined("zinc", g, per)).toBe(writeZincGrid(g));
      }),
      { numRuns: 500 },
    );
  });
  test("JSON: byte-identical, in chunks of any size", () => {
    fc.assert(
      fc.property(grid, fc.integer({ min: 1, max: 30 }), (g, per) => {
        expect(joined("json", g, per)).toBe(writeJson(g));
      }),
      { numRuns: 500 },
    );
  });
  test("jsonText of any value is writeJson of it", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonText(v)).toBe(writeJson(v));
      }),
      { numRuns: 1000 },
    );
  });
  test("the readers get a record grid back", () => {
    const rows: Dict[] = [
      {
        id: new Ref("a.1", 'AHU "1" é'),
        dis: "line\nbreak 😀",
        geoCoord: new Coord(40.7, -74),
        bin: new XStr("Bin", "text/plain"),
        tags: [MARKER, new HNum(1.5, "°F"), null, { x: NA }],
        point: MARKER,
        rm: REMOVE,
      },
      { id: new Ref("a.2"), curVal: new HNum(-2.5e-7, "kW") },
    ];
    const g = Grid.fromRows(rows);
    const zinc = readZincGrid(joined("zinc", g, 1));
    const json = readJsonGrid(joined("json", g, 1));
    for (const back of [zinc, json]) {
      expect(back.rows.length).toBe(2);
      expect((back.rows[0]!.id as Ref).dis).toBe('AHU "1" é');
      expect(back.rows[0]!.geoCoord).toEqual(new Coord(40.7, -74));
      expect(back.rows[1]!.curVal).toEqual(new HNum(-2.5e-7, "kW"));
    }
  });
});
