// Entity routes (the db-service-layer paths /entity and /entitytag): each handler validates with zod
// (422 `{"detail":[{loc,msg,type}]}`), calls one catalog verb with the request's actor and answers
// its result as JSON.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import {
  createEntity,
  createEntityTag,
  deleteEntity,
  deleteEntityTag,
  getEntity,
  getEntityTag,
  listEntities,
  listEntityTags,
  TAG_KINDS,
  type TagValueInput,
  updateEntityTag,
} from "../catalog/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { validationHook } from "../http/validate.ts";
import { deleteOrgId, IdParam, id, OrgQuery, PageQuery, tagName } from "./catalog-params.ts";

const tagValue = {
  value_n: z.number().nullish(),
  value_b: z.boolean().nullish(),
  value_s: z.string().max(65_536).nullish(),
  value_ts: z.string().max(64).nullish(),
  value_list: z.array(z.string().max(65_536)).max(10_000).nullish(),
  value_dict: z.union([z.record(z.string(), z.unknown()), z.string().max(1_000_000)]).nullish(),
  value_ref: id.nullish(),
  value_enum: id.nullish(),
  value_unit: z.string().max(64).nullish(),
  value_kind: z.enum(TAG_KINDS).nullish(),
};

const EntityBody = z.object({
  org_id: id,
  tags: z.array(z.object({ tag_name: tagName, ...tagValue })).max(1000),
});
const EntityTagBody = z
  .object({
    org_id: id,
    entity_id: z.union([id, z.string().min(1).max(200)]),
    tag_id: z.union([id, tagName]).nullish(),
    tag_name: tagName.nullish(),
    ...tagValue,
  })
  .refine((b) => b.tag_id != null || b.tag_name != null, {
    message: "tag_id or tag_name is required",
    path: ["tag_id"],
  });
const EntityTagUpdate = z.object({ org_id: id, ...tagValue });

/** The value fields of a body (the rest dropped). */
function tagValueOf(b: TagValueInput): TagValueInput {
  return {
    value_n: b.value_n,
    value_b: b.value_b,
    value_s: b.value_s,
    value_ts: b.value_ts,
    value_list: b.value_list,
    value_dict: b.value_dict,
    value_ref: b.value_ref,
    value_enum: b.value_enum,
    value_unit: b.value_unit,
    value_kind: b.value_kind,
  };
}

export function entityRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const v = validationHook;

  // Entities
  app.post("/entity", zValidator("json", EntityBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(await createEntity({ deps, actor: actorOf(c), orgId: b.org_id, tags: b.tags }));
  });
  app.get("/entity", zValidator("query", PageQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await listEntities({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
    );
  });
  app.get("/entity/:ref", zValidator("query", OrgQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(await getEntity({ deps, actor: actorOf(c), orgId: q.org_id, ref: c.req.param("ref") }));
  });
  app.delete("/entity/:ref", async (c) => {
    const orgId = await deleteOrgId(c);
    return c.json(await deleteEntity({ deps, actor: actorOf(c), orgId, ref: c.req.param("ref") }));
  });

  // Entity tags
  app.post("/entitytag", zValidator("json", EntityTagBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await createEntityTag({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        entityId: b.entity_id,
        tag: (b.tag_name ?? b.tag_id)!,
        value: tagValueOf(b),
      }),
    );
  });
  app.get(
    "/entitytag",
    zValidator(
      "query",
      PageQuery.extend({ tag_id: z.string().max(200).optional(), value_s: z.string().max(2000).optional() }),
      v,
    ),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(
        await listEntityTags({
          deps,
          actor: actorOf(c),
          orgId: q.org_id,
          tag: q.tag_id,
          valueS: q.value_s,
          skip: q.skip,
          limit: q.limit,
        }),
      );
    },
  );
  app.get("/entitytag/:id", zValidator("param", IdParam, v), zValidator("query", OrgQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await getEntityTag({ deps, actor: actorOf(c), orgId: q.org_id, id: c.req.valid("param").id }),
    );
  });
  app.put(
    "/entitytag/:id",
    zValidator("param", IdParam, v),
    zValidator("json", EntityTagUpdate, v),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(
        await updateEntityTag({
          deps,
          actor: actorOf(c),
          orgId: b.org_id,
          id: c.req.valid("param").id,
          value: tagValueOf(b),
        }),
      );
    },
  );
  app.delete("/entitytag/:id", zValidator("param", IdParam, v), async (c) => {
    const orgId = await deleteOrgId(c);
    return c.json(await deleteEntityTag({ deps, actor: actorOf(c), orgId, id: c.req.valid("param").id }));
  });

  return app;
}
