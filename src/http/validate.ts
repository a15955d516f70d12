// Request validation at the edge: a hook for `@hono/zod-validator` answering invalid input the way
// the original FastAPI service did, 422 `{"detail": [{loc, msg, type}]}`, with `loc` starting at
// "body", "query", "path" or "header". Use: `zValidator("json", schema, validationHook)`.
import type { Context, ValidationTargets } from "hono";

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
}

/** One FastAPI-style error entry per zod issue. */
export function validationDetail(
  target: keyof ValidationTargets | string,
  issues: readonly Issue[],
): Array<{ loc: Array<string | number>; msg: string; type: string }> {
  const root = LOC_ROOT[target] ?? String(target);
  return issues.map((i) => {
    const missing = i.code === "invalid_type" && /received undefined/.test(i.message);
    return {
      loc: [root, ...i.path.map((p) => (typeof p === "number" ? p : String(p)))],
      msg: missing ? "field required" : i.message,
      type: missing ? "value_error.missing" : `value_error.${i.code ?? "invalid"}`,
    };
  });
}

/** The `@hono/zod-validator` hook: 422 with the detail list when validation failed. */
export function validationHook(
  result: { success: boolean; error?: unknown; target: keyof ValidationTargets },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const issues = (result.error as { issues?: Issue[] } | undefined)?.issues ?? [];
  return c.json({ detail: validationDetail(result.target, issues) }, 422);
}
