// Tag definition routes (the db-service-layer paths /tagdef, /tagenum, /tagmeta): each handler
// validates with zod (422 `{"detail":[{loc,msg,type}]}`), calls one catalog verb with the request's
// actor and answers its result as JSON.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import {
  createTagDef,
  createTagEnum,
  createTagMeta,
  deleteTagDef,
  deleteTagEnum,
  deleteTagMeta,
  getTagDef,
  getTagDefEnum,
  getTagMeta,
  listTagDefs,
  listTagEnums,
  listTagMetas,
  updateTagDef,
  updateTagEnum,
  updateTagMeta,
} from "../catalog/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { intField, validationHook } from "../http/validate.ts";
import { deleteOrgId, IdParam, id, OrgQuery, PageQuery, tagName } from "./catalog-params.ts";

const defFields = {
  url: z.string().max(2000).nullish(),
  doc: z.string().max(100_000).nullish(),
  dis: z.string().max(2000).nullish(),
  file_ext: z.string().max(200).nullish(),
  mime: z.string().max(200).nullish(),
  version: z.string().max(200).nullish(),
  min_val: intField().nullish(),
  max_val: intField().nullish(),
  base_uri: z.string().max(2000).nullish(),
  pref_unit: z.array(z.string().max(64)).max(100).nullish(),
};
const metaValue = z.union([tagName, z.array(tagName).max(100)]).nullable();
const TagDefBody = z.object({
  org_id: id,
  name: tagName,
  ...defFields,
  metas: z.array(z.object({ attribute: tagName, value: metaValue })).max(100),
  enums: z
    .array(z.object({ value: z.string().min(1).max(200), label: z.string().max(2000) }))
    .max(10_000)
    .nullish(),
});
const TagDefUpdate = z.object({ org_id: id, name: tagName.nullish(), ...defFields });
const TagEnumBody = z.object({
  org_id: id,
  tag_name: tagName,
  value: z.string().min(1).max(200),
  label: z.string().max(2000),
});
const TagEnumUpdate = z.object({
  org_id: id,
  value: z.string().min(1).max(200).nullish(),
  label: z.string().max(2000).nullish(),
});
const TagMetaBody = z.object({
  org_id: id,
  tag_id: z.union([id, tagName]),
  attribute: tagName,
  value: tagName.nullable(),
});
const TagMetaUpdate = z.object({ org_id: id, attribute: tagName, value: tagName.nullable() });

function fieldsOf(b: z.infer<typeof TagDefUpdate>) {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(defFields)) if (k in b) out[k] = (b as Record<string, unknown>)[k];
  return out;
}

export function tagDefRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const v = validationHook;

  // Tag definitions
  app.post("/tagdef", zValidator("json", TagDefBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await createTagDef({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        name: b.name,
        fields: fieldsOf(b),
        metas: b.metas,
        enums: b.enums ?? [],
      }),
    );
  });
  app.get(
    "/tagdef",
    zValidator("query", PageQuery.extend({ name: z.string().max(200).optional() }), v),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(
        await listTagDefs({
          deps,
          actor: actorOf(c),
          orgId: q.org_id,
          name: q.name,
          skip: q.skip,
          limit: q.limit,
        }),
      );
    },
  );
  app.get("/tagdef/:tag/enum/:value", zValidator("query", OrgQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await getTagDefEnum({
        deps,
        actor: actorOf(c),
        orgId: q.org_id,
        tag: c.req.param("tag"),
        value: c.req.param("value"),
      }),
    );
  });
  app.get("/tagdef/:ref", zValidator("query", OrgQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(await getTagDef({ deps, actor: actorOf(c), orgId: q.org_id, ref: c.req.param("ref") }));
  });
  app.put("/tagdef/:ref", zValidator("json", TagDefUpdate, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await updateTagDef({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        ref: c.req.param("ref"),
        name: b.name,
        fields: fieldsOf(b),
      }),
    );
  });
  app.delete("/tagdef/:ref", async (c) => {
    const orgId = await deleteOrgId(c);
    return c.json(await deleteTagDef({ deps, actor: actorOf(c), orgId, ref: c.req.param("ref") }));
  });

  // Tag enum values (the original's paths end in a slash; the app routes `/tagenum/` here)
  app.post("/tagenum", zValidator("json", TagEnumBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await createTagEnum({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        tag: b.tag_name,
        value: b.value,
        label: b.label,
      }),
    );
  });
  app.get("/tagenum", zValidator("query", PageQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await listTagEnums({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
    );
  });
  app.get("/tagenum/:tag", zValidator("query", PageQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await listTagEnums({
        deps,
        actor: actorOf(c),
        orgId: q.org_id,
        tag: c.req.param("tag"),
        skip: q.skip,
        limit: q.limit,
      }),
    );
  });
  app.put(
    "/tagenum/:id",
    zValidator("param", IdParam, v),
    zValidator("json", TagEnumUpdate, v),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(
        await updateTagEnum({
          deps,
          actor: actorOf(c),
          orgId: b.org_id,
          id: c.req.valid("param").id,
          value: b.value,
          label: b.label,
        }),
      );
    },
  );
  app.delete("/tagenum/:id", zValidator("param", IdParam, v), async (c) => {
    const orgId = await deleteOrgId(c);
    return c.json(await deleteTagEnum({ deps, actor: actorOf(c), orgId, id: c.req.valid("param").id }));
  });

  // Tag metas
  app.post("/tagmeta", zValidator("json", TagMetaBody, v), async (c) => {
    const b = c.req.valid("json");
    return c.json(
      await createTagMeta({
        deps,
        actor: actorOf(c),
        orgId: b.org_id,
        tag: b.tag_id,
        attribute: b.attribute,
        value: b.value,
      }),
    );
  });
  app.get("/tagmeta", zValidator("query", PageQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await listTagMetas({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
    );
  });
  app.get("/tagmeta/:id", zValidator("param", IdParam, v), zValidator("query", OrgQuery, v), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await getTagMeta({ deps, actor: actorOf(c), orgId: q.org_id, id: c.req.valid("param").id }),
    );
  });
  app.put(
    "/tagmeta/:id",
    zValidator("param", IdParam, v),
    zValidator("json", TagMetaUpdate, v),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(
        await updateTagMeta({
          deps,
          actor: actorOf(c),
          orgId: b.org_id,
          id: c.req.valid("param").id,
          attribute: b.attribute,
          value: b.value,
        }),
      );
    },
  );
  app.delete("/tagmeta/:id", zValidator("param", IdParam, v), async (c) => {
    const orgId = await deleteOrgId(c);
    return c.json(await deleteTagMeta({ deps, actor: actorOf(c), orgId, id: c.req.valid("param").id }));
  });

  return app;
}
