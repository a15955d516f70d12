// The attacks of issue 3, each refused: forged, expired and `alg: none` JWTs, revoked tokens, a
// disabled user's session, a cookie-authenticated POST from a foreign origin, `?x=/health`
// appended to a protected URL, ten failed logins in a row; and no existence oracle across orgs.
import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { systemActor } from "../../src/access/actor.ts";
import { accessChangesSettled } from "../../src/access/changes.ts";
import { accessRuntime, signingKey } from "../../src/access/runtime.ts";
import { csrfTokenFor, login, SESSION_COOKIE } from "../../src/access/sessions.ts";
import { disableUser } from "../../src/access/users.ts";
import { testApp } from "../harness/app.ts";
import { bearer, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

describe.each(ENGINES)("attacks on %s", (engine) => {
  test("JWTs: forged, expired, alg none, wrong type and tampered are refused", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const ok = await app.request("/user/org", { headers: bearer(a.member.token) });
    expect(ok.status).toBe(200);
    const [, payloadPart] = a.member.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payloadPart, "base64url").toString());
    const now = Math.floor(Date.now() / 1000);

    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("an-attacker-chosen-secret-of-32-bytes!!"));
    const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(await signingKey(deps));
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
    const escalated = `${a.member.token.split(".")[0]}.${b64url({ ...claims, sub: String(a.admin.userId) })}.${a.member.token.split(".")[2]}`;
    const sessionAsBearer = await new SignJWT({ ...claims, typ: "session" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(await signingKey(deps));
    for (const [name, token] of Object.entries({ forged, expired, none, escalated, sessionAsBearer })) {
      const res = await app.request("/user/org", { headers: bearer(token) });
      expect([name, res.status]).toEqual([name, 401]);
      expect(await res.json()).toEqual({ detail: "invalid, expired or revoked token" });
    }
  });

  test("revoked and expired API tokens, and tokens of a disabled org, are refused", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const created = await app.request("/token", {
      method: "POST",
      headers: { ...bearer(a.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: a.org.id, name: "poller" }),
    });
    expect(created.status).toBe(200);
    const t = await json(created);
    expect(t.token).toMatch(/^hst_[A-Za-z0-9_-]{43}$/);
    expect((await app.request("/user/org", { headers: bearer(t.token) })).status).toBe(200);
    const revoked = await app.request(`/token/${t.id}`, { method: "DELETE", headers: bearer(a.admin.token) });
    expect(revoked.status).toBe(200);
    expect((await json(revoked)).revoked_at).toMatch(/Z$/);
    expect((await app.request("/user/org", { headers: bearer(t.token) })).status).toBe(401);

    await deps.dbs.primary.query(
      `INSERT INTO core.hs_api_token (user_id, org_id, name, token_hash, prefix, expires_at)
       VALUES ($1, $2, 'old', encode(sha256(convert_to($3, 'UTF8')), 'hex'), 'hst_old', now() - interval '1 second')`,
      [a.admin.userId, a.org.id, "hst_expiredexpiredexpiredexpiredexpiredexpir"],
    );
    const expired = await app.request("/user/org", {
      headers: bearer("hst_expiredexpiredexpiredexpiredexpiredexpir"),
    });
    expect(expired.status).toBe(401);

    // An access token from POST /authorize/token ends with its session (e.g. on a password change).
    await deps.dbs.primary.query("UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1", [
      a.member.userId,
    ]);
    await accessChangesSettled(deps);
    expect((await app.request("/user/org", { headers: bearer(a.member.token) })).status).toBe(401);
  });

  test("a disabled user's session, access token and API token stop working at once", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme", password: TEST_PASSWORD });
    const s = await login({ deps, email: a.member.email, password: TEST_PASSWORD });
    const cookie = { cookie: `${SESSION_COOKIE}=${s.cookie}` };
    expect((await app.request("/user/org", { headers: cookie })).status).toBe(200);
    await disableUser({ deps, actor: systemActor, userId: a.member.userId });
    expect((await app.request("/user/org", { headers: cookie })).status).toBe(401);
    expect((await app.request("/user/org", { headers: bearer(a.member.token) })).status).toBe(401);
    // And they cannot log in again.
    const again = await app.request("/authorize/token", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${a.member.email}:${TEST_PASSWORD}`)}` },
    });
    expect(again.status).toBe(401);
  });

  test("a cookie-authenticated POST from a foreign origin, or without the CSRF token, is refused", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme", password: TEST_PASSWORD });
    const s = await login({ deps, email: a.admin.email, password: TEST_PASSWORD });
    const csrf = await csrfTokenFor(deps, s.sessionId);
    const body = () => JSON.stringify({ org_id: a.org.id, name: `t${Math.random()}` });
    const post = (headers: Record<string, string>) =>
      app.request("http://localhost/token", {
        method: "POST",
        headers: { cookie: `${SESSION_COOKIE}=${s.cookie}`, "content-type": "application/json", ...headers },
        body: body(),
      });
    const foreign = await post({ origin: "https://evil.example", "x-csrf-token": csrf });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ detail: "cross-site request refused" });
    expect((await post({ "sec-fetch-site": "cross-site", "x-csrf-token": csrf })).status).toBe(403);
    expect((await post({ origin: "null", "x-csrf-token": csrf })).status).toBe(403);
    expect((await post({ origin: "http://localhost" })).status).toBe(403);
    expect((await post({ origin: "http://localhost", "x-csrf-token": "forged" })).status).toBe(403);
    const ok = await post({
      origin: "http://localhost",
      "sec-fetch-site": "same-origin",
      "x-csrf-token": csrf,
    });
    expect(ok.status).toBe(200);
    // A form post carries the token as _csrf.
    const form = await app.request("http://localhost/token", {
      method: "POST",
      headers: {
        cookie: `${SESSION_COOKIE}=${s.cookie}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `_csrf=${encodeURIComponent(csrf)}`,
    });
    expect(form.status).toBe(422); // past CSRF; the JSON route then rejects the form body
    // Reads need no token; bearer requests are not subject to CSRF.
    expect(
      (await app.request("/user/org", { headers: { cookie: `${SESSION_COOKIE}=${s.cookie}` } })).status,
    ).toBe(200);
    const viaBearer = await app.request("/token", {
      method: "POST",
      headers: {
        ...bearer(a.admin.token),
        "content-type": "application/json",
        origin: "https://evil.example",
      },
      body: body(),
    });
    expect(viaBearer.status).toBe(200);
  });

  test("public routes match the path only: ?x=/health and lookalike paths stay protected", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    for (const url of [
      `/user?org_id=${a.org.id}&x=/health`,
      "/user/org?next=/authorize/token",
      "/org?/health",
      "/health/../org",
      "/org#/health",
      "/static/../org",
      "/metrics/../token?org_id=1",
      "/login/../org",
    ]) {
      const res = await app.request(url);
      expect([url, res.status]).toEqual([url, 401]);
    }
    expect((await app.request("/health?x=/org")).status).toBe(200);
  });

  test("ten failed logins in a row lock the account and the address for a minute", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme", password: TEST_PASSWORD });
    const basic = (email: string, pw: string) => ({ authorization: `Basic ${btoa(`${email}:${pw}`)}` });
    for (let i = 0; i < 10; i++) {
      const res = await app.request("/authorize/token", {
        method: "POST",
        headers: basic(a.member.email, `wrong${i}`),
      });
      expect(res.status).toBe(401);
    }
    const locked = await app.request("/authorize/token", {
      method: "POST",
      headers: basic(a.member.email, TEST_PASSWORD),
    });
    expect(locked.status).toBe(429);
    await expect(
      login({ deps, email: a.member.email, password: TEST_PASSWORD, ip: "10.0.0.9" }),
    ).rejects.toMatchObject({
      code: "rate_limited",
    });
    // The same address is locked for other accounts too ("unknown" here: no socket in app.request).
    const other = await app.request("/authorize/token", {
      method: "POST",
      headers: basic(a.admin.email, TEST_PASSWORD),
    });
    expect(other.status).toBe(429);
    // More refused attempts answer 429 too, without adding audit rows (one per account and address a minute).
    for (let i = 0; i < 5; i++)
      expect(
        (await app.request("/authorize/token", { method: "POST", headers: basic(a.admin.email, "x") }))
          .status,
      ).toBe(429);
    const audit = await deps.dbs.primary.query<{ action: string; n: number }>(
      "SELECT action, count(*)::int AS n FROM core.hs_audit_log WHERE action LIKE 'login.%' GROUP BY action ORDER BY action",
    );
    expect(audit).toEqual([
      { action: "login.failed", n: 10 },
      { action: "login.limited", n: 3 },
    ]);
    // After the window, a right password works again.
    accessRuntime(deps).loginLimiter.clear();
    const res = await app.request("/authorize/token", {
      method: "POST",
      headers: basic(a.member.email, TEST_PASSWORD),
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 86400 });
    expect((await app.request("/user/org", { headers: bearer(body.access_token) })).status).toBe(200);
  });

  test("an id in another org answers exactly like an unknown id", async () => {
    const { app, deps } = await testApp(engine);
    const a = await seedOrg(deps, { key: "acme" });
    const b = await seedOrg(deps, { key: "beta" });
    const tokenB = await app.request("/token", {
      method: "POST",
      headers: { ...bearer(b.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: b.org.id, name: "b" }),
    });
    const tB = (await json(tokenB)).id;
    const pairs: [string, string, string][] = [
      ["GET", `/user/${b.member.userId}?org_id=${a.org.id}`, `/user/999999?org_id=${a.org.id}`],
      ["DELETE", `/user/${b.member.userId}?org_id=${a.org.id}`, `/user/999999?org_id=${a.org.id}`],
      ["DELETE", `/token/${tB}`, "/token/999999"],
      ["GET", `/user?org_id=${b.org.id}`, "/user?org_id=999999"],
      ["GET", `/token?org_id=${b.org.id}`, "/token?org_id=999999"],
    ];
    for (const [method, other, unknown] of pairs) {
      const r1 = await app.request(other, { method, headers: bearer(a.admin.token) });
      const r2 = await app.request(unknown, { method, headers: bearer(a.admin.token) });
      expect([other, r1.status, await r1.json()]).toEqual([other, 403, await r2.json()]);
      expect(r2.status).toBe(403);
    }
    // B's member is untouched.
    expect((await app.request("/user/org", { headers: bearer(b.member.token) })).status).toBe(200);
  });
});
