// Console sessions are resolved once and kept in memory (http/auth.ts, as bearer credentials are),
// but a session must end everywhere at once (DESIGN §7: sessions are revocable server-side):
// signing out is refused by the very next request; a session revoked behind the server's back
// (another process, the CLI, plain SQL), a disabled user or a member removed from the org as soon as
// the change's notification is heard (the test waits for it: `accessChangesSettled`); and a
// session is refused once the (injected) clock passes its expiry.
import { beforeEach, describe, expect, test } from "bun:test";
import { accessChangesSettled } from "../../src/access/changes.ts";
import type { Clock } from "../../src/deps.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" };
const HTML = { accept: "text/html" };

describe.each(ENGINES)("console sessions kept in memory, %s", (engine) => {
  let now: Date;
  const clock: Clock = { now: () => now };
  let t: TestApp;
  let acme: SeededOrg;

  beforeEach(async () => {
    now = new Date();
    t = await testApp(engine, { clock });
    acme = await seedOrg(t.deps, { key: "acme", password: TEST_PASSWORD });
  });

  const signIn = async (email: string) => {
    const res = await t.app.request("/login", {
      method: "POST",
      headers: FORM,
      body: new URLSearchParams({ email, password: TEST_PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  };

  /** The status of a JSON read with the cookie (no redirect to the login page to follow). */
  const read = async (cookie: string) =>
    (await t.app.request(`/entity?org_id=${acme.org.id}`, { headers: { cookie } })).status;

  test("a session revoked behind the server's back (plain SQL) is refused by the next request", async () => {
    const cookie = await signIn(acme.member.email);
    expect([await read(cookie), await read(cookie)]).toEqual([200, 200]);
    await t.dbs.primary.query("UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1", [
      acme.member.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await read(cookie)).toBe(401);
  });

  test("signing out ends the session at once", async () => {
    const cookie = await signIn(acme.member.email);
    expect([await read(cookie), await read(cookie)]).toEqual([200, 200]);
    const page = await (await t.app.request("/", { headers: { cookie, ...HTML } })).text();
    const csrf =
      /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    expect(csrf).toBeTruthy();
    const out = await t.app.request("/logout", {
      method: "POST",
      headers: { ...FORM, cookie, ...HTML },
      body: new URLSearchParams({ _csrf: csrf! }).toString(),
    });
    expect(out.status).toBeLessThan(400);
    expect(await read(cookie)).toBe(401);
  });

  test("a disabled user and a member removed from the org are refused at once", async () => {
    const member = await signIn(acme.member.email);
    const admin = await signIn(acme.admin.email);
    expect([await read(member), await read(admin), await read(member), await read(admin)]).toEqual([
      200, 200, 200, 200,
    ]);
    await t.dbs.primary.query("DELETE FROM core.org_user WHERE org_id = $1 AND user_id = $2", [
      acme.org.id,
      acme.member.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await read(member)).toBe(403);
    await t.dbs.primary.query(`UPDATE core."user" SET disabled_ts = now() WHERE id = $1`, [
      acme.admin.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await read(admin)).toBe(401);
  });

  test("a session is refused once the clock passes its expiry", async () => {
    const cookie = await signIn(acme.member.email);
    expect([await read(cookie), await read(cookie)]).toEqual([200, 200]);
    now = new Date(now.getTime() + t.deps.config.sessionHours * 3600_000 + 1000);
    expect(await read(cookie)).toBe(401);
  });
});
