// Access services end to end: secrets never leak (logs, later answers, the database), sessions,
// first start, replication of access rows (and not of credentials), audit, API token roles,
// permission tables acting on the target user, and org creation.
import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { systemActor } from "../../src/access/actor.ts";
import { bootstrap } from "../../src/access/bootstrap.ts";
import { accessChangesSettled } from "../../src/access/changes.ts";
import { createOrg } from "../../src/access/orgs.ts";
import { login, logout, SESSION_COOKIE, sessionFromCookie } from "../../src/access/sessions.ts";
import { changePassword } from "../../src/access/users.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/index.ts";
import { setSessionCookie } from "../../src/http/auth.ts";
import { createLogger } from "../../src/log.ts";
import { systemClock } from "../../src/services.ts";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { json } from "../harness/http.ts";

const jsonHeaders = (token: string) => ({ ...bearer(token), "content-type": "application/json" });

/** Every row of every table of schema core, as JSON text. */
async function dumpCore(db: Database): Promise<string> {
  const tables = await db.query<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'core' AND table_type = 'BASE TABLE'",
  );
  let out = "";
  for (const { t } of tables) {
    const [r] = await db.query<{ s: string | null }>(
      `SELECT string_agg(to_jsonb(x)::text, E'\\n') AS s FROM core."${t}" x`,
    );
    out += `${r?.s ?? ""}\n`;
  }
  return out;
}

async function withLogs(engine: "postgres" | "pglite", env: Record<string, string> = {}) {
  const t = await testApp(engine, { env });
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) });
  const deps = { ...t.deps, log };
  return { ...t, deps, app: createApp(deps), logs: () => lines.join("\n") };
}

