// Request validation at the edge, the one place 422 answers are made: FastAPI's
// `{"detail": [{loc, msg, type}]}` (CONTRACT.md), with `loc` starting at "body", "query", "path" or
// "header" and one `type` spelling everywhere, pydantic v2's (`missing`, `string_type`,
// `int_parsing`, `json_invalid`, `value_error`…: FIELD_ERROR_TYPES in errors.ts; zod issues are
// mapped by `issueType`). Routes throw `invalid(...)` (an AppError) and
// the error edge (http/errors.ts) renders it; `validationHook` does the same for
// `zValidator("json", schema, validationHook)`.
import type { Context, ValidationTargets } from "hono";
import { z } from "zod";
import { AppError, type FieldError, type FieldErrorType } from "../errors.ts";

export type { FieldError, FieldErrorType };

const LOC_ROOT: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

interface Issue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  expected?: unknown;
  origin?: unknown;
  format?: unknown;
  inclusive?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  values?: readonly unknown[];
}

const TYPE_OF_EXPECTED: Record<string, [FieldErrorType, FieldErrorType]> = {
  // expected → [type for a value of another kind, type for a string that does not parse]
  string: ["string_type", "string_type"],
  number: ["float_type", "float_parsing"],
  int: ["int_from_float", "int_parsing"],
  boolean: ["bool_type", "bool_parsing"],
  array: ["list_type", "list_type"],
  object: ["dict_type", "dict_type"],
  record: ["dict_type", "dict_type"],
  date: ["datetime_type", "datetime_parsing"],
};

/** The pydantic v2 type of a zod issue (`value_error` when it has none of its own). */
export function issueType(i: Issue): FieldErrorType {
  const received = /received (\w+)/.exec(i.message)?.[1];
  switch (i.code) {
    case "invalid_type": {
      if (received === "undefined") return "missing";
      // intField's own message: an int field given something that is not a whole number.
      if (/^value is not a valid integer/.test(i.message))
        return received === "string" ? "int_parsing" : received === "number" ? "int_from_float" : "int_type";
      const t = TYPE_OF_EXPECTED[String(i.expected)];
      if (!t) return "value_error";
      if (i.expected === "int" && received !== "number") return "int_type";
      return received === "string" ? t[1] : t[0];
    }
    case "too_small":
      if (i.origin === "string") return "string_too_short";
      if (i.origin === "number" || i.origin === "int" || i.origin === "bigint")
        return i.inclusive === false ? "greater_than" : "greater_than_equal";
      return "too_short";
    case "too_big":
      if (i.origin === "string") return "string_too_long";
      if (i.origin === "number" || i.origin === "int" || i.origin === "bigint")
        return i.inclusive === false ? "less_than" : "less_than_equal";
      return "too_long";
    case "invalid_format":
      if (i.format === "regex") return "string_pattern_mismatch";
      if (i.format === "datetime") return "datetime_parsing";
      if (i.format === "date") return "date_parsing";
      if (i.format === "time") return "time_parsing";
      return "value_error";
    case "invalid_value":
      return /^Invalid option/.test(i.message) ? "enum" : "literal_error";
    case "unrecognized_keys":
      return "extra_forbidden";
    case "not_multiple_of":
      return "multiple_of";
    default:
      return "value_error";
  }
}

/** The 422 error listing `detail`. */
export const invalid = (detail: FieldError[], message = "invalid request") =>
  new AppError("invalid", message, detail);

/**
 * One FastAPI-style error entry per zod issue. `target`: where the value was (`body`, `query`,
 * `path`, or a validator target), or the full location of a single value (`["path", "id"]`).
 */
export function validationDetail(
  target: keyof ValidationTargets | string | readonly (string | number)[],
  issues: readonly Issue[],
): FieldError[] {
  const root = typeof target === "string" ? [LOC_ROOT[target] ?? target] : [...target];
  return tightestBounds(issues).map((i) => {
    const type = issueType(i);
    return {
      loc: [...root, ...i.path.map((p) => (typeof p === "number" ? p : String(p)))],
      msg: type === "missing" ? "field required" : pydanticMessage(i),
      type,
    };
  });
}

