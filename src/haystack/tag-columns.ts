/**
 * How a Haystack tag value is stored in a `core.entity_tag` row, and back; shared by the storage
 * code and the filter's SQL compiler so they agree on one mapping.
 *
 * | kind                 | columns                                                          |
 * |----------------------|------------------------------------------------------------------|
 * | Marker               | every value column null                                          |
 * | Bool                 | `value_b`                                                        |
 * | Number               | `value_n` (decimal text; `NaN`, `Infinity`, `-Infinity`), `value_unit` |
 * | Str, Uri, Symbol     | `value_s` (Uri/Symbol without their quote/sigil)                 |
 * | Time                 | `value_s` as `HH:MM:SS` or `HH:MM:SS.mmm`                        |
 * | Ref                  | `value_ref` = the TARGET entity's integer id; when the target is |
 * |                      | unknown, or for an entity's own `id` tag, `value_s` = the id string |
 * | Date                 | `value_ts` = midnight UTC of the date                            |
 * | DateTime             | `value_ts` = the instant in UTC, `value_unit` = its Haystack zone name |
 * | Dict, Coord, XStr    | `value_dict` = Haystack 4 JSON                                   |
 * | List                 | `value_list` = the Zinc encoding of each element; Ref elements as `@id` (no dis); |
 * |                      | an element that is not Zinc (older writers' plain strings) reads as a Str |
 * `value_kind` holds the kind name. Rows written before `value_kind` existed have it NULL; their kind
 * is inferred (`inferKind`): `value_ref` → Ref; `value_s` on a tag named `id` or ending in `Ref` →
 * Ref; `value_n` → Number; `value_b` true → Marker (markers were stored that way), false → Bool;
 * `value_s` → Str; `value_ts` → DateTime; `value_dict` → Dict; `value_list` → List; nothing → Marker.
 */

import { fromJson, HaystackJsonError, type Json, toJson } from "./json.ts";
import {
  Coord,
  HDate,
  HDateTime,
  HNum,
  HSymbol,
  HTime,
  type HVal,
  isDict,
  kindOf,
  MARKER,
  Ref,
  Uri,
  XStr,
} from "./kinds.ts";
import { isKnownTz } from "./tz.ts";
import { readZincValue, writeZincValue } from "./zinc.ts";

/** The kinds a tag row can hold. */
export type StoredKind =
  | "Marker"
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
  | "Dict"
  | "List";

/** The value columns of one `core.entity_tag` row, as parameters for an INSERT. */
export interface TagColumns {
  value_n: string | null;
  value_b: boolean | null;
  value_s: string | null;
  /** UTC timestamp text `YYYY-MM-DD HH:MM:SS.mmm` (for a `timestamp` column). */
  value_ts: string | null;
  value_list: string[] | null;
  value_dict: Json | null;
  value_ref: number | null;
  value_unit: string | null;
  value_kind: StoredKind;
}

/** A row as read back (drivers return numeric as text, timestamp as `Date` or text). */
export interface TagRow {
  value_n: string | number | null;
  value_b: boolean | null;
  value_s: string | null;
  value_ts: Date | string | null;
  value_list: string[] | null;
  value_dict: unknown;
  value_ref: number | null;
  value_unit: string | null;
  value_kind: string | null;
}

const EMPTY: Omit<TagColumns, "value_kind"> = {
  value_n: null,
  value_b: null,
  value_s: null,
  value_ts: null,
  value_list: null,
  value_dict: null,
  value_ref: null,
  value_unit: null,
};

/** `YYYY-MM-DD HH:MM:SS.mmm` of an instant, in UTC. */
export function utcTimestampText(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace("Z", "");
}

/** Decimal text for a `numeric` column (`NaN`, `Infinity`, `-Infinity` for the specials). */
export function numericText(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "Infinity";
  if (n === Number.NEGATIVE_INFINITY) return "-Infinity";
  return String(n);
}

