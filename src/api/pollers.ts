// Poller routes: GET /org/{org_id}/poller, GET /poller?type=, GET /poller/{poller_id},
// POST /poller, PUT|DELETE /poller/{poller_id}. `config` is answered as stored (Fernet token).
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { createPoller, deletePoller, getPoller, listPollers, updatePoller } from "../catalog/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { idField, validationHook as v } from "../http/validate.ts";

const pid = idField;
const PollerParam = z.object({ poller_id: pid });
const config = z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]);
const CreateBody = z.object({
  org_id: idField,
  poller_type: z.string().min(1).max(255),
  poller_name: z.string().min(1).max(255),
  config,
  status: z.string().min(1).max(50).default("active"),
});
const UpdateBody = z.object({
  poller_type: z.string().min(1).max(255).optional(),
  poller_name: z.string().min(1).max(255).optional(),
  config: config.optional(),
  status: z.string().min(1).max(50).optional(),
});

export function pollerRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/org/:org_id/poller", zValidator("param", z.object({ org_id: pid }), v), async (c) =>
    c.json(await listPollers({ deps, actor: actorOf(c), orgId: c.req.valid("param").org_id })),
  );
  app.get("/poller", zValidator("query", z.object({ type: z.string().min(1).max(255) }), v), async (c) =>
    c.json(await listPollers({ deps, actor: actorOf(c), type: c.req.valid("query").type })),
  );
  app.get("/poller/:poller_id", zValidator("param", PollerParam, v), async (c) =>
    c.json(
      await getPoller({
        deps,
        actor: actorOf(c),
        pollerId: c.req.valid("param").poller_id,
        activeOnly: true,
      }),
    ),
  );
  app.post("/poller", zValidator("json", CreateBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await createPoller({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        pollerType: b.poller_type,
        pollerName: b.poller_name,
        config: b.config,
        status: b.status,
      }),
    );
  });
  app.put(
    "/poller/:poller_id",
    zValidator("param", PollerParam, v),
    zValidator("json", UpdateBody, v),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(
        await updatePoller({
          deps,
          actor: actorOf(c),
          pollerId: c.req.valid("param").poller_id,
          pollerType: b.poller_type,
          pollerName: b.poller_name,
          config: b.config,
          status: b.status,
        }),
      );
    },
  );
  app.delete("/poller/:poller_id", zValidator("param", PollerParam, v), async (c) =>
    c.json(await deletePoller({ deps, actor: actorOf(c), pollerId: c.req.valid("param").poller_id })),
  );
  return app;
}