describe.each(ENGINES)("access services on %s", (engine) => {
  test("passwords and token secrets never reach logs, later answers or the database in clear", async () => {
    const { app, deps, logs } = await withLogs(engine);
    const a = await seedOrg(deps, { key: "acme", password: TEST_PASSWORD });
    const secrets: string[] = [TEST_PASSWORD];

    const p1 = "first-user-password-1";
    secrets.push(p1);
    const u1 = await app.request("/user", {
      method: "POST",
      headers: jsonHeaders(a.admin.token),
      body: JSON.stringify({ email: "u1@acme.test", org_id: a.org.id, password: p1 }),
    });
    expect(u1.status).toBe(200);
    expect(Object.keys(await json(u1)).sort()).toEqual(
      [
        "disabled",
        "display_name",
        "email",
        "id",
        "invisible_entities",
        "invisible_tags",
        "role",
        "visible_entities",
        "visible_tags",
      ].sort(),
    );
    const u2 = await json(
      await app.request("/user", {
        method: "POST",
        headers: jsonHeaders(a.admin.token),
        body: JSON.stringify({ email: "u2@acme.test", org_id: a.org.id }),
      }),
    );
    expect(u2.password).toMatch(/^[A-Za-z2-9]{20}$/); // generated, shown once
    secrets.push(u2.password);
    const tok = await json(
      await app.request("/token", {
        method: "POST",
        headers: jsonHeaders(a.admin.token),
        body: JSON.stringify({ org_id: a.org.id, name: "poller" }),
      }),
    );
    secrets.push(tok.token);
    const access = await json(
      await app.request("/authorize/token", {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`u1@acme.test:${p1}`)}` },
      }),
    );
    secrets.push(access.access_token);
    const wrong = "wrong-password-guess";
    secrets.push(wrong);
    expect(
      (
        await app.request("/authorize/token", {
          method: "POST",
          headers: { authorization: `Basic ${btoa(`u1@acme.test:${wrong}`)}` },
        })
      ).status,
    ).toBe(401);
    const s = await login({ deps, email: "u1@acme.test", password: p1, ip: "10.1.1.1" });
    secrets.push(s.cookie);
    const p2 = "second-user-password-2";
    secrets.push(p2);
    const actor = (await sessionFromCookie(deps, s.cookie))!.actor;
    await changePassword({ deps, actor, currentPassword: p1, newPassword: p2, sessionId: s.sessionId });

    // Later answers: lists and reads carry no secret.
    const later = [
      await app.request(`/user?org_id=${a.org.id}`, { headers: bearer(a.admin.token) }),
      await app.request(`/token?org_id=${a.org.id}`, { headers: bearer(a.admin.token) }),
      await app.request(`/audit?org_id=${a.org.id}`, { headers: bearer(a.admin.token) }),
      await app.request("/audit", { headers: bearer((await appAdmin(deps)).token) }),
    ];
    const bodies = await Promise.all(later.map(async (r) => `${r.status} ${await r.text()}`));
    for (const b of bodies) expect(b).toStartWith("200 ");
    const tokenList = JSON.parse(bodies[1]!.slice(4));
    expect(tokenList).toEqual([
      {
        id: tok.id,
        name: "poller",
        org_id: a.org.id,
        user_id: a.admin.userId,
        role: "member",
        prefix: tok.token.slice(0, 10),
        created_at: expect.stringMatching(/Z$/),
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      },
    ]);

    const db = await dumpCore(deps.dbs.primary);
    for (const secret of secrets) {
      expect(logs()).not.toContain(secret);
      for (const b of bodies) expect(b).not.toContain(secret);
      expect(db).not.toContain(secret);
    }
    expect(db).toContain("$argon2id$");
  });

  test("sessions: cookie attributes, logout, password change and must_change", async () => {
    const { deps } = await testApp(engine, { env: { SESSION_HOURS: "2" } });
    const a = await seedOrg(deps, { key: "acme", password: TEST_PASSWORD });
    const s1 = await login({ deps, email: "Member@ACME.test", password: TEST_PASSWORD });
    expect(s1.user).toEqual({ id: a.member.userId, email: a.member.email, display_name: null });
    expect(s1.mustChangePassword).toBe(false);
    expect(s1.expiresAt.getTime() - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);

    const cookieOf = async (
      url: string,
      env: Record<string, string> = {},
      headers: Record<string, string> = {},
    ) => {
      const config = loadConfig({ DEMO: "false", ...env });
      const h = new Hono();
      h.get("/x", (c) => {
        setSessionCookie(c, { config, clock: systemClock }, s1);
        return c.text("ok");
      });
      return (await h.request(url, { headers })).headers.get("set-cookie") ?? "";
    };
    const plain = await cookieOf("http://localhost/x");
    expect(plain).toStartWith(`${SESSION_COOKIE}=${s1.cookie};`);
    expect(plain).toContain("HttpOnly");
    expect(plain).toContain("SameSite=Lax");
    expect(plain).toContain("Path=/");
    expect(plain).not.toContain("Secure");
    expect(await cookieOf("https://localhost/x")).toContain("Secure");
    expect(await cookieOf("http://localhost/x", { PUBLIC_URL: "https://hs.example.com" })).toContain(
      "Secure",
    );
    expect(await cookieOf("http://localhost/x", {}, { "x-forwarded-proto": "https" })).toContain("Secure");

    const s2 = await login({ deps, email: a.member.email, password: TEST_PASSWORD });
    await logout({ deps, cookie: s2.cookie });
    expect(await sessionFromCookie(deps, s2.cookie)).toBeNull();
    expect(await sessionFromCookie(deps, s1.cookie)).not.toBeNull();

    const s3 = await login({ deps, email: a.member.email, password: TEST_PASSWORD });
    const actor = (await sessionFromCookie(deps, s3.cookie))!.actor;
    await expect(
      changePassword({
        deps,
        actor,
        currentPassword: "nope-nope",
        newPassword: "another-password",
        sessionId: s3.sessionId,
      }),
    ).rejects.toMatchObject({ code: "unauthorized" });
    await changePassword({
      deps,
      actor,
      currentPassword: TEST_PASSWORD,
      newPassword: "another-password",
      sessionId: s3.sessionId,
    });
    expect(await sessionFromCookie(deps, s1.cookie)).toBeNull(); // other sessions end
    expect(await sessionFromCookie(deps, s3.cookie)).not.toBeNull(); // this one stays
    await expect(login({ deps, email: a.member.email, password: TEST_PASSWORD })).rejects.toMatchObject({
      code: "unauthorized",
    });
    expect((await login({ deps, email: a.member.email, password: "another-password" })).user.id).toBe(
      a.member.userId,
    );
  });

  test("first start creates the admin (one-time password logged once, must change) and org demo; later starts do nothing", async () => {
    const { deps, app, logs } = await withLogs(engine);
    const first = await bootstrap(deps);
    expect(first.admin?.email).toBe("admin@example.com");
    expect(first.demoOrg?.key).toBe("demo");
    const m = /one-time password (\S+) /.exec(logs());
    const password = m?.[1] ?? "";
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);
    expect(logs().split(password).length - 1).toBe(1);
    const s = await login({ deps, email: "admin@example.com", password });
    expect(s.mustChangePassword).toBe(true);
    const token = await json(
      await app.request("/authorize/token", {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`admin@example.com:${password}`)}` },
      }),
    );
    const orgs = await json(await app.request("/user/org", { headers: bearer(token.access_token) }));
    expect(orgs.map((o: { org: { key: string }; role: string }) => [o.org.key, o.role])).toEqual([
      ["demo", "admin"],
    ]);
    expect(await bootstrap(deps)).toEqual({ admin: null, demoOrg: null });
    expect(logs().split(password).length - 1).toBe(1);
    const [key] = await deps.dbs.state.query<{ n: number }>("SELECT count(*)::int AS n FROM core.app_secret");
    expect(key?.n).toBe(1);
  });

  test("first start with ADMIN_EMAIL and ADMIN_PASSWORD logs no password", async () => {
    const { deps, logs } = await withLogs(engine, {
      ADMIN_EMAIL: "boss@example.org",
      ADMIN_PASSWORD: "configured-password",
    });
    await bootstrap(deps);
    expect(logs()).not.toContain("configured-password");
    const s = await login({ deps, email: "boss@example.org", password: "configured-password" });
    expect(s.mustChangePassword).toBe(false);
  });

  test("orgs, users, memberships, app admins and permissions replicate; credentials, tokens, sessions and audit do not", async () => {
    const secondary = await testDatabase(engine, "replica");
    const base = await testApp(engine);
    const dbs = { ...base.dbs, secondaries: [secondary], all: () => [base.dbs.primary, secondary] };
    const { deps, app } = await testApp(engine, { dbs });
    const boss = await appAdmin(deps, { password: TEST_PASSWORD });
    const org = await createOrg({ deps, actor: systemActor, name: "Replicated", key: "repl" });
    const made = await json(
      await app.request("/user", {
        method: "POST",
        headers: jsonHeaders(boss.token),
        body: JSON.stringify({
          email: "r@repl.test",
          org_id: org.id,
          role: "admin",
          password: TEST_PASSWORD,
        }),
      }),
    );
    await app.request("/token", {
      method: "POST",
      headers: jsonHeaders(boss.token),
      body: JSON.stringify({ org_id: org.id, name: "t" }),
    });
    for (const t of deps.replicator.targets) await deps.replicator.deliver(t);
    const count = async (db: Database, sql: string, params: unknown[] = []) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;
    for (const [table, where, params] of [
      ["core.org", "key = $1", ["repl"]],
      ['core."user"', "email = $1", ["r@repl.test"]],
      ["core.org_user", "user_id = $1", [made.id]],
      ["core.org_admin", "user_id = $1", [made.id]],
      ["core.user_app", "user_id = $1", [boss.userId]],
    ] as const)
      expect([table, await count(secondary, `${table} WHERE ${where}`, [...params])]).toEqual([table, 1]);
    expect(
      await count(
        secondary,
        "information_schema.tables WHERE table_schema = 'core' AND table_name = 'values_repl'",
      ),
    ).toBe(1);
    for (const table of ["core.hs_credential", "core.hs_api_token", "core.hs_session", "core.hs_audit_log"])
      expect([table, await count(secondary, table)]).toEqual([table, 0]);
    expect(await count(deps.dbs.primary, "core.hs_credential")).toBe(2);
  });

  test("audit log: admins read their org's entries, app admins all; members cannot", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    await app.request("/token", {
      method: "POST",
      headers: jsonHeaders(a.admin.token),
      body: JSON.stringify({ org_id: a.org.id, name: "t" }),
    });
    await app.request(`/user/${a.member.userId}?org_id=${a.org.id}`, {
      method: "DELETE",
      headers: bearer(a.admin.token),
    });
    await app.request("/token", {
      method: "POST",
      headers: jsonHeaders(b.admin.token),
      body: JSON.stringify({ org_id: b.org.id, name: "t" }),
    });
    const rows = await json(
      await app.request(`/audit?org_id=${a.org.id}`, { headers: bearer(a.admin.token) }),
    );
    expect(
      rows.map((r: { action: string; org_id: number; actor_user_id: number }) => [
        r.action,
        r.org_id,
        r.actor_user_id,
      ]),
    ).toEqual([
      ["membership.remove", a.org.id, a.admin.userId],
      ["token.create", a.org.id, a.admin.userId],
    ]);
    expect(rows[0]).toMatchObject({
      target: `user:${a.member.userId}`,
      details: { email: a.member.email, disabled: true },
    });
    expect((await app.request(`/audit?org_id=${b.org.id}`, { headers: bearer(a.admin.token) })).status).toBe(
      403,
    );
    expect((await app.request("/audit", { headers: bearer(a.admin.token) })).status).toBe(403);
    const all = await json(await app.request("/audit", { headers: bearer((await appAdmin(deps)).token) }));
    expect(all.map((r: { action: string }) => r.action)).toEqual([
      "token.create",
      "membership.remove",
      "token.create",
    ]);
    // The removed member was in no other org: disabled, signed out.
    expect((await app.request("/user/org", { headers: bearer(a.member.token) })).status).toBe(401);
  });

  test("API tokens act in their one org with their role, never above their creator's", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    const create = async (token: string, body: unknown) =>
      app.request("/token", { method: "POST", headers: jsonHeaders(token), body: JSON.stringify(body) });
    const adminTok = await json(
      await create(a.admin.token, { org_id: a.org.id, name: "adm", role: "admin" }),
    );
    const memberTok = await json(await create(a.admin.token, { org_id: a.org.id, name: "mem" }));
    expect([adminTok.role, memberTok.role]).toEqual(["admin", "member"]);
    expect((await create(a.admin.token, { org_id: b.org.id, name: "x" })).status).toBe(403);
    // An admin token administers its org but creates no tokens and manages no users.
    expect((await app.request(`/user?org_id=${a.org.id}`, { headers: bearer(adminTok.token) })).status).toBe(
      403,
    );
    expect((await create(adminTok.token, { org_id: a.org.id, name: "y" })).status).toBe(403);
    expect((await app.request(`/org/${a.org.id}/poller`, { headers: bearer(adminTok.token) })).status).toBe(
      200,
    );
    expect((await app.request(`/org/${a.org.id}/poller`, { headers: bearer(memberTok.token) })).status).toBe(
      403,
    );
    expect((await app.request(`/org/${b.org.id}/poller`, { headers: bearer(adminTok.token) })).status).toBe(
      403,
    );
    const mine = await json(await app.request("/user/org", { headers: bearer(adminTok.token) }));
    expect(mine.map((o: { org: { id: number }; role: string }) => [o.org.id, o.role])).toEqual([
      [a.org.id, "admin"],
    ]);
    // The creator demoted to member: the admin token acts as a member.
    await deps.dbs.primary.query("DELETE FROM core.org_admin WHERE user_id = $1", [a.admin.userId]);
    await accessChangesSettled(deps);
    expect((await app.request(`/org/${a.org.id}/poller`, { headers: bearer(adminTok.token) })).status).toBe(
      403,
    );
    expect((await app.request("/user/org", { headers: bearer(adminTok.token) })).status).toBe(200);
    // Last use is recorded.
    const [used] = await deps.dbs.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.hs_api_token WHERE last_used_at IS NOT NULL",
    );
    expect(used?.n).toBe(2);
  });

  test("grants and revokes act on the target user, inside the caller's org only", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    const db = deps.dbs.primary;
    const entity = async (orgId: number) => {
      const [e] = await db.query<{ id: number }>("INSERT INTO core.entity DEFAULT VALUES RETURNING id");
      await db.query("INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2)", [
        orgId,
        e!.id,
      ]);
      return e!.id;
    };
    const ea = await entity(a.org.id);
    const eb = await entity(b.org.id);
    const post = (path: string, body: unknown, token = a.admin.token) =>
      app.request(path, { method: "POST", headers: jsonHeaders(token), body: JSON.stringify(body) });
    const rev = await post("/userentityrev/", {
      org_id: a.org.id,
      user_email: a.member.email,
      entity_id: ea,
    });
    expect(rev.status).toBe(200);
    const row = await json(rev);
    expect(row).toEqual({ id: expect.any(Number), user_id: a.member.userId, entity_id: ea });
    // Not the caller: the admin keeps the entity.
    const [adminRev] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.user_entity_rev_permission WHERE user_id = $1",
      [a.admin.userId],
    );
    expect(adminRev?.n).toBe(0);
    // Idempotent.
    expect(
      (
        await json(
          await post("/userentityrev", { org_id: a.org.id, user_email: a.member.email, entity_id: ea }),
        )
      ).user_id,
    ).toBe(a.member.userId);
    // A user or an entity of another org answers like an unknown one.
    for (const body of [
      { org_id: a.org.id, user_email: b.member.email, entity_id: ea },
      { org_id: a.org.id, user_email: "nobody@nowhere.test", entity_id: ea },
      { org_id: a.org.id, user_email: a.member.email, entity_id: eb },
      { org_id: a.org.id, user_email: a.member.email, entity_id: 999999 },
    ]) {
      const r = await post("/userentityadd/", body);
      expect([body, r.status, await json(r)]).toEqual([body, 403, { detail: "not allowed" }]);
    }
    // B's admin cannot see or delete A's row, even naming its own org.
    for (const org of [a.org.id, b.org.id]) {
      const r = await app.request(`/userentityrev/${row.id}?org_id=${org}`, {
        method: "DELETE",
        headers: bearer(b.admin.token),
      });
      expect(r.status).toBe(403);
    }
    expect(
      (
        await app.request(`/userentityrev/${row.id}?org_id=${a.org.id}`, {
          method: "DELETE",
          headers: bearer(a.admin.token),
        })
      ).status,
    ).toBe(200);
    expect(
      (await app.request(`/userentityrev/${row.id}?org_id=${a.org.id}`, { headers: bearer(a.admin.token) }))
        .status,
    ).toBe(403);
  });

  test("creating an org creates its value tables and grants the standard libraries", async () => {
    const { app, deps } = await testApp(engine);
    const boss = await appAdmin(deps);
    const res = await app.request("/org", {
      method: "POST",
      headers: jsonHeaders(boss.token),
      body: JSON.stringify({ name: "Plant", key: "plant_1" }),
    });
    expect(res.status).toBe(200);
    const org = await json(res);
    expect(org).toEqual({
      id: expect.any(Number),
      name: "Plant",
      key: "plant_1",
      value_table: "values_plant_1",
    });
    const libs = await deps.dbs.primary.query<{ name: string }>(
      `SELECT d.name FROM core.org_tag_permission p JOIN core.tag_def d ON d.id = p.tag_id WHERE p.org_id = $1 ORDER BY d.name`,
      [org.id],
    );
    const standard = await deps.dbs.primary.query<{ name: string }>(
      "SELECT name FROM core.tag_def WHERE name IN ('ph', 'phIoT', 'phScience', 'custom') ORDER BY name",
    );
    expect(libs).toEqual(standard);
    const [tables] = await deps.dbs.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'core' AND table_name IN ('values_plant_1', 'values_plant_1_current')",
    );
    expect(tables?.n).toBe(2);
    const [schemaName] = await deps.dbs.primary.query<{ s: string }>(
      "SELECT schema_name AS s FROM core.org WHERE id = $1",
      [org.id],
    );
    expect(schemaName?.s).toBe("plant_1");
    for (const body of [
      { name: "Plant", key: "other" },
      { name: "Other", key: "plant_1" },
    ])
      expect(
        (
          await app.request("/org", {
            method: "POST",
            headers: jsonHeaders(boss.token),
            body: JSON.stringify(body),
          })
        ).status,
      ).toBe(409);
    for (const key of ["Bad", "1abc", "a-b", "x".repeat(41), "a;drop"])
      expect(
        (
          await app.request("/org", {
            method: "POST",
            headers: jsonHeaders(boss.token),
            body: JSON.stringify({ name: key, key }),
          })
        ).status,
      ).toBe(422);
    const renamed = await app.request(`/org/${org.id}`, {
      method: "PUT",
      headers: jsonHeaders(boss.token),
      body: JSON.stringify({ key: "changed" }),
    });
    expect(renamed.status).toBe(422);
  });

  test("security headers: CSP and frame denial on pages, nosniff and referrer policy everywhere", async () => {
    const { app } = await testApp(engine);
    const page = await app.request("/login");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    );
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const api = await app.request("/health");
    for (const r of [page, api]) {
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("referrer-policy")).toBe("same-origin");
    }
  });
});

