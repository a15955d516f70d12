// The access matrix: for EVERY route of the app (enumerated from the Hono router by
// matrix.test.ts), the status each kind of caller gets. A route without an entry here fails the
// matrix test: when you add a route, add its row.
//
// Callers (personas), always relative to org A of the fixture:
//   anonymous  no credentials
//   otherOrg   the ADMIN of another org B (a member of another org, with every right there)
//   member     a member of org A
//   orgAdmin   an admin of org A
//   appAdmin   an application admin
//
// Keys are "METHOD /path" exactly as registered (Hono syntax, `:param`), without a trailing slash:
// a route registered with and without the slash shares one row. Routes registered with `app.all`
// appear as "ALL /path" (list them with `methods`). Middleware (`app.use`) is listed in MIDDLEWARE.
//
// `request` builds the request for a persona; it may create what it needs (a fresh org, member,
// token…) so that destructive requests never disturb the shared fixture. Without `request`, a
// route gets: `:org_id` → org A's id, `?org_id=<A>` on reads, and a JSON body `{org_id: A}` on writes.

import type { Database } from "../../src/db/index.ts";
import type { AppDeps } from "../../src/http/env.ts";
import { bearer, type SeededOrg, type SeededUser, TEST_PASSWORD } from "../harness/auth.ts";
import { PAGE_MATRIX } from "../web/page-matrix.ts";
import { SIMULATOR_MATRIX } from "./matrix-simulators.ts";

export const PERSONAS = ["anonymous", "otherOrg", "member", "orgAdmin", "appAdmin"] as const;
export type Persona = (typeof PERSONAS)[number];

export interface MatrixRequest {
  /** Path with query string. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Replaces the persona's credentials (e.g. for a scratch org). */
  as?: Record<string, string>;
}

