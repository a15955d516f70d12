/**
 * The Haystack 4 kinds as TypeScript values.
 *
 * Representation (chosen for ergonomics; every codec and the filter share it):
 * - Marker, NA, Remove: singletons `MARKER`, `NA`, `REMOVE` (instances of `Marker`, `Na`, `Remove`).
 * - Bool: JS `boolean`. Str: JS `string`.
 * - Number: `HNum` (value plus optional unit; `Infinity`, `-Infinity`, `NaN` allowed).
 * - Uri, Ref, Symbol, Date, Time, DateTime, Coord, XStr: immutable classes below.
 * - List: a JS array whose elements are `HVal | null`.
 * - Dict: a plain object (`{ [tag: string]: HVal }`), prototype `Object.prototype` or `null`.
 *   A tag whose value is absent is simply not a key; `null`/`undefined` values are treated as absent.
 * - Grid: `Grid` (meta dict, columns with meta, rows as dicts).
 * Null is not a kind; it appears as `null` in grid cells and list elements.
 */

import { INSTANT_RANGE, isStorableInstant, utcMs } from "./instants.ts";
import { tzOffsetMinutes, tzToIana } from "./tz.ts";

/** The marker singleton's class; use `MARKER`. */
export class Marker {
  static readonly VAL = new Marker();
  private constructor() {}
  toString(): string {
    return "\u2713";
  }
}
/** The NA (not available) singleton's class; use `NA`. */
export class Na {
  static readonly VAL = new Na();
  private constructor() {}
  toString(): string {
    return "NA";
  }
}
/** The remove singleton's class; use `REMOVE`. */
export class Remove {
  static readonly VAL = new Remove();
  private constructor() {}
  toString(): string {
    return "remove";
  }
}
export const MARKER: Marker = Marker.VAL;
export const NA: Na = Na.VAL;
export const REMOVE: Remove = Remove.VAL;

/** Number with an optional unit. `unit` is `undefined` when unitless (never the empty string). */
export class HNum {
  readonly val: number;
  readonly unit: string | undefined;
  constructor(val: number, unit?: string | null) {
    this.val = val;
    this.unit = unit ? unit : undefined;
  }
  toString(): string {
    return `${formatNumber(this.val)}${this.unit ?? ""}`;
  }
}

/** Formats a JS number the way Zinc writes it (`INF`, `-INF`, `NaN` for the specials). */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "INF";
  if (n === Number.NEGATIVE_INFINITY) return "-INF";
  if (Object.is(n, -0)) return "0";
  return String(n);
}

export class Uri {
  constructor(readonly val: string) {}
  toString(): string {
    return this.val;
  }
}

/** Ref: `id` without the leading `@`; `dis` is an optional display name (ignored by equality). */
export class Ref {
  readonly id: string;
  readonly dis: string | undefined;
  constructor(id: string, dis?: string | null) {
    this.id = id;
    this.dis = dis ?? undefined;
  }
  toString(): string {
    return `@${this.id}`;
  }
}

/** Symbol (named `HSymbol` to avoid the JS global); `val` without the leading `^`. */
export class HSymbol {
  constructor(readonly val: string) {}
  toString(): string {
    return `^${this.val}`;
  }
}

const pad2 = (n: number): string => String(n).padStart(2, "0");
const pad3 = (n: number): string => String(n).padStart(3, "0");

