/**
 * A history grid (`ts` plus value columns) that encodes itself straight to Zinc and Haystack 4
 * JSON text, without a value object per cell: the timestamps are written with the zone offset of
 * the `OffsetSpan` they fall in (looked up again only past a transition), numbers with their
 * column's unit. The text is byte-identical to `writeZincGrid` / `writeJson` over the same grid,
 * whose `rows` (HDateTime, HNum, Bool, Str cells) are built only when someone reads them.
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

export class HisGrid extends Grid {
  private readonly iana: string;
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
    this.iana = tzToIana(tz);
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

  /** Calls `each(iso, r)` for every row with its timestamp's ISO text (with offset). */
  private eachTs(each: (iso: string, r: number) => void): void {
    const utc = this.tz === "UTC" || this.tz === "GMT" || this.tz === "Etc/UTC";
    let span = { offsetMin: 0, start: 0, end: Number.NEGATIVE_INFINITY };
    let suffix = "";
    let lastDay = Number.NaN;
    let date = "";
    for (let r = 0; r < this.ts.length; r++) {
      const ms = this.ts[r]!;
      if (ms < span.start || ms >= span.end) {
        span = offsetSpan(this.iana, ms);
        const off = span.offsetMin;
        const a = Math.abs(off);
        suffix = off === 0 && utc ? "Z" : `${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
      }
      const local = ms + span.offsetMin * 60_000;
      const day = Math.floor(local / 86_400_000);
      if (day !== lastDay) {
        const d = new Date(day * 86_400_000);
        date = `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T`;
        lastDay = day;
      }
      let t = local - day * 86_400_000;
      const msPart = t % 1000;
      t = (t - msPart) / 1000;
      const sec = t % 60;
      t = (t - sec) / 60;
      const min = t % 60;
      const hour = (t - min) / 60;
      each(`${date}${pad2(hour)}:${pad2(min)}:${pad2(sec)}${msPart ? `.${pad3(msPart)}` : ""}${suffix}`, r);
    }
  }

  /** The grid as Zinc, as `writeZincGrid` writes it. */
  zinc(): string {
    const out = [writeZincGrid(new Grid(this.meta, this.cols, []))];
    const cols = this.hisCols;
    const units = cols.map((c) => c.unit || "");
    const tzTail = ` ${this.tz}`;
    this.eachTs((iso, r) => {
      let line = iso + tzTail;
      for (let c = 0; c < cols.length; c++) {
        const v = this.values[c]![r];
        line += ",";
        if (v === null || v === undefined) continue;
        if (typeof v === "number") line += Number.isFinite(v) ? formatNumber(v) + units[c] : formatNumber(v);
        else if (typeof v === "boolean") line += v ? "T" : "F";
        else line += zincStr(v);
      }
      out.push(`${line}\n`);
    });
    return out.join("");
  }

  /** The grid as Haystack 4 JSON, as `writeJson` writes it. */
  json(): string {
    const head = writeJson(new Grid(this.meta, this.cols, []));
    // `head` ends with `"rows":[]}`: the rows go between the brackets.
    const out: string[] = [];
    const cols = this.hisCols;
    const keys = cols.map((c) => `,${JSON.stringify(c.name)}:`);
    const units = cols.map((c) => (c.unit ? `,"unit":${JSON.stringify(c.unit)}` : undefined));
    const tzTail = `","tz":${JSON.stringify(this.tz)}}`;
    this.eachTs((iso, r) => {
      let row = `{"ts":{"_kind":"dateTime","val":"${iso}${tzTail}`;
      for (let c = 0; c < cols.length; c++) {
        const v = this.values[c]![r];
        if (v === null || v === undefined) continue;
        row += keys[c];
        if (typeof v === "number") {
          const unit = units[c];
          // String(n) is JSON's number text for every finite n (and "0" for -0).
          if (unit === undefined && Number.isFinite(v)) row += String(v);
          else
            row += `{"_kind":"number","val":${Number.isFinite(v) ? String(v) : `"${formatNumber(v)}"`}${unit ?? ""}}`;
        } else row += JSON.stringify(v);
      }
      out.push(`${row}}`);
    });
    return `${head.slice(0, -2)}${out.join(",")}]}`;
  }
}
