// Pollers' bearer credentials are resolved once and kept in memory (http/auth.ts), but revocation
// must stay immediate (DESIGN §7: tokens and sessions are revocable server-side): a credential
// revoked through the API is refused by the very next request; one revoked behind the server's back
// (another process, the CLI, plain SQL) as soon as its notification is heard (on PostgreSQL the
// test waits for that: `accessChangesSettled`; PGlite hears it before the statement resolves); and
// so is a member removed from the org or a disabled user.
// An access token is refused once the (injected) clock passes its expiry.
import { beforeEach, describe, expect, test } from "bun:test";
import { accessChangesSettled } from "../../src/access/changes.ts";
import type { Clock } from "../../src/deps.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { appAdmin, bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { makePoints } from "./fixtures.ts";

describe.each(ENGINES)("bearer credentials kept in memory, %s", (engine) => {
  let now: Date;
  const clock: Clock = { now: () => now };
  let t: TestApp;
  let acme: SeededOrg;
  let point: number;
  let step = 0;

  beforeEach(async () => {
    now = new Date("2030-01-01T00:00:00Z");
    t = await testApp(engine, { clock });
    acme = await seedOrg(t.deps, { key: "acme" });
    point = (await makePoints(t.deps, acme.org.id, 1))[0]!.id;
  });

  /** One bulk write with a fresh timestamp: its status. */
  const post = async (token: string) => {
    step += 1;
    const res = await t.app.request("/bulk/value", {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({
        org_id: acme.org.id,
        values: [
          { entity_id: point, ts: new Date(Date.UTC(2029, 0, 1, 0, step)).toISOString(), value_n: step },
        ],
      }),
    });
    return res.status;
  };

  const apiToken = async (expires_at?: string): Promise<{ id: number; token: string }> => {
    const res = await t.app.request("/token", {
      method: "POST",
      headers: { ...bearer(acme.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: acme.org.id, name: "poller", ...(expires_at ? { expires_at } : {}) }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { id: number; token: string };
  };

  test("an API token revoked through the API is refused by the next request", async () => {
    const tok = await apiToken();
    expect([await post(tok.token), await post(tok.token)]).toEqual([200, 200]);
    const del = await t.app.request(`/token/${tok.id}`, {
      method: "DELETE",
      headers: bearer(acme.admin.token),
    });
    expect(del.status).toBe(200);
    expect(await post(tok.token)).toBe(401);
  });

  test("an API token revoked behind the server's back (plain SQL) is refused by the next request", async () => {
    const tok = await apiToken();
    expect([await post(tok.token), await post(tok.token)]).toEqual([200, 200]);
    await t.dbs.primary.query("UPDATE core.hs_api_token SET revoked_at = now() WHERE id = $1", [tok.id]);
    await accessChangesSettled(t.deps);
    expect(await post(tok.token)).toBe(401);
  });

  test("an access token whose session is revoked, or whose user is disabled, is refused at once", async () => {
    expect([await post(acme.member.token), await post(acme.member.token)]).toEqual([200, 200]);
    await t.dbs.primary.query("UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1", [
      acme.member.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await post(acme.member.token)).toBe(401);

    expect(await post(acme.admin.token)).toBe(200);
    await t.dbs.primary.query(`UPDATE core."user" SET disabled_ts = now() WHERE id = $1`, [
      acme.admin.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await post(acme.admin.token)).toBe(401);
  });

  test("an application admin can use an org created after their actor was resolved", async () => {
    const admin = await appAdmin(t.deps);
    expect(await post(admin.token)).toBe(200);
    const created = await t.app.request("/org", {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({ name: "Later", key: "later" }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: number };
    const read = await t.app.request(`/org/${id}`, { headers: bearer(admin.token) });
    expect(read.status).toBe(200);
  });

  test("a member removed from the org is refused at once", async () => {
    expect([await post(acme.member.token), await post(acme.member.token)]).toEqual([200, 200]);
    await t.dbs.primary.query("DELETE FROM core.org_user WHERE org_id = $1 AND user_id = $2", [
      acme.org.id,
      acme.member.userId,
    ]);
    await accessChangesSettled(t.deps);
    expect(await post(acme.member.token)).toBe(403);
  });

  test("an access token is refused once the clock passes its expiry; an API token's last use is still recorded", async () => {
    const tok = await apiToken();
    expect([await post(tok.token), await post(tok.token)]).toEqual([200, 200]);
    const [row] = await t.dbs.primary.query<{ used: boolean }>(
      "SELECT last_used_at IS NOT NULL AS used FROM core.hs_api_token WHERE id = $1",
      [tok.id],
    );
    expect(row).toEqual({ used: true });

    expect([await post(acme.member.token), await post(acme.member.token)]).toEqual([200, 200]);
    now = new Date(now.getTime() + t.deps.config.sessionHours * 3600_000 + 1000);
    expect(await post(acme.member.token)).toBe(401);
  });
});