export interface Fixture {
  deps: AppDeps;
  db: Database;
  /** The org the personas are relative to, and the other org. */
  a: SeededOrg;
  b: SeededOrg;
  boss: SeededUser;
  /** Credentials of a persona (for a scratch org: relative to it). */
  headers(p: Persona, org?: SeededOrg): Record<string, string>;
  /** A new org with its own admin and member. */
  scratchOrg(): Promise<SeededOrg>;
  /** A new user in org A with this role. */
  newMember(role?: "member" | "admin"): Promise<{ userId: number; email: string }>;
  /** A new active entity granted to the org. */
  entityIn(orgId: number): Promise<number>;
  /** A new entity granted to no org. */
  looseEntity(): Promise<number>;
  /** A tag library (tag_def) granted to org A. */
  libA: { id: number; name: string };
  /** A unique suffix. */
  unique(): string;
  /**
   * Calls the app as org A's admin (or `as`) and returns the JSON answer; throws unless 2xx. For
   * building fixtures through the routes themselves.
   */
  call(method: string, path: string, body?: unknown, as?: Record<string, string>): Promise<Json>;
  /** Memoises a fixture by name (built once per test run). */
  once<T>(name: string, make: () => Promise<T>): Promise<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures read JSON answers of any shape.
export type Json = any;

export interface RouteCase {
  expect: Record<Persona, number>;
  /** For `ALL` routes: the methods to try (default GET). */
  methods?: readonly string[];
  request?: (fx: Fixture, p: Persona) => MatrixRequest | Promise<MatrixRequest>;
}

const all = (s: number): Record<Persona, number> => ({
  anonymous: s,
  otherOrg: s,
  member: s,
  orgAdmin: s,
  appAdmin: s,
});
/** Any signed-in caller. */
const signedIn = (ok = 200) => ({ anonymous: 401, otherOrg: ok, member: ok, orgAdmin: ok, appAdmin: ok });
/** Members of the org (and admins). */
export const memberOnly = (ok = 200) => ({
  anonymous: 401,
  otherOrg: 403,
  member: ok,
  orgAdmin: ok,
  appAdmin: ok,
});
/** Admins of the org. */
export const orgAdminOnly = (ok = 200) => ({
  anonymous: 401,
  otherOrg: 403,
  member: 403,
  orgAdmin: ok,
  appAdmin: ok,
});
/** Application admins. */
export const appAdminOnly = (ok = 200) => ({
  anonymous: 401,
  otherOrg: 403,
  member: 403,
  orgAdmin: 403,
  appAdmin: ok,
});

/** `app.use` middleware entries: not routes. */
export const MIDDLEWARE: readonly string[] = ["ALL /*"];

const PERMISSION_KINDS = ["userentityadd", "userentityrev", "usertagadd", "usertagrev"] as const;

async function permissionRow(fx: Fixture, kind: string): Promise<number> {
  const table = {
    orgentity: "org_entity_permission",
    orgtag: "org_tag_permission",
    userentityadd: "user_entity_add_permission",
    userentityrev: "user_entity_rev_permission",
    usertagadd: "user_tag_add_permission",
    usertagrev: "user_tag_rev_permission",
  }[kind]!;
  if (kind === "orgentity") {
    const e = await fx.looseEntity();
    const [r] = await fx.db.query<{ id: number }>(
      `INSERT INTO core.${table} (org_id, entity_id) VALUES ($1, $2) RETURNING id`,
      [fx.a.org.id, e],
    );
    return r!.id;
  }
  if (kind === "orgtag") {
    const [t] = await fx.db.query<{ id: number }>(
      "INSERT INTO core.tag_def (name) VALUES ($1) RETURNING id",
      [`lib${fx.unique()}`],
    );
    const [r] = await fx.db.query<{ id: number }>(
      `INSERT INTO core.${table} (org_id, tag_id) VALUES ($1, $2) RETURNING id`,
      [fx.a.org.id, t!.id],
    );
    return r!.id;
  }
  const user = await fx.newMember();
  const object = kind.startsWith("userentity") ? await fx.entityIn(fx.a.org.id) : fx.libA.id;
  const col = kind.startsWith("userentity") ? "entity_id" : "tag_id";
  const [r] = await fx.db.query<{ id: number }>(
    `INSERT INTO core.${table} (user_id, ${col}) VALUES ($1, $2) RETURNING id`,
    [user.userId, object],
  );
  return r!.id;
}

export const MATRIX: Record<string, RouteCase> = {
  // Operations (public).
  "GET /health": { expect: all(200), request: () => ({ path: "/health" }) },
  "GET /health/databases": { expect: all(200), request: () => ({ path: "/health/databases" }) },
  "GET /metrics": { expect: all(200), request: () => ({ path: "/metrics" }) },
  "POST /authorize/token": {
    // Public, but only for a right password (here a wrong one).
    expect: all(401),
    request: (fx) => ({
      path: "/authorize/token",
      as: { authorization: `Basic ${btoa(`${fx.a.member.email}:wrong-${fx.unique()}`)}` },
    }),
  },

  // Orgs.
  "POST /org": {
    expect: appAdminOnly(),
    request: (fx) => {
      const k = `o${fx.unique()}`;
      return { path: "/org", body: { name: `Org ${k}`, key: k } };
    },
  },
  "GET /org": { expect: appAdminOnly(), request: () => ({ path: "/org" }) },
  "GET /org/:org_id": { expect: appAdminOnly(), request: (fx) => ({ path: `/org/${fx.a.org.id}` }) },
  "PUT /org/:org_id": {
    expect: appAdminOnly(),
    request: (fx) => ({ path: `/org/${fx.a.org.id}`, body: { name: `Org ${fx.a.org.key}` } }),
  },
  "DELETE /org/:org_id": {
    expect: appAdminOnly(),
    request: async (fx, p) => {
      const s = await fx.scratchOrg();
      return { path: `/org/${s.org.id}`, as: fx.headers(p, s) };
    },
  },

  // Users and memberships.
  "GET /user/org": { expect: signedIn(), request: () => ({ path: "/user/org" }) },
  "POST /user": {
    expect: orgAdminOnly(),
    request: (fx) => ({
      path: "/user",
      body: {
        email: `new${fx.unique()}@a.test`,
        org_id: fx.a.org.id,
        password: TEST_PASSWORD,
        role: "member",
      },
    }),
  },
  "GET /user": { expect: orgAdminOnly(), request: (fx) => ({ path: `/user?org_id=${fx.a.org.id}` }) },
  "GET /user/:user_id": {
    expect: orgAdminOnly(),
    request: (fx) => ({ path: `/user/${fx.a.member.userId}?org_id=${fx.a.org.id}` }),
  },
  "DELETE /user/:user_id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/user/${(await fx.newMember()).userId}?org_id=${fx.a.org.id}` }),
  },
  "POST /appuser": {
    expect: appAdminOnly(),
    request: async (fx) => ({ path: "/appuser", body: { user_email: (await fx.newMember()).email } }),
  },
  "GET /appuser": { expect: appAdminOnly(), request: () => ({ path: "/appuser" }) },
  "GET /appuser/:id": {
    expect: appAdminOnly(),
    request: async (fx) => {
      const [r] = await fx.db.query<{ id: number }>("SELECT id FROM core.user_app WHERE user_id = $1", [
        fx.boss.userId,
      ]);
      return { path: `/appuser/${r!.id}` };
    },
  },
  "DELETE /appuser/:id": {
    expect: appAdminOnly(),
    request: async (fx) => {
      const u = await fx.newMember();
      const [r] = await fx.db.query<{ id: number }>(
        "INSERT INTO core.user_app (user_id) VALUES ($1) RETURNING id",
        [u.userId],
      );
      return { path: `/appuser/${r!.id}` };
    },
  },

