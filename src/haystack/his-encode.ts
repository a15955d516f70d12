/**
 * A history grid (`ts` plus value columns) written straight from stored cells to Zinc and
 * Haystack 4 JSON text, without a value object per cell: the timestamps are written with the zone
 * offset of the `OffsetSpan` they fall in (looked up again only past a transition), numbers with
 * their column's unit. The text is byte-identical to `writeZincGrid` / `writeJson` over the same
 * grid of HDateTime, HNum, Bool and Str cells. The header, the tail and the joining of rows are
 * `GridWriter`'s.
 */
import { GridWriter } from "./grid-encode.ts";
import { type Dict, formatNumber, Grid, type GridCol } from "./kinds.ts";
import { offsetSpan, tzToIana } from "./tz.ts";
import { zincStr } from "./zinc.ts";

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
  private readonly frame: GridWriter;
  private readonly iana: string;
  private readonly utc: boolean;
  private readonly units: readonly string[];
  private readonly keys: readonly string[];
  private readonly jsonUnits: readonly (string | undefined)[];
  private readonly tzTail: string;
  private span = { offsetMin: 0, start: 0, end: Number.NEGATIVE_INFINITY };
  private suffix = "";
  private lastDay = Number.NaN;
  private date = "";

  /** @throws RangeError for an unknown zone `tz`. */
  constructor(
    readonly format: HisFormat,
    readonly meta: Dict,
    readonly tz: string,
    readonly hisCols: readonly HisColumn[],
  ) {
    this.iana = tzToIana(tz);
    this.utc = tz === "UTC" || tz === "GMT" || tz === "Etc/UTC";
    const cols = [{ name: "ts", meta: {} }, ...hisCols.map((c): GridCol => ({ name: c.name, meta: c.meta }))];
    this.frame = new GridWriter(format, new Grid(meta, cols, []));
    this.units = hisCols.map((c) => c.unit || "");
    this.keys = hisCols.map((c) => `,${JSON.stringify(c.name)}:`);
    this.jsonUnits = hisCols.map((c) => (c.unit ? `,"unit":${JSON.stringify(c.unit)}` : undefined));
    this.tzTail = format === "zinc" ? ` ${tz}` : `","tz":${JSON.stringify(tz)}}`;
  }

  /** The header: Zinc's meta and column lines; JSON up to the opening bracket of `rows`. */
  head(): string {
    return this.frame.head();
  }

  /** What closes the grid (nothing in Zinc). */
  tail(): string {
    return this.frame.tail();
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
    return this.format === "zinc"
      ? this.frame.rowTexts(from, to, (r) => this.zincRow(ts[r]!, values, r))
      : this.frame.rowTexts(from, to, (r) => this.jsonRow(ts[r]!, values, r));
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

  /** Row `r` as a Zinc line (without its newline). */
  private zincRow(ts: number, values: readonly (readonly HisCell[])[], r: number): string {
    const units = this.units;
    let line = this.iso(ts) + this.tzTail;
    for (let c = 0; c < this.hisCols.length; c++) {
      const v = values[c]![r];
      line += ",";
      if (v === null || v === undefined) continue;
      if (typeof v === "number") line += Number.isFinite(v) ? formatNumber(v) + units[c] : formatNumber(v);
      else if (typeof v === "boolean") line += v ? "T" : "F";
      else line += zincStr(v);
    }
    return line;
  }

  /** Row `r` as a JSON object. */
  private jsonRow(ts: number, values: readonly (readonly HisCell[])[], r: number): string {
    const { keys, jsonUnits } = this;
    let row = `{"ts":{"_kind":"dateTime","val":"${this.iso(ts)}${this.tzTail}`;
    for (let c = 0; c < this.hisCols.length; c++) {
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
    return `${row}}`;
  }
}
