/**
 * Any grid written piecewise, straight to Zinc or Haystack 4 JSON text: the header, then the rows
 * in chunks of at most `rowsPerChunk`, then the tail. The pieces joined are the bytes
 * `writeZincGrid` / `writeJson` write for the whole grid; the JSON side writes each value's text
 * directly (`jsonText`) instead of building the `toJson` object tree and stringifying it. For
 * responses that are sent while they are encoded (`read`, `nav`): no single string of the whole
 * answer, and the first bytes leave before the last row is written.
 */

import { toJson } from "./json.ts";
import {
  type Coord,
  type Dict,
  Grid,
  type HDate,
  type HDateTime,
  type HNum,
  type HSymbol,
  type HTime,
  type HVal,
  kindOf,
  type Ref,
  type Uri,
  type XStr,
} from "./kinds.ts";
import { writeZincGrid, writeZincValue } from "./zinc.ts";

const q = (s: string): string => JSON.stringify(s);

/** JSON's number text: `String(n)` for finite numbers (`-0` is `0`), `null` otherwise. */
const jsonNum = (n: number): string => (Number.isFinite(n) ? String(n) : "null");

/** The Haystack 4 JSON `val` of a number: plain, or "NaN" / "INF" / "-INF". */
function numVal(n: number): string {
  if (Number.isNaN(n)) return '"NaN"';
  if (n === Number.POSITIVE_INFINITY) return '"INF"';
  if (n === Number.NEGATIVE_INFINITY) return '"-INF"';
  return String(n);
}

/** `"name":` of tag names seen (records repeat a few hundred names at most). */
const KEYS = new Map<string, string>();
const KEYS_MAX = 10_000;
function keyText(k: string): string {
  let t = KEYS.get(k);
  if (t === undefined) {
    t = `${q(k)}:`;
    if (KEYS.size < KEYS_MAX) KEYS.set(k, t);
  }
  return t;
}

function dictText(d: Dict): string {
  let out = "";
  for (const k in d) {
    if (!Object.hasOwn(d, k)) continue;
    const v = d[k];
    if (v === null || v === undefined) continue;
    out += `${out ? "," : "{"}${keyText(k)}${jsonText(v)}`;
  }
  return out ? `${out}}` : "{}";
}

/** A value's Haystack 4 JSON text: `JSON.stringify(toJson(v))`, written directly. */
export function jsonText(v: HVal | null | undefined): string {
  if (v === null || v === undefined) return "null";
  switch (kindOf(v)) {
    case "Marker":
      return '{"_kind":"marker"}';
    case "NA":
      return '{"_kind":"na"}';
    case "Remove":
      return '{"_kind":"remove"}';
    case "Bool":
      return v ? "true" : "false";
    case "Str":
      return q(v as string);
    case "Number": {
      const n = v as HNum;
      if (n.unit === undefined && Number.isFinite(n.val)) return String(n.val);
      return `{"_kind":"number","val":${numVal(n.val)}${n.unit === undefined ? "" : `,"unit":${q(n.unit)}`}}`;
    }
    case "Uri":
      return `{"_kind":"uri","val":${q((v as Uri).val)}}`;
    case "Ref": {
      const r = v as Ref;
      return `{"_kind":"ref","val":${q(r.id)}${r.dis === undefined ? "" : `,"dis":${q(r.dis)}`}}`;
    }
    case "Symbol":
      return `{"_kind":"symbol","val":${q((v as HSymbol).val)}}`;
    case "Date":
      return `{"_kind":"date","val":${q((v as HDate).toString())}}`;
    case "Time":
      return `{"_kind":"time","val":${q((v as HTime).toString())}}`;
    case "DateTime": {
      const d = v as HDateTime;
      return `{"_kind":"dateTime","val":${q(d.toIso())},"tz":${q(d.tz)}}`;
    }
    case "Coord":
      return `{"_kind":"coord","lat":${jsonNum((v as Coord).lat)},"lng":${jsonNum((v as Coord).lng)}}`;
    case "XStr":
      return `{"_kind":"xstr","type":${q((v as XStr).type)},"val":${q((v as XStr).val)}}`;
    case "List": {
      let out = "";
      for (const item of v as (HVal | null)[]) out += `${out ? "," : ""}${jsonText(item)}`;
      return `[${out}]`;
    }
    case "Dict":
      return dictText(v as Dict);
    case "Grid":
      // Nested grids are rare in records: the generic writer's text.
      return JSON.stringify(toJson(v));
  }
}