/**
 * The issues with, per field, one range issue of each side: the tightest (a route's own `limit`
 * bound rather than zod's safe-integer bound for `limit=99999999999999999999`).
 */
function tightestBounds(issues: readonly Issue[]): readonly Issue[] {
  const best = new Map<string, Issue>();
  const bound = (i: Issue) => Number(i.code === "too_big" ? i.maximum : i.minimum);
  for (const i of issues) {
    if (i.code !== "too_big" && i.code !== "too_small") continue;
    const key = `${i.code} ${JSON.stringify(i.path.map(String))}`;
    const seen = best.get(key);
    if (!seen || (i.code === "too_big" ? bound(i) < bound(seen) : bound(i) > bound(seen))) best.set(key, i);
  }
  return issues.filter(
    (i) =>
      (i.code !== "too_big" && i.code !== "too_small") ||
      best.get(`${i.code} ${JSON.stringify(i.path.map(String))}`) === i,
  );
}

const KIND_WORDS: Record<string, string> = {
  string: "str type expected",
  number: "value is not a valid float",
  int: "value is not a valid integer",
  boolean: "value could not be parsed to a boolean",
  array: "value is not a valid list",
  object: "value is not a valid dict",
  record: "value is not a valid dict",
  date: "invalid datetime format",
};

const quote = (v: unknown) => `'${String(v)}'`;

/**
 * The message of a zod issue in the original's (pydantic's) words where zod's own default wording
 * would show ("Too small: expected number to be >=1" → "ensure this value is greater than or equal
 * to 1"); a schema's own message is kept.
 */
function pydanticMessage(i: Issue): string {
  if (!/^(Too small|Too big|Invalid input|Invalid option|Unrecognized key)/.test(i.message)) return i.message;
  const sized =
    i.origin === "string" ? "characters" : i.origin === "array" || i.origin === "set" ? "items" : "";
  switch (i.code) {
    case "too_small":
      if (sized) return `ensure this value has at least ${i.minimum} ${sized}`;
      return `ensure this value is greater than ${i.inclusive === false ? "" : "or equal to "}${i.minimum}`;
    case "too_big":
      if (sized) return `ensure this value has at most ${i.maximum} ${sized}`;
      return `ensure this value is less than ${i.inclusive === false ? "" : "or equal to "}${i.maximum}`;
    case "invalid_type":
      return KIND_WORDS[String(i.expected)] ?? "invalid value";
    case "invalid_value":
      return /^Invalid option/.test(i.message)
        ? `value is not a valid enumeration member; permitted: ${(i.values ?? []).map(quote).join(", ")}`
        : `unexpected value; permitted: ${(i.values ?? []).map(quote).join(", ")}`;
    case "unrecognized_keys":
      return "extra fields not permitted";
    default:
      return i.message;
  }
}

/**
 * @throws AppError invalid listing every problem under `where` (`body`, `query`, `path`, or the
 * location of the one value parsed, e.g. `["path", "entity_id"]`).
 */
export function parse<T>(
  schema: z.ZodType<T>,
  value: unknown,
  where: string | readonly (string | number)[],
): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(validationDetail(where, r.error.issues));
  return r.data;
}

/** Bodies the hygiene middleware has already parsed and checked, so the route does not parse them again. */
const checkedBodies = new WeakMap<Request, unknown>();

/** Keeps `value`, the checked parse of the request's JSON body, for the route's `jsonBody` (once). */
export function rememberCheckedBody(c: Context, value: unknown): void {
  checkedBodies.set(c.req.raw, value);
}

/**
 * The JSON body. A blank body is `opts.empty` when that option is given, else a 422 like any
 * body that is not JSON. @throws AppError invalid
 */
