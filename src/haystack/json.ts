/**
 * Haystack 4 JSON ("Hayson") reader and writer. Values map to JSON-compatible JS values
 * (`toJson`/`fromJson`) and to text (`writeJson`/`readJson`). The readers refuse JSON nested
 * deeper than `MAX_DEPTH` (each array and object is a level): `readJson` on the text before
 * `JSON.parse`, `fromJson` before it descends.
 */

import { jsonDepth, MAX_DEPTH, TOO_DEEP } from "./depth.ts";
import {
  Coord,
  type Dict,
  Grid,
  type GridCol,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  isTagName,
  kindOf,
  MARKER,
  NA,
  REMOVE,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";

/** A JSON value (what `JSON.parse` returns). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Malformed Haystack JSON; `path` is where (e.g. `rows[2].curVal`). */
export class HaystackJsonError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path.replace(/^\./, "") || "$"}: ${message}`);
    this.name = "HaystackJsonError";
  }
}

function numVal(n: number): Json {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "INF";
  if (n === Number.NEGATIVE_INFINITY) return "-INF";
  return n;
}

function dictToJson(d: Dict): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(d)) {
    if (v === null || v === undefined) continue;
    out[k] = toJson(v);
  }
  return out;
}

/**
 * Encodes a value in the Haystack 4 JSON form: plain JSON for Str, Bool, unitless finite Number,
 * List and Dict; `{"_kind": …}` objects for the rest. A grid's meta always carries `ver: "3.0"`.
 */
export function toJson(v: HVal | null | undefined): Json {
  if (v === null || v === undefined) return null;
  switch (kindOf(v)) {
    case "Marker":
      return { _kind: "marker" };
    case "NA":
      return { _kind: "na" };
    case "Remove":
      return { _kind: "remove" };
    case "Bool":
      return v as boolean;
    case "Str":
      return v as string;
    case "Number": {
      const n = v as HNum;
      if (n.unit === undefined && Number.isFinite(n.val)) return Object.is(n.val, -0) ? 0 : n.val;
      const o: { [k: string]: Json } = { _kind: "number", val: numVal(n.val) };
      if (n.unit !== undefined) o.unit = n.unit;
      return o;
    }
    case "Uri":
      return { _kind: "uri", val: (v as Uri).val };
    case "Ref": {
      const r = v as Ref;
      return r.dis === undefined ? { _kind: "ref", val: r.id } : { _kind: "ref", val: r.id, dis: r.dis };
    }
    case "Symbol":
      return { _kind: "symbol", val: (v as HSymbol).val };
    case "Date":
      return { _kind: "date", val: (v as HDate).toString() };
    case "Time":
      return { _kind: "time", val: (v as HTime).toString() };
    case "DateTime": {
      const d = v as HDateTime;
      return { _kind: "dateTime", val: d.toIso(), tz: d.tz };
    }
    case "Coord":
      return { _kind: "coord", lat: (v as Coord).lat, lng: (v as Coord).lng };
    case "XStr":
      return { _kind: "xstr", type: (v as XStr).type, val: (v as XStr).val };
    case "List":
      return (v as (HVal | null)[]).map(toJson);
    case "Dict":
      return dictToJson(v as Dict);
    case "Grid": {
      const g = v as Grid;
      return {
        _kind: "grid",
        meta: { ...dictToJson(g.meta), ver: "3.0" },
        cols: g.cols.map((c): Json => {
          const col: { [k: string]: Json } = { name: c.name };
          if (Object.keys(c.meta).length > 0) col.meta = dictToJson(c.meta);
          return col;
        }),
        rows: g.rows.map(dictToJson),
      };
    }
  }
}

function str(o: { [k: string]: Json }, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new HaystackJsonError(`${path}.${key}`, "expected a string");
  return v;
}

function num(o: { [k: string]: Json }, key: string, path: string): number {
  const v = o[key];
  if (typeof v === "number") return v;
  if (v === "INF") return Number.POSITIVE_INFINITY;
  if (v === "-INF") return Number.NEGATIVE_INFINITY;
  if (v === "NaN") return Number.NaN;
  throw new HaystackJsonError(`${path}.${key}`, "expected a number");
}

function wrap<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new HaystackJsonError(path, e.message);
    throw e;
  }
}

/** The level of a container inside `outer` levels; @throws HaystackJsonError past MAX_DEPTH. */
function level(outer: number, path: string): number {
  if (outer >= MAX_DEPTH) throw new HaystackJsonError(path, TOO_DEEP);
  return outer + 1;
}

/** A dict whose object is at `at` levels of nesting. */
function dictFromJson(o: { [k: string]: Json }, path: string, at: number): Dict {
  const d: Dict = {};
  for (const [k, j] of Object.entries(o)) {
    if (!isTagName(k)) continue;
    const v = fromJson(j, `${path}.${k}`, at);
    if (v !== null) d[k] = v;
  }
  return d;
}

function asObject(j: Json | undefined, path: string): { [k: string]: Json } {
  if (j === null || j === undefined || typeof j !== "object" || Array.isArray(j)) {
    throw new HaystackJsonError(path, "expected an object");
  }
  return j;
}

/**
 * Decodes a Haystack 4 JSON value. Objects without `_kind` are dicts; keys that are not valid tag
 * names are skipped, as the spec asks. A dateTime without `tz` is in `GMT` (offset zero) or the
 * fixed `GMT±h` zone of its offset. `outer` is how many arrays and objects enclose `j`.
 * Throws `HaystackJsonError` for a malformed value or one nested deeper than `MAX_DEPTH`.
 */
export function fromJson(j: Json, path = "", outer = 0): HVal | null {
  if (j === null) return null;
  if (typeof j === "boolean" || typeof j === "string") return j;
  if (typeof j === "number") return new HNum(j);
  const at = level(outer, path);
  if (Array.isArray(j)) return j.map((e, i) => fromJson(e, `${path}[${i}]`, at));
  const kind = j._kind;
  if (kind === undefined || kind === "dict") return dictFromJson(j, path, at);
  switch (kind) {
    case "marker":
      return MARKER;
    case "na":
      return NA;
    case "remove":
      return REMOVE;
    case "number": {
      const unit = j.unit;
      if (unit !== undefined && unit !== null && typeof unit !== "string") {
        throw new HaystackJsonError(`${path}.unit`, "expected a string");
      }
      return new HNum(num(j, "val", path), unit ?? undefined);
    }
    case "uri":
      return new Uri(str(j, "val", path));
    case "ref": {
      const dis = j.dis;
      return new Ref(str(j, "val", path), typeof dis === "string" ? dis : undefined);
    }
    case "symbol":
      return new HSymbol(str(j, "val", path));
    case "date":
      return wrap(path, () => HDate.parse(str(j, "val", path)));
    case "time":
      return wrap(path, () => HTime.parse(str(j, "val", path)));
    case "dateTime": {
      const tz = j.tz;
      const val = str(j, "val", path);
      const isUtc = val.endsWith("Z") || val.endsWith("+00:00") || val.endsWith("-00:00");
      return wrap(path, () => HDateTime.parse(val, typeof tz === "string" ? tz : isUtc ? "GMT" : undefined));
    }
    case "coord":
      return new Coord(num(j, "lat", path), num(j, "lng", path));
    case "xstr":
      return new XStr(str(j, "type", path), str(j, "val", path));
    case "grid":
      return gridFromJson(j, path, at);
    default:
      throw new HaystackJsonError(`${path}._kind`, `unknown kind ${JSON.stringify(kind)}`);
  }
}

/** A grid whose object is at `at` levels: its meta and arrays one deeper, columns and rows two. */
function gridFromJson(j: { [k: string]: Json }, path: string, at: number): Grid {
  const inner = level(at, path);
  const meta = dictFromJson(asObject(j.meta ?? {}, `${path}.meta`), `${path}.meta`, inner);
  const colsJ = j.cols ?? [];
  if (!Array.isArray(colsJ)) throw new HaystackJsonError(`${path}.cols`, "expected an array");
  const rowsJ = j.rows ?? [];
  if (!Array.isArray(rowsJ)) throw new HaystackJsonError(`${path}.rows`, "expected an array");
  const item = colsJ.length > 0 || rowsJ.length > 0 ? level(inner, path) : inner;
  const cols: GridCol[] = colsJ.map((c, i) => {
    const o = asObject(c, `${path}.cols[${i}]`);
    const m =
      o.meta === undefined
        ? {}
        : dictFromJson(asObject(o.meta, `${path}.cols[${i}].meta`), "", level(item, `${path}.cols[${i}]`));
    return { name: str(o, "name", `${path}.cols[${i}]`), meta: m };
  });
  const rows = rowsJ.map((r, i) =>
    dictFromJson(asObject(r, `${path}.rows[${i}]`), `${path}.rows[${i}]`, item),
  );
  return new Grid({ ...meta, ver: "3.0" }, cols, rows);
}

/** Encodes a value (typically a grid) as Haystack 4 JSON text. */
export function writeJson(v: HVal | null): string {
  return JSON.stringify(toJson(v));
}

/**
 * Parses Haystack 4 JSON text. Throws `HaystackJsonError` (also for text that is not JSON, and for
 * text nested deeper than `MAX_DEPTH`, found before it is parsed).
 */
export function readJson(text: string): HVal | null {
  if (jsonDepth(text) > MAX_DEPTH) throw new HaystackJsonError("", TOO_DEEP);
  let j: Json;
  try {
    j = JSON.parse(text) as Json;
  } catch (e) {
    throw new HaystackJsonError("", `invalid JSON: ${(e as Error).message}`);
  }
  return fromJson(j);
}

/** Parses Haystack 4 JSON text that must be a grid. Throws `HaystackJsonError`. */
export function readJsonGrid(text: string): Grid {
  const v = readJson(text);
  if (!(v instanceof Grid)) throw new HaystackJsonError("", "expected a grid");
  return v;
}
