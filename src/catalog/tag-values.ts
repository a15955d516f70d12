// Entity tag values on the wire (`value_n | value_b | value_s | value_ts | value_list | value_dict |
// value_ref | value_enum`, plus `value_unit` with a number or a DateTime, and the additive
// `value_kind`) and their row columns. With `value_kind`, the fields are read as that Haystack kind
// (haystack/tag-columns.ts `tagValueFromWire`) and stored so it reads back exactly (a DateTime's
// zone included); without it, `value_kind` comes from the field and the tag definition's kind.
// Reading reports `value_kind` as stored, or inferred for rows of older writers (CONTRACT.md).
import type { Sql } from "../db/index.ts";
import {
  inferKind,
  isRefTagName,
  isStorableInstant,
  STORED_KINDS,
  type StoredKind,
  type TagRow,
  tagColumnsFor,
  tagValueFromWire,
  utcTimestampText,
  WireValueError,
} from "../haystack/index.ts";
import { invalidField, isoOut } from "./shared.ts";

/** The kinds a tag may be written with (`value_kind`). */
export const TAG_KINDS = STORED_KINDS as readonly [StoredKind, ...StoredKind[]];
export type { StoredKind as TagKind };

/** The value fields of an entity tag as sent by clients (null counts as absent). */
export interface TagValueInput {
  value_n?: number | null;
  value_b?: boolean | null;
  value_s?: string | null;
  value_ts?: string | null;
  value_list?: string[] | null;
  /** An object, or its JSON text (the original accepted a string). */
  value_dict?: unknown;
  value_ref?: number | null;
  value_enum?: number | null;
  value_unit?: string | null;
  /** The Haystack kind the fields carry (absent: inferred from the field and the definition). */
  value_kind?: StoredKind | null;
}

/** The columns written for one tag value. */
export interface TagValueColumns {
  value_n: number | null;
  value_b: boolean | null;
  value_s: string | null;
  value_ts: string | null;
  value_list: string[] | null;
  value_dict: unknown;
  value_ref: number | null;
  value_enum: number | null;
  value_unit: string | null;
  value_kind: StoredKind;
}

/** An entity tag as answered: the row's columns plus the tag's name. */
export interface EntityTagOut {
  id: number;
  entity_id: number;
  tag_id: number;
  tag_name: string;
  value_n: number | null;
  value_b: boolean | null;
  value_s: string | null;
  value_ts: string | null;
  value_list: string[] | null;
  value_dict: unknown;
  value_ref: number | null;
  value_enum: number | null;
  value_unit: string | null;
  value_kind: string;
}

const FIELDS = [
  "value_n",
  "value_b",
  "value_s",
  "value_ts",
  "value_list",
  "value_dict",
  "value_ref",
  "value_enum",
] as const;

/** Parses an ISO 8601 timestamp (UTC when it has no zone) to epoch ms, or NaN. */
export function parseIsoTimestamp(s: string): number {
  const t = s.trim();
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?([zZ]|[+-]\d\d(:?\d\d)?)?$/.test(t))
    return Number.NaN;
  let iso = t.replace(" ", "T");
  if (!/T/.test(iso)) iso = `${iso}T00:00:00`;
  if (!/([zZ]|[+-]\d\d(:?\d\d)?)$/.test(iso)) iso = `${iso}Z`;
  const ms = Date.parse(iso);
  return isStorableInstant(ms) ? ms : Number.NaN;
}

/**
 * The columns for a wire value of tag `name` whose definition has kind `defKind` (a `KIND_DEFS`
 * name, or undefined). No field → Marker. `value_ref` and `value_enum` targets are checked by the
 * caller; for an enum the caller also passes its value (`enumValue`), kept in `value_s`.
 * @throws AppError invalid (422, naming `loc`) for several value fields, a bad timestamp or dict.
 */
export function columnsFromInput(
  name: string,
  defKind: string | undefined,
  input: TagValueInput,
  loc: (string | number)[],
  enumValue?: string,
): TagValueColumns {
  const present = FIELDS.filter((f) => input[f] !== null && input[f] !== undefined);
  if (present.length > 1)
    throw invalidField(
      loc,
      `tag ${name}: give at most one of ${FIELDS.join(", ")} (got ${present.join(", ")})`,
    );
  const out: TagValueColumns = {
    value_n: null,
    value_b: null,
    value_s: null,
    value_ts: null,
    value_list: null,
    value_dict: null,
    value_ref: null,
    value_enum: null,
    value_unit: null,
    value_kind: "Marker",
  };
  if (input.value_kind) return columnsForKind(name, input.value_kind, input, loc, out);
  switch (present[0]) {
    case "value_n": {
      const n = input.value_n as number;
      if (!Number.isFinite(n)) throw invalidField([...loc, "value_n"], `tag ${name}: value_n must be finite`);
      return { ...out, value_n: n, value_unit: input.value_unit || null, value_kind: "Number" };
    }
    case "value_b":
      return { ...out, value_b: input.value_b as boolean, value_kind: "Bool" };
    case "value_s": {
      let s = input.value_s as string;
      let kind: StoredKind = "Str";
      if (defKind === "ref" || isRefTagName(name)) {
        kind = "Ref";
        if (s.startsWith("@")) s = s.slice(1);
      } else if (defKind === "uri") kind = "Uri";
      else if (defKind === "symbol") kind = "Symbol";
      else if (defKind === "time") kind = "Time";
      return { ...out, value_s: s, value_kind: kind };
    }
    case "value_ts": {
      const ms = parseIsoTimestamp(input.value_ts as string);
      if (Number.isNaN(ms))
        throw invalidField([...loc, "value_ts"], `tag ${name}: value_ts must be an ISO 8601 timestamp`);
      return { ...out, value_ts: utcTimestampText(ms), value_kind: defKind === "date" ? "Date" : "DateTime" };
    }
    case "value_list":
      return { ...out, value_list: (input.value_list as unknown[]).map(String), value_kind: "List" };
    case "value_dict": {
      let d = input.value_dict;
      if (typeof d === "string") {
        try {
          d = JSON.parse(d);
        } catch {
          throw invalidField([...loc, "value_dict"], `tag ${name}: value_dict is not valid JSON`);
        }
      }
      if (typeof d !== "object" || d === null || Array.isArray(d))
        throw invalidField([...loc, "value_dict"], `tag ${name}: value_dict must be an object`);
      const k = (d as Record<string, unknown>)._kind;
      const kind: StoredKind = k === "coord" ? "Coord" : k === "xstr" ? "XStr" : "Dict";
      return { ...out, value_dict: d, value_kind: kind };
    }
    case "value_ref":
      return { ...out, value_ref: input.value_ref as number, value_kind: "Ref" };
    case "value_enum":
      return {
        ...out,
        value_enum: input.value_enum as number,
        value_s: enumValue ?? null,
        value_kind: "Str",
      };
    default:
      return out;
  }
}

