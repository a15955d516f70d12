// REST routes for access control (CONTRACT.md): /authorize/token, /org, /user/org, /user,
// /appuser, /token, /audit and the permission tables (/orgentity/, /orgtag/, /userentityadd/,
// /userentityrev/, /usertagadd/, /usertagrev/; their trailing-slash forms reach these routes through
// the app's `strict: false`). Handlers parse the wire shape, call an access verb (which checks the
// actor), and shape the reply.
import { type Context, Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../access/actor.ts";
import { addAppAdmin, getAppAdmin, listAppAdmins, removeAppAdmin } from "../access/app-admins.ts";
import { listAudit } from "../access/audit.ts";
import { addOrgUser, getOrgUser, listOrgUsers, myOrgUsers, removeOrgUser } from "../access/memberships.ts";
import { createOrg, disableOrg, getOrg, listOrgs, updateOrg } from "../access/orgs.ts";
import {
  createPermission,
  deletePermission,
  getPermission,
  listPermissions,
  PERMISSION_TABLES,
  type PermissionKind,
} from "../access/permissions.ts";
import { authorizeToken } from "../access/sessions.ts";
import { createApiToken, listApiTokens, revokeApiToken } from "../access/tokens.ts";
import type { ServiceDeps } from "../deps.ts";
import { actorOf, clientIp } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import {
  type FieldError,
  idField,
  idParam,
  invalid,
  jsonBody,
  pagingFields,
  parse,
} from "../http/validate.ts";
import { parseTimestamp } from "../ingest/timestamps.ts";

const Id = idField;
const Paging = z.object(pagingFields());
const OrgQuery = Paging.extend({ org_id: Id });
const OptionalOrgQuery = Paging.extend({ org_id: Id.optional() });
const Role = z.enum(["member", "admin"]);

/** `org_id` from the query string, else from a JSON body (the original sent it in DELETE bodies). */
async function orgIdOf(c: Context): Promise<number> {
  const q = c.req.query("org_id");
  if (q !== undefined) return parse(z.object({ org_id: Id }), { org_id: q }, "query").org_id;
  return parse(z.object({ org_id: Id }), await jsonBody(c, { empty: {} }), "body").org_id;
}

export function accessRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ip = (c: Context) => clientIp(c, deps.config.trustProxy);

  // Pollers: Basic email:password → bearer access token acting as the user. Public.
  app.post("/authorize/token", async (c) =>
    c.json(await authorizeToken({ deps, authorization: c.req.header("authorization"), ip: ip(c) })),
  );

  // Orgs (application admin).
  const OrgBody = z.object({ name: z.string().min(1).max(200), key: z.string() });
  app.post("/org", async (c) => {
    const body = parse(OrgBody, await jsonBody(c, { empty: {} }), "body");
    return c.json(await createOrg({ deps, actor: actorOf(c), name: body.name, key: body.key, ip: ip(c) }));
  });
  app.get("/org", async (c) => {
    const q = parse(Paging, c.req.query(), "query");
    return c.json(await listOrgs({ deps, actor: actorOf(c), ...q }));
  });
  app.get("/org/:org_id", async (c) =>
    c.json(await getOrg({ deps, actor: actorOf(c), orgId: idParam(c, "org_id") })),
  );
  app.put("/org/:org_id", async (c) => {
    const orgId = idParam(c, "org_id");
    const body = parse(
      z.object({ name: z.string().min(1).max(200).optional(), key: z.string().optional() }),
      await jsonBody(c, { empty: {} }),
      "body",
    );
    return c.json(await updateOrg({ deps, actor: actorOf(c), orgId, ...body, ip: ip(c) }));
  });
  app.delete("/org/:org_id", async (c) =>
    c.json(await disableOrg({ deps, actor: actorOf(c), orgId: idParam(c, "org_id"), ip: ip(c) })),
  );

  // The caller's orgs (any signed-in user).
  app.get("/user/org", async (c) => c.json(await myOrgUsers({ deps, actor: actorOf(c) })));

  // Users of an org (org admin of that org; the target must be in it).
  const UserBody = z.object({
    email: z.string().min(3).max(320),
    org_id: Id,
    password: z.string().max(256).nullish(),
    role: Role.optional(),
    display_name: z.string().max(200).nullish(),
    // The original's permission lists: entities by id, tag libraries by name.
    visible_entities: z
      .array(z.object({ entity_id: Id }))
      .max(10_000)
      .nullish(),
    invisible_entities: z
      .array(z.object({ entity_id: Id }))
      .max(10_000)
      .nullish(),
    visible_tags: z
      .array(z.object({ tag_name: z.string().min(1).max(200) }))
      .max(1000)
      .nullish(),
    invisible_tags: z
      .array(z.object({ tag_name: z.string().min(1).max(200) }))
      .max(1000)
      .nullish(),
  });
  const entities = (l?: { entity_id: number }[] | null) => (l ?? []).map((x) => ({ entityId: x.entity_id }));
  const tags = (l?: { tag_name: string }[] | null) => (l ?? []).map((x) => ({ tagName: x.tag_name }));
  app.post("/user", async (c) => {
    const b = parse(UserBody, await jsonBody(c, { empty: {} }), "body");
    const r = await addOrgUser({
      deps,
      actor: actorOf(c),
      orgId: b.org_id,
      email: b.email,
      password: b.password,
      role: b.role,
      displayName: b.display_name,
      grants: {
        visible_entities: entities(b.visible_entities),
        invisible_entities: entities(b.invisible_entities),
        visible_tags: tags(b.visible_tags),
        invisible_tags: tags(b.invisible_tags),
      },
      ip: ip(c),
    });
    return c.json(r.password ? { ...r.user, password: r.password } : r.user);
  });
  app.get("/user", async (c) => {
    const q = parse(OrgQuery, c.req.query(), "query");
    return c.json(
      await listOrgUsers({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
    );
  });
  app.get("/user/:user_id", async (c) => {
    const userId = idParam(c, "user_id");
    return c.json(await getOrgUser({ deps, actor: actorOf(c), orgId: await orgIdOf(c), userId }));
  });
  app.delete("/user/:user_id", async (c) => {
    const userId = idParam(c, "user_id");
    return c.json(
      await removeOrgUser({ deps, actor: actorOf(c), orgId: await orgIdOf(c), userId, ip: ip(c) }),
    );
  });

  // Application admins.
  app.post("/appuser", async (c) => {
    const b = parse(
      z.object({ user_email: z.string().min(3).max(320) }),
      await jsonBody(c, { empty: {} }),
      "body",
    );
    return c.json(await addAppAdmin({ deps, actor: actorOf(c), email: b.user_email, ip: ip(c) }));
  });
  app.get("/appuser", async (c) => c.json(await listAppAdmins({ deps, actor: actorOf(c) })));
  app.get("/appuser/:id", async (c) =>
    c.json(await getAppAdmin({ deps, actor: actorOf(c), id: idParam(c, "id") })),
  );
  app.delete("/appuser/:id", async (c) => {
    await removeAppAdmin({ deps, actor: actorOf(c), id: idParam(c, "id"), ip: ip(c) });
    return c.json(null);
  });

  // API tokens (org admin; the secret is in the POST answer only).
  const TokenBody = z.object({
    org_id: Id,
    name: z.string().min(1).max(200),
    role: Role.optional(),
    // ISO 8601 with `Z` or an offset; without either it is UTC (CONTRACT conventions).
    expires_at: z
      .string()
      .max(64)
      .transform((v, ctx) => {
        const d = parseTimestamp(v);
        if (!d) ctx.addIssue({ code: "custom", message: "invalid timestamp (ISO 8601)" });
        return d ?? z.NEVER;
      })
      .nullish(),
  });
  app.post("/token", async (c) => {
    const b = parse(TokenBody, await jsonBody(c, { empty: {} }), "body");
    const actor = actorOf(c);
    // CONTRACT: creating tokens is for org admins (members get theirs from an admin).
    requireRole(actor, b.org_id, "admin");
    const t = await createApiToken({
      deps,
      actor,
      orgId: b.org_id,
      name: b.name,
      role: b.role,
      expiresAt: b.expires_at ?? null,
      ip: ip(c),
    });
    return c.json(t);
  });
  app.get("/token", async (c) => {
    const q = parse(OrgQuery, c.req.query(), "query");
    return c.json(
      await listApiTokens({ deps, actor: actorOf(c), orgId: q.org_id, skip: q.skip, limit: q.limit }),
    );
  });
  app.delete("/token/:id", async (c) =>
    c.json(await revokeApiToken({ deps, actor: actorOf(c), tokenId: idParam(c, "id"), ip: ip(c) })),
  );

  // Audit log (org admin for one org; application admin for all).
  app.get("/audit", async (c) => {
    const q = parse(OptionalOrgQuery, c.req.query(), "query");
    return c.json(
      await listAudit({ deps, actor: actorOf(c), orgId: q.org_id ?? null, skip: q.skip, limit: q.limit }),
    );
  });

  // Permission tables.
  const PermBody = z.object({
    org_id: Id.optional(),
    org_name: z.string().max(200).optional(),
    user_id: Id.optional(),
    user_email: z.string().max(320).optional(),
    entity_id: Id.optional(),
    tag_id: Id.optional(),
    tag_name: z.string().max(200).optional(),
  });
  /**
   * The fields the original required (`org_id` + `user_email` of the user tables, `org_name` of the
   * org tables, `entity_id` or `tag_name`): each missing one is a 422 naming it, before any check of
   * who may do what. Our `user_id`, `org_id` and `tag_id` stand in for the names.
   */
  const missingOf = (kind: PermissionKind, b: z.infer<typeof PermBody>): FieldError[] => {
    const spec = PERMISSION_TABLES[kind];
    const need: [string, boolean][] =
      spec.owner === "user_id"
        ? [
            ["org_id", b.org_id != null],
            ["user_email", b.user_id != null || !!b.user_email],
          ]
        : [["org_name", b.org_id != null || !!b.org_name]];
    need.push(
      spec.object === "entity_id"
        ? ["entity_id", b.entity_id != null]
        : ["tag_name", b.tag_id != null || !!b.tag_name],
    );
    return need
      .filter(([, present]) => !present)
      .map(([field]) => ({ loc: ["body", field], msg: "field required", type: "missing" as const }));
  };
  for (const kind of Object.keys(PERMISSION_TABLES) as PermissionKind[]) {
    const userKind = PERMISSION_TABLES[kind].owner === "user_id";
    const orgOf = async (c: Context) => (userKind ? await orgIdOf(c) : null);
    app.post(`/${kind}`, async (c) => {
      const b = parse(PermBody, await jsonBody(c, { empty: {} }), "body");
      const missing = missingOf(kind, b);
      if (missing.length) throw invalid(missing);
      const row = await createPermission({
        deps,
        actor: actorOf(c),
        kind,
        target: {
          orgId: b.org_id,
          orgName: b.org_name,
          userId: b.user_id,
          userEmail: b.user_email,
          entityId: b.entity_id,
          tagId: b.tag_id,
          tagName: b.tag_name,
        },
        ip: ip(c),
      });
      return c.json(row);
    });
    app.get(`/${kind}`, async (c) => {
      const q = parse(userKind ? OrgQuery : OptionalOrgQuery, c.req.query(), "query");
      return c.json(
        await listPermissions({
          deps,
          actor: actorOf(c),
          kind,
          orgId: q.org_id,
          skip: q.skip,
          limit: q.limit,
        }),
      );
    });
    app.get(`/${kind}/:id`, async (c) => {
      const id = idParam(c, "id");
      return c.json(await getPermission({ deps, actor: actorOf(c), kind, id, orgId: await orgOf(c) }));
    });
    app.delete(`/${kind}/:id`, async (c) => {
      const id = idParam(c, "id");
      return c.json(
        await deletePermission({ deps, actor: actorOf(c), kind, id, orgId: await orgOf(c), ip: ip(c) }),
      );
    });
  }
  return app;
}