/** Rows encoded per chunk by `gridChunks`, unless asked otherwise. */
export const GRID_CHUNK_ROWS = 1000;

/**
 * A grid written in parts, for rows that are not all in memory at once: `head()` (meta and
 * columns), `rows()` for each run of rows in order, then `tail()`. Joined, the parts are
 * `writeZincGrid` / `writeJson` of the grid with all the rows. A row's tags outside the columns are
 * not written (as the generic writers do). A writer that encodes its own rows (`HisEncoder`) hands
 * their texts to `rowTexts`, which joins them as the next rows.
 */
export class GridWriter {
  private readonly names: readonly string[];
  /** Rows written so far (JSON separates rows with commas, also across parts). */
  private written = 0;
  constructor(
    readonly format: "zinc" | "json",
    private readonly headGrid: Grid,
  ) {
    // The columns as written (a grid without columns is written with the column `empty`).
    this.names = headGrid.cols.length > 0 ? headGrid.cols.map((c) => c.name) : ["empty"];
  }
  /** The meta and the columns (JSON: up to the rows' opening bracket). */
  head(): string {
    const head = new Grid(this.headGrid.meta, this.headGrid.cols, []);
    // `writeJson` of the grid without rows ends with `"rows":[]}`: the rows go between the brackets.
    return this.format === "zinc" ? writeZincGrid(head) : JSON.stringify(toJson(head)).slice(0, -2);
  }
  /** The text of these rows, the next ones of the grid. */
  rows(rows: readonly Dict[], from = 0, to = rows.length): string {
    if (this.format === "json") return this.rowTexts(from, to, (r) => dictText(rows[r]!));
    const names = this.names;
    const none = names.length === 1 ? "N" : "";
    return this.rowTexts(from, to, (r) => {
      const row = rows[r]!;
      let line = "";
      for (let c = 0; c < names.length; c++) {
        const v = row[names[c]!];
        if (c > 0) line += ",";
        line += v === null || v === undefined ? none : writeZincValue(v);
      }
      return line;
    });
  }
  /**
   * The next rows of the grid, `text(r)` for `from` ≤ r < `to`: each a Zinc line without its
   * newline, or a JSON row object.
   */
  rowTexts(from: number, to: number, text: (r: number) => string): string {
    let out = "";
    if (this.format === "json") {
      for (let r = from; r < to; r++) out += `${this.written++ > 0 ? "," : ""}${text(r)}`;
      return out;
    }
    for (let r = from; r < to; r++) out += `${text(r)}\n`;
    this.written += Math.max(0, to - from);
    return out;
  }
  /** What follows the last row. */
  tail(): string {
    return this.format === "zinc" ? "" : "]}";
  }
}

/**
 * The grid's text in pieces: header, chunks of rows, tail (JSON); their concatenation is
 * `writeZincGrid(grid)` or `writeJson(grid)`.
 */
export function* gridChunks(
  format: "zinc" | "json",
  grid: Grid,
  rowsPerChunk = GRID_CHUNK_ROWS,
): Generator<string, void, undefined> {
  const w = new GridWriter(format, grid);
  const rows = grid.rows;
  const per = Math.max(1, rowsPerChunk);
  yield w.head();
  for (let from = 0; from < rows.length; from += per)
    yield w.rows(rows, from, Math.min(from + per, rows.length));
  const tail = w.tail();
  if (tail) yield tail;
}
