// The his-grid encoder against the generic writers: for generated history grids (numbers of every
// shape, units with odd characters, bools, strings that need escaping, timestamps around DST
// transitions in zones with whole-hour, half-hour and no DST), `HisEncoder` must write the very
// bytes `writeZincGrid` / `writeJson` write for the same rows as value objects, whole or in chunks
// (as a streamed hisRead does).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type HisCell, type HisColumn, HisEncoder, type HisFormat } from "./his-encode.ts";
import { MAX_INSTANT_MS, MIN_INSTANT_MS } from "./instants.ts";
import { readJsonGrid, writeJson } from "./json.ts";
import { type Dict, Grid, HDateTime, HNum, type HVal, Ref } from "./kinds.ts";
import { readZincGrid, writeZincGrid } from "./zinc.ts";

const ZONES = ["New_York", "London", "Lord_Howe", "Kolkata", "UTC", "GMT+5", "Sydney", "Chicago"];
/** Instants near transitions of those zones (UTC), the rows are generated around them. */
const TRANSITIONS = [
  Date.UTC(2024, 2, 10, 7), // New_York spring forward
  Date.UTC(2024, 10, 3, 6), // New_York fall back
  Date.UTC(2024, 2, 31, 1), // London
  Date.UTC(2024, 9, 27, 1),
  Date.UTC(2024, 3, 6, 15), // Lord_Howe +11 -> +10:30
  Date.UTC(2024, 9, 5, 15, 30), // Lord_Howe +10:30 -> +11
  Date.UTC(2025, 0, 1),
  Date.UTC(1945, 9, 14, 18), // Kolkata's last change
];

const instant = fc.oneof(
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }))
    .map(([t, d]) => t + d),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -4, max: 4 }), fc.integer({ min: -2, max: 2 }))
    .map(([t, q, ms]) => t + q * 900_000 + ms),
  fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS - 2 * 86_400_000 }),
);

const text = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.constantFrom('"', "\\", "\n", "\r", "\t", "\b", "\f", "\u0001", "é", "°", "😀", "a", "$", "`"),
  }),
);

const cell: fc.Arbitrary<HisCell> = fc.oneof(
  fc.double(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    1e300,
    5e-324,
    -1.5e-7,
    1e21,
  ),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.boolean(),
  text,
  fc.constant(null),
);

const unit = fc.option(fc.constantFrom("", "°F", "kW", "m²", "%", "$", "kWh/m²", "ft/s", "_x", '"', "\\u"), {
  nil: undefined,
});

const hisGrid = fc
  .record({
    tz: fc.constantFrom(...ZONES),
    batch: fc.boolean(),
    units: fc.array(unit, { minLength: 1, maxLength: 3 }),
    rows: fc.array(fc.tuple(instant, fc.array(cell, { minLength: 3, maxLength: 3 })), { maxLength: 40 }),
    sorted: fc.boolean(),
  })
  .map(({ tz, batch, units, rows, sorted }) => {
    const ordered = sorted ? [...rows].sort((a, b) => a[0] - b[0]) : rows;
    const cols: HisColumn[] = batch
      ? units.map((u, i) => ({ name: `v${i}`, meta: { id: new Ref(`p.${i}`, `Point "${i}"`) }, unit: u }))
      : [{ name: "val", meta: {}, unit: units[0] }];
    const start = HDateTime.fromInstant(TRANSITIONS[0]!, tz);
    const meta: Dict = batch
      ? { hisStart: start, hisEnd: start }
      : { id: new Ref("p.0"), hisStart: start, hisEnd: start, dis: new HNum(1, "s") };
    return his(
      meta,
      tz,
      cols,
      ordered.map(([t]) => t),
      cols.map((_, c) => ordered.map(([, cells]) => cells[c] ?? null)),
    );
  });

interface His {
  meta: Dict;
  tz: string;
  hisCols: HisColumn[];
  ts: number[];
  values: HisCell[][];
}

const his = (meta: Dict, tz: string, hisCols: HisColumn[], ts: number[], values: HisCell[][]): His => ({
  meta,
  tz,
  hisCols,
  ts,
  values,
});