export async function jsonBody(c: Context, opts: { empty?: unknown } = {}): Promise<unknown> {
  if (checkedBodies.has(c.req.raw)) {
    const value = checkedBodies.get(c.req.raw);
    checkedBodies.delete(c.req.raw);
    return value;
  }
  const text = await c.req.text();
  if (!text.trim() && "empty" in opts) return opts.empty;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid([{ loc: ["body"], msg: "body must be JSON", type: "json_invalid" }]);
  }
}

export const INT4_MAX = 2_147_483_647;
export const INT4_MIN = -2_147_483_648;

/** Integer text as the original's pydantic `int` took it: digits, an optional sign, blanks around. */
const INT_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * `x` as an integer when it is one (a JSON number) or a numeric string (`"3"`, as FastAPI coerced
 * body and query ints); anything else unchanged, for the schema to refuse.
 */
export function coerceInt(x: unknown): unknown {
  return typeof x === "string" && INT_TEXT.test(x) ? Number(x) : x;
}

/** `x` as a whole number within [min, max] (numeric strings included), else undefined. */
export function toInt(x: unknown, min = 1, max = INT4_MAX): number | undefined {
  const n = coerceInt(x);
  return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/**
 * What is wrong with `x` as an integer within [min, max] (numeric strings included), in the
 * original's pydantic wording: not an integer at all, or an integer out of range; undefined when
 * it is fine or absent (null/undefined, for the caller to call missing).
 */
export function intProblem(
  x: unknown,
  min = 1,
  max = INT4_MAX,
): { msg: string; type: FieldErrorType } | undefined {
  if (x == null) return undefined;
  const n = coerceInt(x);
  if (typeof n !== "number" || !Number.isInteger(n))
    return { msg: "must be an integer", type: "int_parsing" };
  if (n > max) return { msg: `ensure this value is less than or equal to ${max}`, type: "less_than_equal" };
  if (n < min)
    return { msg: `ensure this value is greater than or equal to ${min}`, type: "greater_than_equal" };
  return undefined;
}

/**
 * An integer field of a body, query or path as the original had it: a JSON number or a numeric
 * string, within [min, max] (int4 by default). Non-numeric input is a 422 naming the field
 * (`int_parsing`, "value is not a valid integer"); a missing one is `missing`.
 */
export function intField(opts: { min?: number; max?: number } = {}) {
  return z.preprocess(
    coerceInt,
    z
      .number({
        error: (i) =>
          i.code === "invalid_type" && i.input !== undefined
            ? `value is not a valid integer, received ${typeof i.input}`
            : undefined,
      })
      .int()
      .min(opts.min ?? INT4_MIN)
      .max(opts.max ?? INT4_MAX),
  );
}

/** A positive int4 id (`org_id`, `entity_id`, …), numeric strings included. */
export const idField = intField({ min: 1 });

/** `skip` and `limit` of a list (CONTRACT paging: limit at most `maxLimit`, 1000 by default). */
export function pagingFields(maxLimit = 1000) {
  return { skip: intField({ min: 0 }).optional(), limit: intField({ min: 1, max: maxLimit }).optional() };
}

/** A positive int4 path parameter. @throws AppError invalid */
export function idParam(c: Context, name: string): number {
  const n = toInt(c.req.param(name) ?? "");
  if (n === undefined)
    throw invalid([{ loc: ["path", name], msg: "must be a positive integer", type: "int_parsing" }]);
  return n;
}

/** The `@hono/zod-validator` hook: a 422 (through the error edge) when validation failed. */
export function validationHook(
  result: { success: boolean; error?: unknown; target: keyof ValidationTargets },
  _c: Context,
): undefined {
  if (result.success) return undefined;
  const issues = (result.error as { issues?: Issue[] } | undefined)?.issues ?? [];
  throw invalid(validationDetail(result.target, issues));
}
