/**
 * A history grid (`ts` plus value columns) that encodes itself straight to Zinc and Haystack 4
 * JSON text, without a value object per cell: the timestamps are written with the zone offset of
 * the `OffsetSpan` they fall in (looked up again only past a transition), numbers with their
 * column's unit. The text is byte-identical to `writeZincGrid` / `writeJson` over the same grid,
 * whose `rows` (HDateTime, HNum, Bool, Str cells) are built only when someone reads them.
 * `HisEncoder` writes the same text piecewise (header, any number of row chunks, tail), for
 * responses streamed while the rows are still being read.
 */
import { writeJson } from "./json.ts";
import { type Dict, formatNumber, Grid, type GridCol, HDateTime, HNum, type HVal } from "./kinds.ts";
import { offsetSpan, tzToIana } from "./tz.ts";
import { writeZincGrid, zincStr } from "./zinc.ts";

/** One stored history value: a Number (in the column's unit), a Bool or a Str; null for none. */
export type HisCell = number | boolean | string | null;

/** A value column: its name, meta (such as `id`) and the unit its numbers carry. */
export interface HisColumn {
  name: string;
  meta: Dict;
  unit?: string | undefined;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** The encodings `HisEncoder` writes. */
export type HisFormat = "zinc" | "json";

/**
 * Writes a history grid piecewise: `head()`, then `rows()` for each chunk of rows in order (the
 * zone-offset span and the current day carry over from chunk to chunk), then `tail()`. The pieces
 * joined are the text `writeZincGrid` / `writeJson` write for the whole grid.
 */
export class HisEncoder {
  private readonly iana: string;
  private readonly utc: boolean;
  private readonly cols: readonly GridCol[];
  private readonly units: readonly string[];
  private readonly keys: readonly string[];
  private readonly jsonUnits: readonly (string | undefined)[];
  private readonly tzTail: string;
  private span = { offsetMin: 0, start: 0, end: Number.NEGATIVE_INFINITY };
  private suffix = "";
  private lastDay = Number.NaN;
  private date = "";
  /** Rows written so far (JSON separates rows with commas across chunks). */
  private written = 0;

  /** @throws RangeError for an unknown zone `tz`. */
  constructor(
    readonly format: HisFormat,
    readonly meta: Dict,
    readonly tz: string,
    readonly hisCols: readonly HisColumn[],
  ) {
    this.iana = tzToIana(tz);
    this.utc = tz === "UTC" || tz === "GMT" || tz === "Etc/UTC";
    this.cols = [{ name: "ts", meta: {} }, ...hisCols.map((c): GridCol => ({ name: c.name, meta: c.meta }))];
    this.units = hisCols.map((c) => c.unit || "");
    this.keys = hisCols.map((c) => `,${JSON.stringify(c.name)}:`);
    this.jsonUnits = hisCols.map((c) => (c.unit ? `,"unit":${JSON.stringify(c.unit)}` : undefined));
    this.tzTail = format === "zinc" ? ` ${tz}` : `","tz":${JSON.stringify(tz)}}`;
  }

  /** The header: Zinc's meta and column lines; JSON up to the opening bracket of `rows`. */
  head(): string {
    const empty = new Grid(this.meta, this.cols, []);
    if (this.format === "zinc") return writeZincGrid(empty);
    // `writeJson` of the grid without rows ends with `"rows":[]}`: the rows go between the brackets.
    return writeJson(empty).slice(0, -2);
  }

  /** What closes the grid (nothing in Zinc). */
  tail(): string {
    return this.format === "zinc" ? "" : "]}";
  }

  /**
   * Rows `from` ≤ r < `to` of a chunk: `ts[r]` (epoch ms, ascending across all chunks) and
   * `values[c][r]`.
   */
  rows(
    ts: readonly number[],
    values: readonly (readonly HisCell[])[],
    from = 0,
    to: number = ts.length,
  ): string {
    return this.format === "zinc" ? this.zincRows(ts, values, from, to) : this.jsonRows(ts, values, from, to);
  }

