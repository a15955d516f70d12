// Defence in depth for the embedded engine: PGlite does not abort a statement whose jsonb is
// nested thousands of levels deep, it hangs (or aborts the whole WebAssembly instance). The HTTP
// edge keeps such input out (MAX_DEPTH, haystack/depth.ts), but the CLI, stored simulator
// configurations and restores reach SQL without it; so every parameter a statement hands PGlite
// passes `checkParamDepth` first. Our SQL sends JSON as text (`$n::text::jsonb`, or quoted inside
// an array literal `$n::text::jsonb[]`) and drizzle sends json columns as JSON text too, so a string
// parameter that opens with `[` or `{` is measured; object and array parameters (which PGlite
// serialises itself) are walked, iteratively. A plain text parameter whose own brackets nest that
// deep (no real tag value does) is refused as well: the guard cannot tell it from JSON. COPY data
// (ingest's history rows, dicts as JSON text in a field) passes `checkCopyDepth`, the same rule
// applied to each field of each row.
import { AppError } from "../errors.ts";
import { MAX_DEPTH } from "../haystack/depth.ts";

/**
 * Levels of nesting a parameter may have. Above the edge's MAX_DEPTH because SQL wraps values the
 * edge accepted in a few levels of its own (a recordset of rows, an outbox change of rows, each
 * row holding a `value_dict` of up to MAX_DEPTH); far below the thousands that stall PGlite.
 */
export const PARAM_MAX_DEPTH = 2 * MAX_DEPTH;

/** The message of the refusal; a caller's input, so a 422 (never a database error, never a 503). */
export const PARAM_TOO_DEEP = `a JSON value is nested deeper than ${PARAM_MAX_DEPTH} levels`;

/**
 * Depth of a string taken as JSON text or a PostgreSQL array literal (`{…}`, how ingest sends a
 * column, `jsonb[]` elements quoted inside): 0 unless its first non-blank character is `[` or `{`;
 * else the deepest nesting of `[`/`{`, quoted or not, so JSON quoted inside an array literal counts
 * too. Stops once past `limit`.
 */
function textDepth(s: string, limit: number): number {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  const first = s.charCodeAt(i);
  if (first !== 91 /* [ */ && first !== 123 /* { */) return 0;
  let depth = 0;
  let max = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 91 || c === 123) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

const isContainer = (v: unknown): v is object =>
  v !== null && typeof v === "object" && !(v instanceof Date) && !ArrayBuffer.isView(v);

/** Nesting depth of a parameter (arrays, plain objects, JSON text), stopping once past `limit`. Iterative. */
function paramDepth(p: unknown, limit: number): number {
  if (typeof p === "string") return textDepth(p, limit);
  if (!isContainer(p)) return 0;
  let max = 0;
  const stack: [object, number][] = [[p, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      // a string inside an array parameter (e.g. `unnest($1::text[])` cast to jsonb) may be JSON
      if (typeof x === "string") max = Math.max(max, d + textDepth(x, limit - d));
      else if (isContainer(x)) stack.push([x, d + 1]);
      if (max > limit) return max;
    }
  }
  return max;
}

const refusal = () =>
  new AppError("invalid", PARAM_TOO_DEEP, [{ loc: ["body"], msg: PARAM_TOO_DEEP, type: "value_error" }]);

/**
 * The rule of `checkParamDepth` for COPY text-format data: each field (between tabs and newlines;
 * a text field cannot hold either unescaped) is measured as a string parameter is, i.e. a field
 * that opens with `[` or `{` by its deepest nesting of `[`/`{`. The strings are read as one
 * stream, so a field may span two of them. One pass, no copy.
 * @returns `data`, unchanged, when no field is nested deeper than PARAM_MAX_DEPTH.
 * @throws AppError invalid (422) otherwise, before the COPY reaches the engine.
 */
export function checkCopyDepth<T extends string | readonly string[]>(data: T): T {
  let start = true; // at the first character of a field
  let measuring = false;
  let depth = 0;
  for (const chunk of typeof data === "string" ? [data] : (data as readonly string[])) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 9 /* \t */ || c === 10 /* \n */) {
        start = true;
        measuring = false;
        depth = 0;
        continue;
      }
      if (start) {
        start = false;
        measuring = c === 91 /* [ */ || c === 123 /* { */;
      }
      if (!measuring) continue;
      if (c === 91 || c === 123) {
        if (++depth > PARAM_MAX_DEPTH) throw refusal();
      } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
    }
  }
  return data;
}

/**
 * @returns `params`, unchanged, when none is nested deeper than PARAM_MAX_DEPTH.
 * @throws AppError invalid (422) otherwise, before the statement reaches the engine.
 */
export function checkParamDepth<T extends readonly unknown[] | undefined>(params: T): T {
  if (params) for (const p of params) if (paramDepth(p, PARAM_MAX_DEPTH) > PARAM_MAX_DEPTH) throw refusal();
  return params;
}
