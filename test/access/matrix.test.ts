// Every route of the app × every kind of caller → the expected status (see matrix.ts). Routes are
// enumerated from the Hono router, so a new route without a row in matrix.ts fails here.
import { describe, expect, test } from "bun:test";
import { setMembership } from "../../src/access/memberships.ts";
import { write } from "../../src/access/tx.ts";
import { insertUser } from "../../src/access/users.ts";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import {
  type Fixture,
  MATRIX,
  type MatrixRequest,
  MIDDLEWARE,
  PERSONAS,
  type Persona,
  type RouteCase,
} from "./matrix.ts";

const { app, deps } = await testApp("pglite");
let n = 0;
const unique = () => `${Date.now().toString(36)}${++n}`;
const a = await seedOrg(deps, { key: "matrix_a" });
const b = await seedOrg(deps, { key: "matrix_b" });
const boss = await appAdmin(deps);
const db = deps.dbs.primary;
const [lib] = await db.query<{ id: number; name: string }>(
  "INSERT INTO core.tag_def (name) VALUES ('matrixLib') RETURNING id, name",
);
await db.query("INSERT INTO core.org_tag_permission (org_id, tag_id) VALUES ($1, $2)", [a.org.id, lib!.id]);

const memo = new Map<string, Promise<unknown>>();
const fx: Fixture = {
  deps,
  db,
  a,
  b,
  boss,
  libA: lib!,
  unique,
  headers(p: Persona, org: SeededOrg = a) {
    switch (p) {
      case "anonymous":
        return {};
      case "otherOrg":
        return bearer(b.admin.token);
      case "member":
        return bearer(org.member.token);
      case "orgAdmin":
        return bearer(org.admin.token);
      case "appAdmin":
        return bearer(boss.token);
    }
  },
  scratchOrg: () => seedOrg(deps, { key: `s${unique()}` }),
  newMember: (role = "member") =>
    write(deps, async (tx) => {
      const u = await insertUser(deps, tx, { email: `m${unique()}@a.test` });
      await setMembership(deps, tx, a.org.id, u.id, role);
      return { userId: u.id, email: u.email };
    }),
  entityIn: async (orgId) => {
    const [e] = await db.query<{ id: number }>("INSERT INTO core.entity DEFAULT VALUES RETURNING id");
    await db.query("INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2)", [
      orgId,
      e!.id,
    ]);
    return e!.id;
  },
  looseEntity: async () =>
    (await db.query<{ id: number }>("INSERT INTO core.entity DEFAULT VALUES RETURNING id"))[0]!.id,
  call: async (method, path, body, as) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(as ?? bearer(a.admin.token)),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300)
      throw new Error(`fixture ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  },
  once: <T>(name: string, make: () => Promise<T>): Promise<T> => {
    let p = memo.get(name) as Promise<T> | undefined;
    if (!p) {
      p = make();
      memo.set(name, p);
    }
    return p;
  },
};

const keyOf = (method: string, path: string) =>
  `${method} ${path.length > 1 ? path.replace(/\/$/, "") : path}`;

/** Registered routes: "METHOD path" → the registered paths (with / without trailing slash). */
const registered = new Map<string, string[]>();
for (const r of app.routes) {
  const key = keyOf(r.method, r.path);
  const paths = registered.get(key) ?? [];
  if (!paths.includes(r.path)) paths.push(r.path);
  registered.set(key, paths);
}

function defaultRequest(method: string, path: string): MatrixRequest {
  const params = path.match(/:[A-Za-z_]+/g) ?? [];
  const unknown = params.filter((p) => p !== ":org_id");
  if (unknown.length)
    throw new Error(
      `route ${method} ${path} has parameters ${unknown.join(", ")}: give its row a request builder`,
    );
  const p = path.replace(":org_id", String(a.org.id));
  return method === "GET" || method === "DELETE"
    ? { path: `${p}${p.includes("?") ? "&" : "?"}org_id=${a.org.id}` }
    : { path: p, body: { org_id: a.org.id } };
}

async function send(method: string, persona: Persona, req: MatrixRequest): Promise<Response> {
  const headers: Record<string, string> = { ...(req.as ?? fx.headers(persona)), ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers["content-type"] ??= "application/json";
  }
  return app.request(req.path, { method, headers, body });
}

describe("access matrix", () => {
  const missing = [...registered.keys()].filter((k) => !(k in MATRIX) && !MIDDLEWARE.includes(k));
  test("every route of the app has a row in test/access/matrix.ts", () => {
    if (missing.length)
      throw new Error(
        `routes without an access expectation: ${missing.join(", ")}.\n` +
          "Add a row for each to MATRIX in test/access/matrix.ts (statuses for anonymous, otherOrg, member, " +
          "orgAdmin, appAdmin, and a request builder when the path has parameters).",
      );
  });

  // A row whose route is gone is harmless (it may belong to work not merged yet): reported only.
  const stale = Object.keys(MATRIX).filter((k) => !registered.has(k));
  if (stale.length) console.warn(`access matrix rows without a route: ${stale.join(", ")}`);

  const cases: [string, Persona, string, string, number][] = [];
  for (const [key, rc] of Object.entries(MATRIX)) {
    const paths = registered.get(key);
    if (!paths) continue;
    const [method] = key.split(" ") as [string];
    const methods = method === "ALL" ? (rc.methods ?? ["GET"]) : [method];
    for (const m of methods)
      for (const path of paths)
        for (const p of PERSONAS) cases.push([`${m} ${path}`, p, m, path, rc.expect[p]]);
  }

  test.each(cases)("%s as %s", async (_name, persona, method, path, expected) => {
    const key = keyOf(method === "GET" && registered.has(keyOf("ALL", path)) ? "ALL" : method, path);
    const rc = MATRIX[key] ?? MATRIX[keyOf("ALL", path)]!;
    let req = rc.request ? await rc.request(fx, persona) : defaultRequest(method, path);
    // Rows build the path without the trailing slash or with it; try the registered form too.
    if (path.endsWith("/") && path.length > 1 && !req.path.split("?")[0]!.endsWith("/")) {
      const [p, q] = req.path.split("?") as [string, string | undefined];
      req = { ...req, path: `${p}/${q ? `?${q}` : ""}` };
    } else if (!path.endsWith("/") && req.path.split("?")[0]!.endsWith("/") && path !== "/") {
      const [p, q] = req.path.split("?") as [string, string | undefined];
      req = { ...req, path: `${p.replace(/\/$/, "")}${q ? `?${q}` : ""}` };
    }
    const res = await send(method, persona, req);
    if (res.status !== expected)
      throw new Error(
        `${method} ${req.path} as ${persona}: expected ${expected}, got ${res.status} ${(await res.text()).slice(0, 300)}`,
      );
    await res.body?.cancel(); // streams (SSE) stay open otherwise
  });
});

// No existence oracle (CONTRACT.md: 403 for any id the caller cannot see): on every route with an
// id in its path, another org's admin asking for org A's resource and for an id that does not
// exist gets the same status and the same words.
describe("no existence oracle on id routes", () => {
  const UNKNOWN = "2147483000";
  const idRoutes: [string, string, string, RouteCase][] = [];
  for (const [key, rc] of Object.entries(MATRIX)) {
    const paths = registered.get(key);
    if (!paths || !rc.request) continue;
    const [method] = key.split(" ") as [string];
    if (method === "ALL") continue;
    for (const path of paths)
      if (path.split("/").some((s) => s.startsWith(":") && !s.startsWith(":org_id")))
        idRoutes.push([`${method} ${path}`, method, path, rc]);
  }

  test("the walk covers the id routes named in issue 11", () => {
    const names = idRoutes.map(([n]) => n);
    for (const p of [
      "GET /poller/:poller_id",
      "GET /simulator/health/:id{[0-9]+}",
      "GET /simulator/:id{[0-9]+}",
    ])
      expect(names).toContain(p);
  });

  test.each(idRoutes)("%s", async (_name, method, path, rc) => {
    const foreign = await rc.request!(fx, "otherOrg");
    const [p, q] = foreign.path.split("?") as [string, string | undefined];
    const template = path.split("/");
    const unknownPath = p
      .split("/")
      .map((s, i) => (template[i]?.startsWith(":") && !template[i]!.startsWith(":org_id") ? UNKNOWN : s))
      .join("/");
    const a = await send(method, "otherOrg", foreign);
    const b = await send(method, "otherOrg", { ...foreign, path: `${unknownPath}${q ? `?${q}` : ""}` });
    const [ta, tb] = [await a.text(), await b.text()];
    const words = (t: string) => t.replaceAll(/\d+/g, "N");
    expect({ status: b.status, detail: words(tb) }).toEqual({ status: a.status, detail: words(ta) });
  });
});