  /** The ISO text (with offset) of instant `ms`; instants come in ascending order. */
  private iso(ms: number): string {
    if (ms < this.span.start || ms >= this.span.end) {
      this.span = offsetSpan(this.iana, ms);
      const off = this.span.offsetMin;
      const a = Math.abs(off);
      this.suffix =
        off === 0 && this.utc ? "Z" : `${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
    }
    const local = ms + this.span.offsetMin * 60_000;
    const day = Math.floor(local / 86_400_000);
    if (day !== this.lastDay) {
      const d = new Date(day * 86_400_000);
      this.date = `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T`;
      this.lastDay = day;
    }
    let t = local - day * 86_400_000;
    const msPart = t % 1000;
    t = (t - msPart) / 1000;
    const sec = t % 60;
    t = (t - sec) / 60;
    const min = t % 60;
    const hour = (t - min) / 60;
    return `${this.date}${pad2(hour)}:${pad2(min)}:${pad2(sec)}${msPart ? `.${pad3(msPart)}` : ""}${this.suffix}`;
  }

  private zincRows(ts: readonly number[], values: readonly (readonly HisCell[])[], from: number, to: number) {
    const out: string[] = [];
    const n = this.hisCols.length;
    const units = this.units;
    for (let r = from; r < to; r++) {
      let line = this.iso(ts[r]!) + this.tzTail;
      for (let c = 0; c < n; c++) {
        const v = values[c]![r];
        line += ",";
        if (v === null || v === undefined) continue;
        if (typeof v === "number") line += Number.isFinite(v) ? formatNumber(v) + units[c] : formatNumber(v);
        else if (typeof v === "boolean") line += v ? "T" : "F";
        else line += zincStr(v);
      }
      out.push(`${line}\n`);
    }
    this.written += to - from;
    return out.join("");
  }

  private jsonRows(ts: readonly number[], values: readonly (readonly HisCell[])[], from: number, to: number) {
    const out: string[] = [];
    const n = this.hisCols.length;
    const { keys, jsonUnits } = this;
    for (let r = from; r < to; r++) {
      let row = `{"ts":{"_kind":"dateTime","val":"${this.iso(ts[r]!)}${this.tzTail}`;
      for (let c = 0; c < n; c++) {
        const v = values[c]![r];
        if (v === null || v === undefined) continue;
        row += keys[c];
        if (typeof v === "number") {
          const unit = jsonUnits[c];
          // String(n) is JSON's number text for every finite n (and "0" for -0).
          if (unit === undefined && Number.isFinite(v)) row += String(v);
          else
            row += `{"_kind":"number","val":${Number.isFinite(v) ? String(v) : `"${formatNumber(v)}"`}${unit ?? ""}}`;
        } else row += JSON.stringify(v);
      }
      out.push(`${row}}`);
    }
    const text = out.join(",");
    const sep = this.written > 0 && to > from ? "," : "";
    this.written += to - from;
    return sep + text;
  }
}

export class HisGrid extends Grid {
  /**
   * @param tz Haystack zone name every `ts` is written in (throws `RangeError` when unknown).
   * @param ts the row instants (epoch ms).
   * @param values per column, per row, the cell (`values[c][r]`).
   */
  constructor(
    meta: Dict,
    readonly tz: string,
    readonly hisCols: readonly HisColumn[],
    readonly ts: readonly number[],
    readonly values: readonly (readonly HisCell[])[],
  ) {
    super(
      meta,
      [{ name: "ts", meta: {} }, ...hisCols.map((c): GridCol => ({ name: c.name, meta: c.meta }))],
      [],
    );
    tzToIana(tz);
    let rows: Dict[] | undefined;
    Object.defineProperty(this, "rows", { get: () => (rows ??= this.materialise()), enumerable: true });
  }

  private materialise(): Dict[] {
    const out: Dict[] = [];
    for (let r = 0; r < this.ts.length; r++) {
      const d: Dict = { ts: HDateTime.fromInstant(this.ts[r]!, this.tz) };
      for (let c = 0; c < this.hisCols.length; c++) {
        const v = this.values[c]![r];
        if (v === null || v === undefined) continue;
        d[this.hisCols[c]!.name] = (typeof v === "number" ? new HNum(v, this.hisCols[c]!.unit) : v) as HVal;
      }
      out.push(d);
    }
    return out;
  }

  private encode(format: HisFormat): string {
    const e = new HisEncoder(format, this.meta, this.tz, this.hisCols);
    return e.head() + e.rows(this.ts, this.values) + e.tail();
  }

  /** The grid as Zinc, as `writeZincGrid` writes it. */
  zinc(): string {
    return this.encode("zinc");
  }

  /** The grid as Haystack 4 JSON, as `writeJson` writes it. */
  json(): string {
    return this.encode("json");
  }
}
