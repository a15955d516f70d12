// POST /filter: the original filter endpoint. Parses the body, calls `filterEntities`, replies
// with the list as is. 400 `{"detail": "line:col message"}` on a filter syntax error; 422 in the
// shape of every other route (http/validate.ts) on a malformed body or query.
import { Hono } from "hono";
import { z } from "zod";
import { FILTER_MAX_LIMIT, filterEntities } from "../catalog/filter.ts";
import type { ServiceDeps } from "../deps.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { idField, intField, jsonBody, pagingFields, parse } from "../http/validate.ts";

const Body = z.object({
  filter: z.string().max(10_000),
  org_id: idField,
  tags: z.array(z.string()).max(1000).nullish(),
  /** The original also accepted a single `tag`; it adds to `tags`. */
  tag: z.string().nullish(),
  skip: intField({ min: 0 }).nullish(),
  limit: intField({ min: 1, max: FILTER_MAX_LIMIT }).nullish(),
});

const Paging = z.object(pagingFields(FILTER_MAX_LIMIT));

export function filterRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/filter", async (c) => {
    const actor = actorOf(c);
    const b = parse(Body, await jsonBody(c), "body");
    const query = parse(Paging, c.req.query(), "query");
    const tags = [...(b.tags ?? []), ...(b.tag ? [b.tag] : [])];
    const result = await filterEntities({
      deps,
      actor,
      input: {
        filter: b.filter,
        orgId: b.org_id,
        tags,
        skip: b.skip ?? query.skip,
        limit: b.limit ?? query.limit,
      },
    });
    return c.json(result);
  });
  return app;
}