/** True for the tag names whose string value is read as a Ref id in rows without `value_kind`. */
export function isRefTagName(name: string): boolean {
  return name === "id" || name.endsWith("Ref");
}

/**
 * The columns that store `value` for tag `name`. `entityIdOf` maps a Ref to its target's integer
 * id (return `undefined` when unknown: the id string is then kept in `value_s`). The `id` tag is
 * always stored as its string. Throws `TypeError` for NA, Remove or Grid, which are not stored.
 */
export function tagColumnsFor(
  name: string,
  value: HVal,
  entityIdOf: (ref: Ref) => number | undefined,
): TagColumns {
  const kind = kindOf(value);
  switch (kind) {
    case "Marker":
      return { ...EMPTY, value_kind: "Marker" };
    case "Bool":
      return { ...EMPTY, value_b: value as boolean, value_kind: "Bool" };
    case "Number": {
      const n = value as HNum;
      return { ...EMPTY, value_n: numericText(n.val), value_unit: n.unit ?? null, value_kind: "Number" };
    }
    case "Str":
      return { ...EMPTY, value_s: value as string, value_kind: "Str" };
    case "Uri":
      return { ...EMPTY, value_s: (value as Uri).val, value_kind: "Uri" };
    case "Symbol":
      return { ...EMPTY, value_s: (value as HSymbol).val, value_kind: "Symbol" };
    case "Time":
      return { ...EMPTY, value_s: (value as HTime).toString(), value_kind: "Time" };
    case "Ref": {
      const r = value as Ref;
      const target = name === "id" ? undefined : entityIdOf(r);
      return target === undefined
        ? { ...EMPTY, value_s: r.id, value_kind: "Ref" }
        : { ...EMPTY, value_ref: target, value_kind: "Ref" };
    }
    case "Date":
      return { ...EMPTY, value_ts: utcTimestampText((value as HDate).toUtcMs()), value_kind: "Date" };
    case "DateTime": {
      const d = value as HDateTime;
      return { ...EMPTY, value_ts: utcTimestampText(d.epochMs), value_unit: d.tz, value_kind: "DateTime" };
    }
    case "Coord":
    case "XStr":
    case "Dict":
      return { ...EMPTY, value_dict: toJson(value), value_kind: kind };
    case "List":
      return {
        ...EMPTY,
        value_list: (value as (HVal | null)[]).map((e) =>
          e instanceof Ref ? `@${e.id}` : writeZincValue(e),
        ),
        value_kind: "List",
      };
    default:
      throw new TypeError(`a ${kind} is not stored as a tag value`);
  }
}

/** The kind of a stored row: `value_kind`, or the inference described in the module comment. */
export function inferKind(row: TagRow, name: string): StoredKind {
  if (row.value_kind) return row.value_kind as StoredKind;
  if (row.value_ref !== null) return "Ref";
  if (row.value_s !== null && isRefTagName(name)) return "Ref";
  if (row.value_n !== null) return "Number";
  if (row.value_b !== null) return row.value_b ? "Marker" : "Bool";
  if (row.value_s !== null) return "Str";
  if (row.value_ts !== null) return "DateTime";
  if (row.value_dict !== null && row.value_dict !== undefined) return "Dict";
  if (row.value_list !== null) return "List";
  return "Marker";
}

/**
 * SQL expression for the kind of row `alias` of tag `name` (same rules as `inferKind`). `name` is
 * only used to decide, in JS, whether the Ref-by-string rule applies; it is never put in the SQL.
 */
export function kindSql(alias: string, name: string): string {
  return `COALESCE(${alias}.value_kind, ${inferredKindSql(alias, name)})`;
}