  // API tokens and the audit log.
  "POST /token": {
    expect: orgAdminOnly(),
    request: (fx) => ({ path: "/token", body: { org_id: fx.a.org.id, name: `poller ${fx.unique()}` } }),
  },
  "GET /token": { expect: orgAdminOnly(), request: (fx) => ({ path: `/token?org_id=${fx.a.org.id}` }) },
  "DELETE /token/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => {
      const [r] = await fx.db.query<{ id: number }>(
        `INSERT INTO core.hs_api_token (user_id, org_id, name, token_hash, prefix) VALUES ($1, $2, 'x', $3, 'hst_x') RETURNING id`,
        [fx.a.admin.userId, fx.a.org.id, `h${fx.unique()}`],
      );
      return { path: `/token/${r!.id}` };
    },
  },
  "GET /audit": { expect: orgAdminOnly(), request: (fx) => ({ path: `/audit?org_id=${fx.a.org.id}` }) },

  // Org permission tables (application admin).
  "POST /orgentity": {
    expect: appAdminOnly(),
    request: async (fx) => ({
      path: "/orgentity/",
      body: { org_id: fx.a.org.id, entity_id: await fx.looseEntity() },
    }),
  },
  "GET /orgentity": { expect: appAdminOnly(), request: () => ({ path: "/orgentity/" }) },
  "GET /orgentity/:id": {
    expect: appAdminOnly(),
    request: async (fx) => ({ path: `/orgentity/${await permissionRow(fx, "orgentity")}` }),
  },
  "DELETE /orgentity/:id": {
    expect: appAdminOnly(),
    request: async (fx) => ({ path: `/orgentity/${await permissionRow(fx, "orgentity")}` }),
  },
  "POST /orgtag": {
    expect: appAdminOnly(),
    request: (fx) => ({ path: "/orgtag/", body: { org_id: fx.a.org.id, tag_name: fx.libA.name } }),
  },
  "GET /orgtag": { expect: appAdminOnly(), request: () => ({ path: "/orgtag/" }) },
  "GET /orgtag/:id": {
    expect: appAdminOnly(),
    request: async (fx) => ({ path: `/orgtag/${await permissionRow(fx, "orgtag")}` }),
  },
  "DELETE /orgtag/:id": {
    expect: appAdminOnly(),
    request: async (fx) => ({ path: `/orgtag/${await permissionRow(fx, "orgtag")}` }),
  },
};

// ---------------------------------------------------------------------------------------------
// Fixtures of the catalog, values and pollers, built through their own routes.
const A = (fx: Fixture) => fx.a.org.id;
const entityOf = async (fx: Fixture, idTag?: string): Promise<number> => {
  const e = await fx.call("POST", "/entity", {
    org_id: A(fx),
    tags: [{ tag_name: "id", value_s: idTag ?? `m-${fx.unique()}` }, { tag_name: "site" }],
  });
  return e.id;
};
const sharedEntity = (fx: Fixture) => fx.once("entity", () => entityOf(fx, "m-site"));
const tagDefOf = async (fx: Fixture): Promise<{ id: number; name: string }> => {
  const name = `m${fx.unique()}`;
  const t = await fx.call("POST", "/tagdef", {
    org_id: A(fx),
    name,
    metas: [{ attribute: "lib", value: "custom" }],
    enums: [{ value: "on", label: "On" }],
  });
  return { id: t.id, name };
};
const sharedTagDef = (fx: Fixture) => fx.once("tagdef", () => tagDefOf(fx));
const entityTagOf = async (fx: Fixture): Promise<number> =>
  (
    await fx.call("POST", "/entitytag", {
      org_id: A(fx),
      entity_id: await entityOf(fx),
      tag_name: "dis",
      value_s: "x",
    })
  ).id;
const tagEnumOf = async (fx: Fixture): Promise<number> => {
  const t = await sharedTagDef(fx);
  return (
    await fx.call("POST", "/tagenum", {
      org_id: A(fx),
      tag_name: t.name,
      value: `v${fx.unique()}`,
      label: "V",
    })
  ).id;
};
const tagMetaOf = async (fx: Fixture): Promise<number> => {
  const t = await tagDefOf(fx);
  return (
    await fx.call("POST", "/tagmeta", { org_id: A(fx), tag_id: t.id, attribute: "is", value: "marker" })
  ).id;
};
const pollerOf = async (fx: Fixture): Promise<number> =>
  (
    await fx.call("POST", "/poller", {
      org_id: A(fx),
      poller_type: "bacnet",
      poller_name: `p${fx.unique()}`,
      config: "{}",
    })
  ).poller_id;