/** The same grid as plain value objects, for the generic writers. */
function generic(g: His): Grid {
  const cols = [{ name: "ts", meta: {} }, ...g.hisCols.map((c) => ({ name: c.name, meta: c.meta }))];
  const rows = g.ts.map((t, r) => {
    const d: Dict = { ts: HDateTime.fromInstant(t, g.tz) };
    for (const [c, col] of g.hisCols.entries()) {
      const v = g.values[c]![r];
      if (v !== null && v !== undefined)
        d[col.name] = (typeof v === "number" ? new HNum(v, col.unit) : v) as HVal;
    }
    return d;
  });
  return new Grid(g.meta, cols, rows);
}

/** The whole grid in one chunk. */
const encode = (g: His, format: HisFormat): string => {
  const e = new HisEncoder(format, g.meta, g.tz, g.hisCols);
  return e.head() + e.rows(g.ts, g.values) + e.tail();
};

describe("HisEncoder encodes like the generic writers", () => {
  test("Zinc: byte-identical", () => {
    fc.assert(
      fc.property(hisGrid, (g) => {
        expect(encode(g, "zinc")).toBe(writeZincGrid(generic(g)));
      }),
      { numRuns: 400 },
    );
  });
  test("JSON: byte-identical", () => {
    fc.assert(
      fc.property(hisGrid, (g) => {
        expect(encode(g, "json")).toBe(writeJson(generic(g)));
      }),
      { numRuns: 400 },
    );
  });
  test("written in chunks (cut anywhere, empty chunks too): the same bytes as the whole grid", () => {
    const cuts = fc.array(fc.nat({ max: 40 }), { maxLength: 6 });
    fc.assert(
      fc.property(hisGrid, cuts, fc.constantFrom<HisFormat>("zinc", "json"), (g, at, format) => {
        const e = new HisEncoder(format, g.meta, g.tz, g.hisCols);
        const bounds = [0, ...at.map((a) => Math.min(a, g.ts.length)).sort((a, b) => a - b), g.ts.length];
        let text = e.head();
        for (let i = 1; i < bounds.length; i++) text += e.rows(g.ts, g.values, bounds[i - 1], bounds[i]);
        text += e.tail();
        expect(text).toBe(format === "zinc" ? writeZincGrid(generic(g)) : writeJson(generic(g)));
      }),
      { numRuns: 400 },
    );
  });
  test("a year of 15-minute rows in New_York, both formats, and the readers get the rows back", () => {
    const t0 = Date.UTC(2025, 0, 1, 5);
    const ts = Array.from({ length: 35_040 }, (_, i) => t0 + i * 900_000);
    const vals = ts.map((_, i) => (i % 7 === 0 ? null : 70 + Math.sin(i / 96)));
    const g = his({ id: new Ref("p") }, "New_York", [{ name: "val", meta: {}, unit: "°F" }], ts, [vals]);
    const zinc = encode(g, "zinc");
    expect(zinc).toBe(writeZincGrid(generic(g)));
    const json = encode(g, "json");
    expect(json).toBe(writeJson(generic(g)));
    const back = readZincGrid(zinc);
    expect(back.rows.length).toBe(35_040);
    expect((back.rows[0]!.ts as HDateTime).toString()).toBe("2025-01-01T00:00:00-05:00 New_York");
    // 2025-03-09 02:00 local does not exist: 01:45 EST is followed by 03:00 EDT.
    const spring = back.rows.findIndex((r) => (r.ts as HDateTime).toIso().startsWith("2025-03-09T03:00"));
    expect((back.rows[spring - 1]!.ts as HDateTime).toIso()).toBe("2025-03-09T01:45:00-05:00");
    expect((back.rows[spring]!.ts as HDateTime).toIso()).toBe("2025-03-09T03:00:00-04:00");
    expect(readJsonGrid(json).rows.length).toBe(35_040);
  });
  test("an empty grid writes header only", () => {
    const g = his({}, "London", [{ name: "val", meta: {} }], [], [[]]);
    expect(encode(g, "zinc")).toBe('ver:"3.0"\nts,val\n');
    expect(encode(g, "json")).toBe(writeJson(generic(g)));
  });
});
