// POST /filter: the original filter endpoint. Parses the body, calls `filterEntities`, replies
// with the list as is. 400 `{"detail": "line:col message"}` on a filter syntax error.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { FILTER_MAX_LIMIT, filterEntities } from "../haystack-api/filter.ts";

const Body = z.object({
  filter: z.string().max(10_000),
  org_id: z.number().int(),
  tags: z.array(z.string()).max(1000).nullish(),
  /** The original also accepted a single `tag`; it adds to `tags`. */
  tag: z.string().nullish(),
  skip: z.number().int().min(0).nullish(),
  limit: z.number().int().min(1).max(FILTER_MAX_LIMIT).nullish(),
});

const Paging = z.object({
  skip: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(FILTER_MAX_LIMIT).optional(),
});

function unprocessable(where: "body" | "query", issues: z.core.$ZodIssue[]): AppError {
  const detail = issues.map((i) => ({
    loc: [where, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    msg: i.message,
    type: i.code,
  }));
  return new AppError("invalid", "invalid request", detail);
}

export function filterRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/filter", async (c) => {
    const actor = c.get("actor");
    if (!actor) throw new AppError("unauthorized", "not authenticated");
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new AppError("invalid", "invalid request", [
        { loc: ["body"], msg: "body must be JSON", type: "json_invalid" },
      ]);
    }
    const body = Body.safeParse(raw);
    if (!body.success) throw unprocessable("body", body.error.issues);
    const query = Paging.safeParse(c.req.query());
    if (!query.success) throw unprocessable("query", query.error.issues);
    const b = body.data;
    const tags = [...(b.tags ?? []), ...(b.tag ? [b.tag] : [])];
    const result = await filterEntities({
      deps,
      actor,
      input: {
        filter: b.filter,
        orgId: b.org_id,
        tags,
        skip: b.skip ?? query.data.skip,
        limit: b.limit ?? query.data.limit,
      },
    });
    return c.json(result);
  });
  return app;
}
