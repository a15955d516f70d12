// Wire parsing for the access routes: JSON bodies, query strings and path ids checked with zod;
// failures are 422 in FastAPI's `{"detail":[{loc,msg,type}]}` form (as src/http/validate.ts).
import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "../errors.ts";
import { validationDetail } from "../http/validate.ts";

export type FieldError = { loc: (string | number)[]; msg: string; type: string };

export const invalid = (detail: FieldError[]) => new AppError("invalid", "invalid request", detail);

/** The JSON body; an empty body is `{}`. @throws AppError invalid */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalid([{ loc: ["body"], msg: "body must be JSON", type: "json_invalid" }]);
  }
}

/** @throws AppError invalid listing every problem under `where` (`body`, `query`, `path`). */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(validationDetail(where, r.error.issues));
  return r.data;
}

/** A positive int4 path parameter. @throws AppError invalid */
export function idParam(c: Context, name: string): number {
  const raw = c.req.param(name) ?? "";
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > 2_147_483_647)
    throw invalid([{ loc: ["path", name], msg: "must be a positive integer", type: "int_parsing" }]);
  return Number(raw);
}
