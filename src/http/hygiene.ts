// Input hygiene at the edge, before any route or service code: every path segment, query
// parameter, form field and JSON body of a REST or page request is checked here for what no
// database column can store and no recursive code should see:
// - strings with NUL or a lone UTF-16 surrogate (PostgreSQL refuses the bytes);
// - JSON nested deeper than MAX_DEPTH (checked on the text, iteratively, before JSON.parse, so
//   JSON.stringify, zod and PGlite's jsonb never recurse that deep);
// - malformed JSON (422, the same on every route, as FastAPI answers it);
// - all-digit path segments beyond int4 (every path id is an int4 column).
// A path segment is named by its route parameter (`["path", "id"]`), as the routes name it.
// Each is a 422 in the one FastAPI shape (`invalid` of validate.ts), naming the field. Haystack
// paths (`/api/…`) are left to the Haystack readers, whose errors are Haystack error grids.
import type { MiddlewareHandler } from "hono";
import { jsonDepth, MAX_DEPTH, TOO_DEEP } from "../haystack/depth.ts";
import { HAYSTACK_PREFIX } from "./auth.ts";
import { type FieldError, invalid, rememberCheckedBody } from "./validate.ts";

const INT4_MAX = 2_147_483_647;

/** True for a string a database text column stores: no NUL, no lone surrogate. */
export function isStorableString(s: string): boolean {
  return !s.includes("\u0000") && s.isWellFormed();
}

/**
 * The first string (object key or value) in a parsed JSON value that a database cannot store,
 * as its location, or undefined. Iterative.
 */
export function badStringIn(value: unknown, root: (string | number)[]): (string | number)[] | undefined {
  const stack: [unknown, (string | number)[]][] = [[value, root]];
  while (stack.length) {
    const [v, loc] = stack.pop()!;
    if (typeof v === "string") {
      if (!isStorableString(v)) return loc;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...loc, i]]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (!isStorableString(k)) return [...loc, k];
        stack.push([x, [...loc, k]]);
      }
    }
  }
  return undefined;
}

const stringError = (loc: (string | number)[]): FieldError => ({
  loc,
  msg: "string contains NUL or an unpaired surrogate",
  type: "string_unicode",
});

/**
 * Checks a JSON text: depth, syntax, strings. @returns the parsed value.
 * @throws AppError invalid (422) naming what is wrong.
 */
export function checkJsonText(text: string, root: (string | number)[] = ["body"]): unknown {
  if (jsonDepth(text) > MAX_DEPTH) throw invalid([{ loc: root, msg: TOO_DEEP, type: "value_error" }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid([{ loc: root, msg: "body must be JSON", type: "json_invalid" }]);
  }
  // JSON.parse makes a NUL or a lone surrogate only from a `\u` escape, or copies one that is in
  // the text: without either, no string can hold one, and the walk over every string (a few ms
  // for a 1,000-value bulk body) is skipped.
  const bad = text.includes("\\u") || !isStorableString(text) ? badStringIn(value, root) : undefined;
  if (bad) throw invalid([stringError(bad)]);
  return value;
}

/** A route pattern as registered (`/simulator/:id{[0-9]+}`), and the method it answers. */
export interface RoutePattern {
  method: string;
  path: string;
}

/**
 * The name of the path parameter at segment `index` (0 = the first after the leading `/`) of a
 * request, from the routes whose pattern has the request's shape: as many segments, the same
 * static ones (a parameter's own pattern is not checked, so `/simulator/%00` still names `id`).
 * Routes of the request's method are preferred. Undefined when no route has a parameter there.
 */
export function pathParamName(
  routes: readonly RoutePattern[],
  method: string,
  segments: readonly string[],
  index: number,
): string | undefined {
  let other: string | undefined;
  for (const r of routes) {
    const parts = r.path.split("/").slice(1);
    if (parts.length !== segments.length) continue;
    const name = /^:(\w+)/.exec(parts[index] ?? "")?.[1];
    if (!name) continue;
    if (!parts.every((p, i) => i === index || p.startsWith(":") || p === segments[i])) continue;
    if (r.method === method || r.method === "ALL") return name;
    other ??= name;
  }
  return other;
}

/**
 * Path and query of a URL: the first problem found, or undefined. A path segment is named by the
 * parameter of the routes it would reach (`["path", "id"]`, as `idParam` names it), else by its
 * index.
 */
export function urlProblem(
  url: URL,
  routes: readonly RoutePattern[] = [],
  method = "GET",
): FieldError | undefined {
  const segments = url.pathname.split("/").slice(1);
  const at = (i: number): [string, string | number] => [
    "path",
    pathParamName(routes, method, segments, i) ?? i,
  ];
  for (let i = 0; i < segments.length; i++) {
    let s = segments[i]!;
    try {
      s = decodeURIComponent(s);
    } catch {
      return { loc: at(i), msg: "malformed percent-encoding", type: "string_unicode" };
    }
    if (!isStorableString(s)) return stringError(at(i));
    if (/^\d+$/.test(s) && (s.length > 10 || Number(s) > INT4_MAX))
      return {
        loc: at(i),
        msg: `ensure this value is less than or equal to ${INT4_MAX}`,
        type: "less_than_equal",
      };
  }
  for (const [k, v] of url.searchParams) {
    if (!isStorableString(k)) return stringError(["query", k]);
    if (!isStorableString(v)) return stringError(["query", k]);
  }
  return undefined;
}

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The hygiene middleware (see the header). JSON bodies are those sent as `application/json` or,
 * on REST routes, any non-form body (the original's clients do not always send the header).
 */
export function inputHygiene(routes: () => readonly RoutePattern[] = () => []): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.startsWith(HAYSTACK_PREFIX) || url.pathname.startsWith("/static/")) return next();
    const problem = urlProblem(url, routes(), c.req.method);
    if (problem) throw invalid([problem]);
    if (!WRITE.has(c.req.method)) return next();
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
      const form = await c.req.parseBody({ all: true });
      for (const [k, v] of Object.entries(form)) {
        const values = Array.isArray(v) ? v : [v];
        if (!isStorableString(k) || values.some((x) => typeof x === "string" && !isStorableString(x)))
          throw invalid([stringError(["body", k])]);
      }
      return next();
    }
    const text = await c.req.text();
    if (!text.trim()) return next();
    if (type.includes("json") || /^\s*[[{"]/.test(text)) rememberCheckedBody(c, checkJsonText(text));
    return next();
  };
}
