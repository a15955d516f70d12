// Catalog routes (the db-service-layer paths): /entity, /entitytag, /tagdef, /tagenum, /tagmeta.
// Each handler validates with zod (422 `{"detail":[{loc,msg,type}]}`), calls one catalog verb
// with the request's actor and answers its result as JSON.
import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  createEntity,
  createEntityTag,
  createTagDef,
  createTagEnum,
  createTagMeta,
  deleteEntity,
  deleteEntityTag,
  deleteTagDef,
  deleteTagEnum,
  deleteTagMeta,
  getEntity,
  getEntityTag,
  getTagDef,
  getTagDefEnum,
  getTagMeta,
  listEntities,
  listEntityTags,
  listTagDefs,
  listTagEnums,
  listTagMetas,
  type TagValueInput,
  updateEntityTag,
  updateTagDef,
  updateTagEnum,
  updateTagMeta,
} from "../catalog/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { validationDetail, validationHook } from "../http/validate.ts";

const id = z.number().int().min(1).max(2_147_483_647);
const queryId = z.coerce.number().int().min(1).max(2_147_483_647);
const OrgQuery = z.object({ org_id: queryId });
const PageQuery = OrgQuery.extend({
  skip: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const IdParam = z.object({ id: queryId });

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
};
const tagName = z.string().min(1).max(200);

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

const defFields = {
  url: z.string().max(2000).nullish(),
  doc: z.string().max(100_000).nullish(),
  dis: z.string().max(2000).nullish(),
  file_ext: z.string().max(200).nullish(),
  mime: z.string().max(200).nullish(),
  version: z.string().max(200).nullish(),
  min_val: z.number().int().nullish(),
  max_val: z.number().int().nullish(),
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

/** `org_id` of a DELETE: from the JSON body (as the original) or the query string. */
async function deleteOrgId(c: Context<AppEnv>): Promise<number> {
  let raw: unknown = c.req.query("org_id");
  let where = "query";
  if (raw === undefined && c.req.header("content-type")?.includes("json")) {
    const body = (await c.req.json().catch(() => ({}))) as { org_id?: unknown };
    raw = body?.org_id;
    where = "body";
  }
  const parsed = queryId.safeParse(raw);
  if (!parsed.success)
    throw new AppError(
      "invalid",
      "org_id is required",
      validationDetail(where === "body" ? "json" : "query", [
        {
          path: ["org_id"],
          message: "Invalid input: expected number, received undefined",
          code: "invalid_type",
        },
      ]),
    );
  return parsed.data;
}

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
  };
}

function fieldsOf(b: z.infer<typeof TagDefUpdate>) {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(defFields)) if (k in b) out[k] = (b as Record<string, unknown>)[k];
  return out;
}

export function catalogRoutes(deps: ServiceDeps): Hono<AppEnv> {
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

  // Tag enum values (the original's paths end in a slash; both forms are answered)
  for (const p of ["/tagenum", "/tagenum/"]) {
    app.post(p, zValidator("json", TagEnumBody, v), async (c) => {
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
    app.get(p, zValidator("query", PageQuery, v), async (c) => {
      const q = c.req.valid("query");
      return c.json(
        await listTagEnums({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
      );
    });
  }
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