/** Calendar date (no zone). `month` is 1-12. */
export class HDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}
  /** Parses `YYYY-MM-DD`; throws `RangeError` on a malformed or impossible date. */
  static parse(s: string): HDate {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) throw new RangeError(`invalid date: ${s}`);
    const d = new HDate(Number(m[1]), Number(m[2]), Number(m[3]));
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysInMonth(d.year, d.month)) {
      throw new RangeError(`invalid date: ${s}`);
    }
    return d;
  }
  /** Milliseconds of this date's midnight in UTC (used for ordering and storage). */
  toUtcMs(): number {
    return utcMs(this.year, this.month, this.day);
  }
  /** The date `n` days later (or earlier for negative `n`). */
  plusDays(n: number): HDate {
    const d = new Date(this.toUtcMs() + n * 86_400_000);
    return new HDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  toString(): string {
    return `${String(this.year).padStart(4, "0")}-${pad2(this.month)}-${pad2(this.day)}`;
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** Time of day (no zone), millisecond precision. */
export class HTime {
  constructor(
    readonly hour: number,
    readonly min: number,
    readonly sec = 0,
    readonly ms = 0,
  ) {}
  /** Parses `hh:mm[:ss[.FFF…]]` (digits past milliseconds are truncated); throws `RangeError`. */
  static parse(s: string): HTime {
    const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
    if (!m) throw new RangeError(`invalid time: ${s}`);
    const t = new HTime(
      Number(m[1]),
      Number(m[2]),
      Number(m[3] ?? 0),
      Number((m[4] ?? "").padEnd(3, "0").slice(0, 3)),
    );
    if (t.hour > 23 || t.min > 59 || t.sec > 59) throw new RangeError(`invalid time: ${s}`);
    return t;
  }
  /** Milliseconds since midnight. */
  toMs(): number {
    return ((this.hour * 60 + this.min) * 60 + this.sec) * 1000 + this.ms;
  }
  /** `hh:mm:ss`, plus `.FFF` when the milliseconds are not zero. */
  toString(): string {
    const base = `${pad2(this.hour)}:${pad2(this.min)}:${pad2(this.sec)}`;
    return this.ms ? `${base}.${pad3(this.ms)}` : base;
  }
}

/**
 * An instant with the Haystack time-zone name it is expressed in and the UTC offset in force.
 * `epochMs` is the instant; `offsetMin` the offset (minutes east of UTC); `tz` the Haystack name
 * (`New_York`, `UTC`, `GMT+5`).
 */
export class HDateTime {
  constructor(
    readonly epochMs: number,
    readonly offsetMin: number,
    readonly tz: string,
  ) {}
  /** The instant `epochMs` expressed in Haystack zone `tz`; throws `RangeError` for an unknown zone. */
  static fromInstant(epochMs: number, tz: string): HDateTime {
    return new HDateTime(epochMs, tzOffsetMinutes(tzToIana(tz), epochMs), tz);
  }
  /**
   * Parses the ISO part `YYYY-MM-DDThh:mm[:ss[.FFF]](Z|±hh:mm)` with a Haystack zone name.
   * Without a name, `Z` means `UTC` and an offset means the fixed zone `GMT∓h` when whole hours.
   * Throws `RangeError` when malformed or outside the accepted instants (`INSTANT_RANGE`).
   */
  static parse(iso: string, tz?: string): HDateTime {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/.exec(
      iso,
    );
    if (!m) throw new RangeError(`invalid dateTime: ${iso}`);
    const date = HDate.parse(`${m[1]}-${m[2]}-${m[3]}`);
    const time = HTime.parse(`${m[4]}:${m[5]}:${m[6] ?? "00"}${m[7] ? `.${m[7]}` : ""}`);
    const off = m[8] === "Z" ? 0 : parseOffset(m[8] ?? "");
    const epochMs = date.toUtcMs() + time.toMs() - off * 60_000;
    if (!isStorableInstant(epochMs)) throw new RangeError(`dateTime outside ${INSTANT_RANGE}: ${iso}`);
    return new HDateTime(epochMs, off, tz ?? defaultTzForOffset(off));
  }
  /** Local calendar date in this value's offset. */
  date(): HDate {
    const d = new Date(this.epochMs + this.offsetMin * 60_000);
    return new HDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  /** Local time of day in this value's offset. */
  time(): HTime {
    const d = new Date(this.epochMs + this.offsetMin * 60_000);
    return new HTime(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  }
  /** ISO 8601 with offset (`Z` when the offset is zero and the zone is UTC/GMT-like). */
  toIso(): string {
    const off = this.offsetMin;
    let suffix: string;
    if (off === 0 && (this.tz === "UTC" || this.tz === "GMT" || this.tz === "Etc/UTC")) suffix = "Z";
    else {
      const a = Math.abs(off);
      suffix = `${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
    }
    return `${this.date().toString()}T${this.time().toString()}${suffix}`;
  }
  toString(): string {
    return `${this.toIso()} ${this.tz}`;
  }
}

function parseOffset(s: string): number {
  const sign = s.startsWith("-") ? -1 : 1;
  return sign * (Number(s.slice(1, 3)) * 60 + Number(s.slice(4, 6)));
}

function defaultTzForOffset(off: number): string {
  if (off === 0) return "UTC";
  if (off % 60 === 0) return `GMT${off < 0 ? "+" : "-"}${Math.abs(off / 60)}`;
  return "UTC";
}

export class Coord {
  constructor(
    readonly lat: number,
    readonly lng: number,
  ) {}
  toString(): string {
    return `C(${this.lat},${this.lng})`;
  }
}

/** Extended string: a type name (starts upper-case) and its string encoding. */
export class XStr {
  constructor(
    readonly type: string,
    readonly val: string,
  ) {}
  toString(): string {
    return `${this.type}(${JSON.stringify(this.val)})`;
  }
}

export type HScalar =
  | Marker
  | Na
  | Remove
  | boolean
  | HNum
  | string
  | Uri
  | Ref
  | HSymbol
  | HDate
  | HTime
  | HDateTime
  | Coord
  | XStr;
/** A Haystack Dict: tag name to value. */
export type Dict = { [tag: string]: HVal };
export type HList = (HVal | null)[];
/** Any Haystack value (null is not a kind; see the module comment). */
export type HVal = HScalar | HList | Dict | Grid;

export interface GridCol {
  readonly name: string;
  readonly meta: Dict;
}

/** A grid: meta dict, ordered columns (each with meta), rows as dicts keyed by column name. */
export class Grid {
  readonly meta: Dict;
  readonly cols: readonly GridCol[];
  readonly rows: readonly Dict[];
  constructor(meta: Dict, cols: readonly GridCol[], rows: readonly Dict[]) {
    this.meta = meta;
    this.cols = cols;
    this.rows = rows;
  }
  /**
   * Builds a grid from rows, with columns in first-seen order over all rows.
   * `meta` is copied; `ver` is not required here (codecs add it when writing).
   */
  static fromRows(rows: readonly Dict[], meta: Dict = {}): Grid {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const r of rows) {
      for (const k of Object.keys(r)) {
        if (!seen.has(k) && r[k] !== undefined && r[k] !== null) {
          seen.add(k);
          names.push(k);
        }
      }
    }
    return new Grid(
      { ...meta },
      names.map((name) => ({ name, meta: {} })),
      rows,
    );
  }
  /** An empty grid (one column named `empty`, no rows), as the spec writes it. */
  static empty(meta: Dict = {}): Grid {
    return new Grid({ ...meta }, [{ name: "empty", meta: {} }], []);
  }
  col(name: string): GridCol | undefined {
    return this.cols.find((c) => c.name === name);
  }
}

/** Kind names, spelled as the `value_kind` column and the Haystack defs (capitalised). */
export type Kind =
  | "Marker"
  | "NA"
  | "Remove"
  | "Bool"
  | "Number"
  | "Str"
  | "Uri"
  | "Ref"
  | "Symbol"
  | "Date"
  | "Time"
  | "DateTime"
  | "Coord"
  | "XStr"
  | "List"
  | "Dict"
  | "Grid";

/** True for a plain object used as a Dict (not an array, not one of the kind classes). */
export function isDict(v: unknown): v is Dict {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The kind of a Haystack value; throws `TypeError` for something that is not an `HVal`. */
export function kindOf(v: HVal): Kind {
  if (v === MARKER) return "Marker";
  if (v === NA) return "NA";
  if (v === REMOVE) return "Remove";
  if (typeof v === "boolean") return "Bool";
  if (typeof v === "string") return "Str";
  if (v instanceof HNum) return "Number";
  if (v instanceof Uri) return "Uri";
  if (v instanceof Ref) return "Ref";
  if (v instanceof HSymbol) return "Symbol";
  if (v instanceof HDate) return "Date";
  if (v instanceof HTime) return "Time";
  if (v instanceof HDateTime) return "DateTime";
  if (v instanceof Coord) return "Coord";
  if (v instanceof XStr) return "XStr";
  if (v instanceof Grid) return "Grid";
  if (Array.isArray(v)) return "List";
  if (isDict(v)) return "Dict";
  throw new TypeError(`not a Haystack value: ${String(v)}`);
}

/** True when `v` is a Haystack value (null excluded). */
export function isHVal(v: unknown): v is HVal {
  if (v === null || v === undefined) return false;
  try {
    kindOf(v as HVal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Value equality. Numbers: same value (NaN equals NaN) and same unit. Refs: same id (dis ignored).
 * DateTimes: same instant and same zone name. Lists, dicts and grids compare deeply; dict key order
 * does not matter. `null` equals only `null`.
 */
export function hEquals(a: HVal | null | undefined, b: HVal | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  switch (ka) {
    case "Number": {
      const x = a as HNum;
      const y = b as HNum;
      return (x.val === y.val || (Number.isNaN(x.val) && Number.isNaN(y.val))) && x.unit === y.unit;
    }
    case "Uri":
      return (a as Uri).val === (b as Uri).val;
    case "Ref":
      return (a as Ref).id === (b as Ref).id;
    case "Symbol":
      return (a as HSymbol).val === (b as HSymbol).val;
    case "Date":
    case "Time":
      return a.toString() === b.toString();
    case "DateTime":
      return (
        (a as HDateTime).epochMs === (b as HDateTime).epochMs && (a as HDateTime).tz === (b as HDateTime).tz
      );
    case "Coord":
      return (a as Coord).lat === (b as Coord).lat && (a as Coord).lng === (b as Coord).lng;
    case "XStr":
      return (a as XStr).type === (b as XStr).type && (a as XStr).val === (b as XStr).val;
    case "List": {
      const x = a as HList;
      const y = b as HList;
      return x.length === y.length && x.every((e, i) => hEquals(e, y[i]));
    }
    case "Dict":
      return dictEquals(a as Dict, b as Dict);
    case "Grid": {
      const x = a as Grid;
      const y = b as Grid;
      return (
        dictEquals(x.meta, y.meta) &&
        x.cols.length === y.cols.length &&
        x.cols.every((c, i) => c.name === y.cols[i]?.name && dictEquals(c.meta, y.cols[i]?.meta ?? {})) &&
        x.rows.length === y.rows.length &&
        x.rows.every((r, i) => dictEquals(r, y.rows[i] ?? {}))
      );
    }
    default:
      return false;
  }
}

function dictEquals(a: Dict, b: Dict): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== null && a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== null && b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => hEquals(a[k], b[k]));
}

/** Valid tag name: a lower-case ASCII letter, then letters, digits or `_`. */
export function isTagName(s: string): boolean {
  return /^[a-z][a-zA-Z0-9_]*$/.test(s);
}