/**
 * The columns for wire fields that name their kind: a Ref by entity number (`value_ref`) and an
 * enum value (`value_enum`, kind Str) as without a kind; a List keeps its elements as sent (each in
 * Zinc, or a plain string); everything else as `tagColumnsFor` stores the value the fields make.
 * @throws AppError invalid (422, naming the field) when the fields do not make a value of that kind.
 */
function columnsForKind(
  name: string,
  kind: StoredKind,
  input: TagValueInput,
  loc: (string | number)[],
  empty: TagValueColumns,
): TagValueColumns {
  const fail = (field: string, msg: string) => invalidField([...loc, field], `tag ${name}: ${msg}`);
  if (input.value_ref !== null && input.value_ref !== undefined) {
    if (kind !== "Ref") throw fail("value_ref", `a ${kind} is not given in value_ref`);
    return { ...empty, value_ref: input.value_ref, value_kind: "Ref" };
  }
  if (input.value_enum !== null && input.value_enum !== undefined)
    throw fail("value_enum", "value_enum takes no value_kind (it is a Str)");
  let value: ReturnType<typeof tagValueFromWire>;
  try {
    value = tagValueFromWire(kind, input);
  } catch (e) {
    if (e instanceof WireValueError) throw fail(e.field, e.message);
    throw e;
  }
  if (kind === "List") return { ...empty, value_list: [...(input.value_list ?? [])], value_kind: "List" };
  const c = tagColumnsFor(name, value, () => undefined);
  return {
    ...empty,
    value_n: c.value_n === null ? null : Number(c.value_n),
    value_b: c.value_b,
    value_s: c.value_s,
    value_ts: c.value_ts,
    value_list: c.value_list,
    value_dict: c.value_dict,
    value_unit: c.value_unit,
    value_kind: c.value_kind,
  };
}

export const ENTITY_TAG_COLUMNS =
  "et.id, et.entity_id, et.tag_id, td.name AS tag_name, et.value_n, et.value_b, et.value_s, et.value_ts, et.value_list, et.value_dict, et.value_ref, et.value_enum, et.value_unit, et.value_kind";

type EntityTagRow = Omit<EntityTagOut, "value_ts" | "value_kind"> & {
  value_ts: Date | string | null;
  value_kind: string | null;
};

type TagRowHead = Pick<
  EntityTagOut,
  "entity_id" | "tag_id" | "tag_name" | "value_n" | "value_b" | "value_s" | "value_ts"
>;

/**
 * The leading columns of a stored tag row in the wire form (numbers as numbers, timestamps as UTC
 * ISO text), shared by the entity tag answers and the `/filter` rows, in their order.
 */
export function tagRowHead(
  r: Omit<TagRowHead, "value_n" | "value_ts"> & {
    value_n: number | string | null;
    value_ts: Date | string | null;
  },
): TagRowHead {
  return {
    entity_id: r.entity_id,
    tag_id: r.tag_id,
    tag_name: r.tag_name,
    value_n: r.value_n === null ? null : Number(r.value_n),
    value_b: r.value_b,
    value_s: r.value_s,
    value_ts: isoOut(r.value_ts),
  };
}

/** Shapes a row selected with `ENTITY_TAG_COLUMNS` (aliases `et`, `td`) for the wire. */
export function entityTagOut(r: EntityTagRow): EntityTagOut {
  return {
    id: r.id,
    ...tagRowHead(r),
    value_list: r.value_list,
    value_dict: r.value_dict,
    value_ref: r.value_ref,
    value_enum: r.value_enum,
    value_unit: r.value_unit,
    value_kind: inferKind(r as unknown as TagRow, r.tag_name),
  };
}

/** Selects entity tag rows (`where` over aliases `et`, `td`) shaped for the wire. */
export async function selectEntityTags(
  sql: Sql,
  where: string,
  params: unknown[],
  tail = "ORDER BY et.entity_id, et.id",
): Promise<EntityTagOut[]> {
  const rows = await sql.query<EntityTagRow>(
    `SELECT ${ENTITY_TAG_COLUMNS} FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE ${where} ${tail}`,
    params,
  );
  return rows.map(entityTagOut);
}