const sharedPoller = (fx: Fixture) => fx.once("poller", () => pollerOf(fx));
const now = () => new Date().toISOString();
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

Object.assign(MATRIX, {
  // Values (member, token ok).
  "POST /value": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: "/value",
      body: { org_id: A(fx), entity_id: await sharedEntity(fx), ts: now(), value_n: 1 },
    }),
  },
  "POST /bulk/value": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: "/bulk/value",
      body: { org_id: A(fx), values: [{ entity_id: await sharedEntity(fx), ts: now(), value_n: 2 }] },
    }),
  },
  "GET /value/:entity_id": {
    expect: memberOnly(),
    request: async (fx) => ({ path: `/value/${await sharedEntity(fx)}?org_id=${A(fx)}` }),
  },
  "POST /point/value": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: "/point/value",
      body: { org_id: A(fx), points: [await sharedEntity(fx)], date_from: hourAgo(), date_to: now() },
    }),
  },
  "POST /point/current": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: "/point/current",
      body: { org_id: A(fx), points: [await sharedEntity(fx)] },
    }),
  },
  "POST /values": {
    expect: memberOnly(),
    request: (fx) => ({
      path: "/values",
      body: { filter: "site", org_id: A(fx), date_from: hourAgo(), date_to: now() },
    }),
  },
  "POST /filter": {
    expect: memberOnly(),
    request: (fx) => ({ path: "/filter", body: { filter: "site", org_id: A(fx) } }),
  },

  // Entities and entity tags (read: member; write: org admin).
  "POST /entity": {
    expect: orgAdminOnly(),
    request: (fx) => ({
      path: "/entity",
      body: { org_id: A(fx), tags: [{ tag_name: "id", value_s: `n-${fx.unique()}` }] },
    }),
  },
  "GET /entity": { expect: memberOnly(), request: (fx) => ({ path: `/entity?org_id=${A(fx)}` }) },
  "GET /entity/:ref": {
    expect: memberOnly(),
    request: async (fx) => ({ path: `/entity/${await sharedEntity(fx)}?org_id=${A(fx)}` }),
  },
  "DELETE /entity/:ref": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/entity/${await entityOf(fx)}?org_id=${A(fx)}` }),
  },
  "POST /entitytag": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: "/entitytag",
      body: { org_id: A(fx), entity_id: await entityOf(fx), tag_name: "dis", value_s: "x" },
    }),
  },
  "GET /entitytag": { expect: memberOnly(), request: (fx) => ({ path: `/entitytag?org_id=${A(fx)}` }) },
  "GET /entitytag/:id": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: `/entitytag/${await fx.once("entitytag", () => entityTagOf(fx))}?org_id=${A(fx)}`,
    }),
  },
  "PUT /entitytag/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: `/entitytag/${await fx.once("entitytag", () => entityTagOf(fx))}`,
      body: { org_id: A(fx), value_s: "y" },
    }),
  },
  "DELETE /entitytag/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/entitytag/${await entityTagOf(fx)}?org_id=${A(fx)}` }),
  },

  // Tag definitions, enums and metas (read: member; write: org admin).
  "POST /tagdef": {
    expect: orgAdminOnly(),
    request: (fx) => ({
      path: "/tagdef",
      body: { org_id: A(fx), name: `n${fx.unique()}`, metas: [{ attribute: "lib", value: "custom" }] },
    }),
  },
  "GET /tagdef": { expect: memberOnly(), request: (fx) => ({ path: `/tagdef?org_id=${A(fx)}` }) },
  "GET /tagdef/:tag/enum/:value": {
    expect: memberOnly(),
    request: async (fx) => ({ path: `/tagdef/${(await sharedTagDef(fx)).name}/enum/on?org_id=${A(fx)}` }),
  },
  "GET /tagdef/:ref": {
    expect: memberOnly(),
    request: async (fx) => ({ path: `/tagdef/${(await sharedTagDef(fx)).name}?org_id=${A(fx)}` }),
  },
  "PUT /tagdef/:ref": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: `/tagdef/${(await sharedTagDef(fx)).id}`,
      body: { org_id: A(fx), doc: "d" },
    }),
  },
  "DELETE /tagdef/:ref": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/tagdef/${(await tagDefOf(fx)).id}?org_id=${A(fx)}` }),
  },
  "POST /tagenum": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: "/tagenum",
      body: { org_id: A(fx), tag_name: (await sharedTagDef(fx)).name, value: `v${fx.unique()}`, label: "V" },
    }),
  },
  "GET /tagenum": { expect: memberOnly(), request: (fx) => ({ path: `/tagenum?org_id=${A(fx)}` }) },
  "GET /tagenum/:tag": {
    expect: memberOnly(),
    request: async (fx) => ({ path: `/tagenum/${(await sharedTagDef(fx)).name}?org_id=${A(fx)}` }),
  },
  "PUT /tagenum/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: `/tagenum/${await fx.once("tagenum", () => tagEnumOf(fx))}`,
      body: { org_id: A(fx), label: "W" },
    }),
  },
  "DELETE /tagenum/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/tagenum/${await tagEnumOf(fx)}?org_id=${A(fx)}` }),
  },
  "POST /tagmeta": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: "/tagmeta",
      body: { org_id: A(fx), tag_id: (await tagDefOf(fx)).id, attribute: "is", value: "marker" },
    }),
  },
  "GET /tagmeta": { expect: memberOnly(), request: (fx) => ({ path: `/tagmeta?org_id=${A(fx)}` }) },
  "GET /tagmeta/:id": {
    expect: memberOnly(),
    request: async (fx) => ({
      path: `/tagmeta/${await fx.once("tagmeta", () => tagMetaOf(fx))}?org_id=${A(fx)}`,
    }),
  },
  "PUT /tagmeta/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: `/tagmeta/${await fx.once("tagmeta", () => tagMetaOf(fx))}`,
      body: { org_id: A(fx), attribute: "is", value: "marker" },
    }),
  },
  "DELETE /tagmeta/:id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/tagmeta/${await tagMetaOf(fx)}?org_id=${A(fx)}` }),
  },

  // Pollers (org admin; tokens may read).
  "GET /org/:org_id/poller": { expect: orgAdminOnly(), request: (fx) => ({ path: `/org/${A(fx)}/poller` }) },
  // Lists the pollers of the orgs the caller administers: empty for others.
  "GET /poller": { expect: signedIn(), request: () => ({ path: "/poller?type=bacnet" }) },
  "GET /poller/:poller_id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/poller/${await sharedPoller(fx)}` }),
  },
  "POST /poller": {
    expect: orgAdminOnly(),
    request: (fx) => ({
      path: "/poller",
      body: { org_id: A(fx), poller_type: "bacnet", poller_name: `p${fx.unique()}`, config: "{}" },
    }),
  },
  "PUT /poller/:poller_id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/poller/${await sharedPoller(fx)}`, body: { status: "active" } }),
  },
  "DELETE /poller/:poller_id": {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/poller/${await pollerOf(fx)}` }),
  },

  // Haystack API (its own auth; our bearer tokens work too).
  "ALL /api/:org/:op": {
    expect: memberOnly(),
    methods: ["GET", "POST"],
    request: (fx) => ({ path: `/api/${fx.a.org.key}/about`, headers: { accept: "application/json" } }),
  },
} satisfies Record<string, RouteCase>);

// User permission tables (org admin of an org the target user belongs to).
for (const kind of PERMISSION_KINDS) {
  const entity = kind.startsWith("userentity");
  MATRIX[`POST /${kind}`] = {
    expect: orgAdminOnly(),
    request: async (fx) => ({
      path: `/${kind}/`,
      body: entity
        ? {
            org_id: fx.a.org.id,
            user_email: (await fx.newMember()).email,
            entity_id: await fx.entityIn(fx.a.org.id),
          }
        : { org_id: fx.a.org.id, user_email: (await fx.newMember()).email, tag_name: fx.libA.name },
    }),
  };
  MATRIX[`GET /${kind}`] = {
    expect: orgAdminOnly(),
    request: (fx) => ({ path: `/${kind}/?org_id=${fx.a.org.id}` }),
  };
  MATRIX[`GET /${kind}/:id`] = {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/${kind}/${await permissionRow(fx, kind)}?org_id=${fx.a.org.id}` }),
  };
  MATRIX[`DELETE /${kind}/:id`] = {
    expect: orgAdminOnly(),
    request: async (fx) => ({ path: `/${kind}/${await permissionRow(fx, kind)}?org_id=${fx.a.org.id}` }),
  };
}

// The /simulator routes (test/access/matrix-simulators.ts).
Object.assign(MATRIX, SIMULATOR_MATRIX);

// The console's page routes (test/web/page-matrix.ts).
Object.assign(MATRIX, PAGE_MATRIX);

export { bearer };