/** The kind `kindSql` infers from the columns that are set, for rows whose `value_kind` is null. */
export function inferredKindSql(alias: string, name: string): string {
  const a = alias;
  const refByString = isRefTagName(name) ? `WHEN ${a}.value_s IS NOT NULL THEN 'Ref' ` : "";
  return (
    `CASE WHEN ${a}.value_ref IS NOT NULL THEN 'Ref' ${refByString}` +
    `WHEN ${a}.value_n IS NOT NULL THEN 'Number' WHEN ${a}.value_b THEN 'Marker' ` +
    `WHEN ${a}.value_b IS NOT NULL THEN 'Bool' WHEN ${a}.value_s IS NOT NULL THEN 'Str' ` +
    `WHEN ${a}.value_ts IS NOT NULL THEN 'DateTime' WHEN ${a}.value_dict IS NOT NULL THEN 'Dict' ` +
    `WHEN ${a}.value_list IS NOT NULL THEN 'List' ELSE 'Marker' END`
  );
}

/**
 * The condition "row `alias` of tag `name` has kind `kind`" (`kindSql(alias, name) = kind`), split
 * so that the stored `value_kind` is compared directly: PostgreSQL estimates that part from the
 * column's statistics, where the inferred kind of a COALESCE is a blind guess (0.5 %).
 */
export function kindIsSql(alias: string, name: string, kind: string): string {
  if (!/^[A-Za-z]+$/.test(kind)) throw new TypeError(`invalid kind: ${kind}`);
  return `(${alias}.value_kind = '${kind}' OR (${alias}.value_kind IS NULL AND ${inferredKindSql(alias, name)} = '${kind}'))`;
}

function tsMs(ts: Date | string): number {
  if (ts instanceof Date) return ts.getTime();
  const iso = ts.includes("T") ? ts : ts.replace(" ", "T");
  return Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(iso) ? iso : `${iso}Z`);
}

function parseNumeric(v: string | number): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** The instant `ms` in Haystack zone `tz`; in `UTC` when `tz` is empty or not a known zone. */
function dateTimeIn(ms: number, tz: string | null): HDateTime {
  if (tz) {
    try {
      return HDateTime.fromInstant(ms, tz);
    } catch {
      // an unknown zone name reads as UTC, like a row without one
    }
  }
  return new HDateTime(ms, 0, "UTC");
}

/**
 * The Haystack value of a stored row of tag `name`. `idOf` maps an entity's integer id to its `id`
 * tag string (for `value_ref`); a `Date` from the driver is taken as the UTC instant. DateTimes come
 * back in the zone named by `value_unit`, or in `UTC` when it names none (rows of older writers)
 * or one that is not a known zone. Throws `TypeError` when a Ref target has no id.
 */
export function tagValueFromRow(
  row: TagRow,
  name: string,
  idOf: (entityId: number) => string | undefined,
): HVal {
  switch (inferKind(row, name)) {
    case "Marker":
      return MARKER;
    case "Bool":
      return row.value_b === true;
    case "Number":
      return new HNum(parseNumeric(row.value_n ?? Number.NaN), row.value_unit);
    case "Str":
      return row.value_s ?? "";
    case "Uri":
      return new Uri(row.value_s ?? "");
    case "Symbol":
      return new HSymbol(row.value_s ?? "");
    case "Time":
      return HTime.parse(row.value_s ?? "");
    case "Ref": {
      if (row.value_ref !== null) {
        const id = idOf(row.value_ref);
        if (id === undefined) throw new TypeError(`entity ${row.value_ref} has no id`);
        return new Ref(id);
      }
      return new Ref(row.value_s ?? "");
    }
    case "Date": {
      const d = new Date(tsMs(row.value_ts ?? ""));
      return new HDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    }
    case "DateTime":
      return dateTimeIn(tsMs(row.value_ts ?? ""), row.value_unit);
    case "Coord":
    case "XStr":
    case "Dict": {
      const v = fromJson(row.value_dict as Json);
      if (v === null) throw new TypeError("null value_dict");
      return v;
    }
    case "List":
      return (row.value_list ?? []).map(listElement);
  }
}