describe.each(ENGINES)("access retention on %s", (engine) => {
  test("audit rows older than 90 days and sessions ended over a day ago are deleted", async () => {
    const { pruneAccessRecords } = await import("../../src/access/retention.ts");
    const { deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const db = deps.dbs.primary;
    await db.query(
      `INSERT INTO core.hs_audit_log (ts, action) VALUES (now() - interval '91 days', 'old'), (now() - interval '89 days', 'recent')`,
    );
    await db.query(
      `INSERT INTO core.hs_session (id, user_id, kind, expires_at, revoked_at) VALUES
         ('expired', $1, 'session', now() - interval '2 days', NULL),
         ('revoked', $1, 'session', now() + interval '1 day', now() - interval '2 days'),
         ('fresh-revoked', $1, 'session', now() + interval '1 day', now())`,
      [a.member.userId],
    );
    expect(await pruneAccessRecords(deps)).toEqual({ audit: 1, sessions: 2 });
    expect(
      (await db.query<{ action: string }>("SELECT action FROM core.hs_audit_log")).map((r) => r.action),
    ).toEqual(["recent"]);
    const left = await db.query<{ id: string }>(
      "SELECT id FROM core.hs_session WHERE user_id = $1 ORDER BY id",
      [a.member.userId],
    );
    expect(left.map((r) => r.id)).toHaveLength(2); // the seeded access token and fresh-revoked
  });
});

describe("API token expiry", () => {
  test("expires_at: with Z, with an offset, without a zone (UTC); in the past or malformed is 422", async () => {
    const { app, deps } = await testApp("pglite");
    const a = await seedOrg(deps, { key: "acme" });
    const post = (expires_at: unknown) =>
      app.request("/token", {
        method: "POST",
        headers: jsonHeaders(a.admin.token),
        body: JSON.stringify({ org_id: a.org.id, name: "t", expires_at }),
      });
    const year = new Date().getUTCFullYear() + 1;
    for (const [input, out] of [
      [`${year}-01-02T03:04:05Z`, `${year}-01-02T03:04:05.000Z`],
      [`${year}-01-02T05:04:05+02:00`, `${year}-01-02T03:04:05.000Z`],
      [`${year}-01-02T03:04:05`, `${year}-01-02T03:04:05.000Z`],
    ]) {
      const r = await post(input);
      expect([input, r.status, (await json(r)).expires_at]).toEqual([input, 200, out]);
    }
    expect((await post("2001-01-01T00:00:00Z")).status).toBe(422);
    expect((await post("tomorrow")).status).toBe(422);
  });
});