/** A `value_list` element: its Zinc value, or the text itself as a Str when it is not Zinc (older writers). */
function listElement(text: string): HVal | null {
  try {
    return readZincValue(text);
  } catch {
    return text;
  }
}

/** The kinds a tag can be written with (`value_kind` on the REST wire). */
export const STORED_KINDS: readonly StoredKind[] = [
  "Marker",
  "Bool",
  "Number",
  "Str",
  "Uri",
  "Ref",
  "Symbol",
  "Date",
  "Time",
  "DateTime",
  "Coord",
  "XStr",
  "Dict",
  "List",
];

/** The value fields of a tag on the REST wire (the `entity_tag` columns as JSON carries them). */
export interface WireTagFields {
  value_n?: number | string | null;
  value_b?: boolean | null;
  value_s?: string | null;
  value_ts?: string | null;
  value_list?: readonly string[] | null;
  value_dict?: unknown;
  value_unit?: string | null;
}

/** Wire fields that do not make a value of the kind they claim; `field` names the culprit. */
export class WireValueError extends Error {
  constructor(
    readonly field: keyof WireTagFields | "value_kind",
    message: string,
  ) {
    super(message);
    this.name = "WireValueError";
  }
}

/** The field that carries each kind on the wire (`value_unit` adds a Number's unit or a DateTime's zone). */
const WIRE_FIELD: Readonly<Record<StoredKind, keyof WireTagFields | undefined>> = {
  Marker: undefined,
  Bool: "value_b",
  Number: "value_n",
  Str: "value_s",
  Uri: "value_s",
  Ref: "value_s",
  Symbol: "value_s",
  Date: "value_ts",
  Time: "value_s",
  DateTime: "value_ts",
  Coord: "value_dict",
  XStr: "value_dict",
  Dict: "value_dict",
  List: "value_list",
};

const WIRE_VALUE_FIELDS = ["value_n", "value_b", "value_s", "value_ts", "value_list", "value_dict"] as const;

const ISO_TS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([zZ]|[+-]\d{2}:?\d{2})?)?$/;

function wireDateTime(text: string, zone: string | undefined): HDateTime {
  const m = ISO_TS.exec(text.trim());
  if (!m) throw new WireValueError("value_ts", "value_ts must be an ISO 8601 timestamp");
  const off =
    m[3] === undefined || /^[zZ]$/.test(m[3])
      ? "Z"
      : m[3].includes(":")
        ? m[3]
        : `${m[3].slice(0, 3)}:${m[3].slice(3)}`;
  let at: HDateTime;
  try {
    at = HDateTime.parse(`${m[1]}T${m[2] ?? "00:00:00"}${off}`);
  } catch {
    throw new WireValueError("value_ts", "value_ts must be an ISO 8601 timestamp");
  }
  if (zone === undefined) return at;
  if (!isKnownTz(zone))
    throw new WireValueError("value_unit", `value_unit must be a time zone name, not ${zone}`);
  return HDateTime.fromInstant(at.epochMs, zone);
}

function wireHayson(v: unknown, kind: "Coord" | "XStr" | "Dict"): HVal {
  let j = v;
  if (typeof j === "string") {
    try {
      j = JSON.parse(j);
    } catch {
      throw new WireValueError("value_dict", "value_dict is not valid JSON");
    }
  }
  if (typeof j !== "object" || j === null || Array.isArray(j))
    throw new WireValueError("value_dict", "value_dict must be an object");
  let out: HVal | null;
  try {
    out = fromJson(j as Json);
  } catch (e) {
    if (e instanceof HaystackJsonError) throw new WireValueError("value_dict", `value_dict: ${e.message}`);
    throw e;
  }
  const ok =
    kind === "Coord"
      ? out instanceof Coord
      : kind === "XStr"
        ? out instanceof XStr
        : out !== null && isDict(out);
  if (!ok) throw new WireValueError("value_dict", `value_dict is not a Haystack JSON ${kind}`);
  return out as HVal;
}

/**
 * The Haystack value that REST wire fields carry for `value_kind` = `kind`: Bool `value_b`; Number
 * `value_n` (a number, or `"INF"`, `"-INF"`, `"NaN"`) with its unit in `value_unit`; Str, Uri,
 * Symbol (with or without `^`), Ref (an id string, with or without `@`) and Time (`hh:mm[:ss[.fff]]`)
 * in `value_s`; Date (`YYYY-MM-DD`, or the date part of a timestamp) and DateTime (ISO 8601, UTC
 * without an offset) in `value_ts`, a DateTime's Haystack zone name in `value_unit` (else `UTC`,
 * or the fixed `GMT±h` of its offset); Coord, XStr and Dict as Haystack 4 JSON in `value_dict`;
 * List in `value_list`, each element in Zinc (text that is not Zinc is a Str). A Ref given by the
 * target's entity number (`value_ref`) is the caller's to store. Throws `WireValueError` when a
 * field other than the kind's is set, when it is missing or malformed, or `value_unit` is given to
 * a kind without one.
 */
export function tagValueFromWire(kind: StoredKind, f: WireTagFields): HVal {
  const field = WIRE_FIELD[kind];
  for (const other of WIRE_VALUE_FIELDS) {
    if (other !== field && f[other] !== null && f[other] !== undefined)
      throw new WireValueError(other, `a ${kind} is not given in ${other}${field ? ` (use ${field})` : ""}`);
  }
  const unit =
    f.value_unit === null || f.value_unit === undefined || f.value_unit === "" ? undefined : f.value_unit;
  if (unit !== undefined && kind !== "Number" && kind !== "DateTime")
    throw new WireValueError("value_unit", `a ${kind} has no value_unit`);
  if (field === undefined) return MARKER;
  const v = f[field];
  if (v === null || v === undefined) throw new WireValueError(field, `a ${kind} needs ${field}`);
  const text = (): string => {
    if (typeof v !== "string") throw new WireValueError(field, `${field} must be a string`);
    return v;
  };
  switch (kind) {
    case "Bool":
      if (typeof v !== "boolean") throw new WireValueError(field, "value_b must be true or false");
      return v;
    case "Number": {
      const n =
        v === "INF"
          ? Number.POSITIVE_INFINITY
          : v === "-INF"
            ? Number.NEGATIVE_INFINITY
            : v === "NaN"
              ? Number.NaN
              : v;
      if (typeof n !== "number")
        throw new WireValueError(field, 'value_n must be a number, "INF", "-INF" or "NaN"');
      return new HNum(n, unit);
    }
    case "Str":
      return text();
    case "Uri":
      return new Uri(text());
    case "Symbol": {
      const s = text().replace(/^\^/, "");
      if (s === "") throw new WireValueError(field, "value_s must name a symbol");
      return new HSymbol(s);
    }
    case "Ref": {
      const s = text().replace(/^@/, "");
      if (!/^[A-Za-z0-9_:\-.~]+$/.test(s)) throw new WireValueError(field, "value_s must be a Ref id");
      return new Ref(s);
    }
    case "Time":
      try {
        return HTime.parse(text());
      } catch {
        throw new WireValueError(field, "value_s must be a time hh:mm[:ss[.fff]]");
      }
    case "Date": {
      const m = ISO_TS.exec(text().trim());
      try {
        if (m?.[1]) return HDate.parse(m[1]);
      } catch {
        // reported below
      }
      throw new WireValueError(field, "value_ts must be a date YYYY-MM-DD");
    }
    case "DateTime":
      return wireDateTime(text(), unit);
    case "Coord":
    case "XStr":
    case "Dict":
      return wireHayson(v, kind);
    case "List": {
      if (!Array.isArray(v) || v.some((e) => typeof e !== "string"))
        throw new WireValueError(field, "value_list must be a list of strings");
      return (v as string[]).map(listElement);
    }
  }
  throw new WireValueError("value_kind", `unknown kind ${kind}`);
}
