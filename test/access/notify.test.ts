// Two app instances on one real PostgreSQL cluster, as two processes sharing a primary would be
// (each its own createServices and pools; B reaches the server through a TCP proxy the test can
// cut). Credentials are kept in memory without reading the credential generation per request
// (access/changes.ts); a change committed by one instance must be refused by that instance at
// once and by the other as soon as it hears the notification (the test waits for that with
// `accessChangesSettled`, which sends a notification of its own and waits for it); when B's
// listening connection is cut, what it kept is dropped and it reads the generation until it
// listens again; and the same across a restart of the primary. A grant written elsewhere reaches
// the other instance's page caches the same way (migration 0017).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import {
  accessChangesSettled,
  accessMemoChecked,
  hearingAccessChanges,
  watchAccessChanges,
} from "../../src/access/changes.ts";
import { login, logout, SESSION_COOKIE } from "../../src/access/sessions.ts";
import { createApiToken, revokeApiToken } from "../../src/access/tokens.ts";
import { disableUser, setPassword } from "../../src/access/users.ts";
import { type Database, type Databases, migrate, openDatabase } from "../../src/db/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { startProxy, type TcpProxy } from "../harness/proxy.ts";

let cluster: PgCluster;
let proxy: TcpProxy;
let a: TestApp;
let b: TestApp;
let locker: Database;
let keys = 0;

const dbsOf = (primary: Database): Databases => ({
  primary,
  secondaries: [],
  state: primary,
  stateIsPrimary: true,
  all: () => [primary],
  close: () => primary.close(),
});

beforeAll(async () => {
  cluster = await startCluster();
  const admin = await openDatabase({ key: "admin", url: cluster.url() });
  await admin.exec("CREATE DATABASE hs");
  await admin.close();
  const url = cluster.url("hs");
  const primaryA = await openDatabase({ key: "primary", url });
  await migrate(primaryA, "building");
  await migrate(primaryA, "state");
  proxy = await startProxy(cluster.port);
  const primaryB = await openDatabase({
    key: "primary",
    url: url.replace(`:${cluster.port}/`, `:${proxy.port}/`),
  });
  a = await testApp("postgres", { dbs: dbsOf(primaryA) });
  b = await testApp("postgres", { dbs: dbsOf(primaryB) });
  locker = await openDatabase({ key: "locker", url });
  for (const t of [a, b]) watchAccessChanges(t.deps);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([a?.dbs.close(), b?.dbs.close(), locker?.close()]);
  proxy?.close();
  await cluster?.destroy();
});

/** A fresh org with its admin and member (bearer access tokens) and a member's API token. */
async function seeded(): Promise<SeededOrg & { apiToken: { id: number; token: string } }> {
  const org = await seedOrg(a.deps, { key: `org${++keys}`, password: TEST_PASSWORD });
  const apiToken = await createApiToken({
    deps: a.deps,
    actor: systemActor,
    orgId: org.org.id,
    name: "poller",
    userId: org.member.userId,
  });
  return { ...org, apiToken };
}

const status = async (t: TestApp, headers: Record<string, string>) =>
  (await t.app.request("/user/org", { headers })).status;
const cookieOf = (jwt: string) => ({ cookie: `${SESSION_COOKIE}=${jwt}` });

/** Until `db`'s pool answers again (its availability gate probes with a back-off after an outage). */
async function answering(db: Database) {
  await waitFor(
    () =>
      db.query("SELECT 1").then(
        () => true,
        () => false,
      ),
    30_000,
    `${db.key} answering`,
  );
}

/** Both instances hear the channel. */
async function bothHearing() {
  await waitFor(() => hearingAccessChanges(a.deps) && hearingAccessChanges(b.deps), 30_000, "both listening");
}

describe("access changes between two instances on one PostgreSQL primary", () => {
  test("a credential kept in memory is served without reading the credential generation", async () => {
    const s = await seeded();
    expect(await status(b, bearer(s.member.token))).toBe(200);
    await bothHearing();
    expect(await status(b, bearer(s.member.token))).toBe(200);
    // With the generation's table locked, a request that read it would wait for the lock.
    const answered = await locker.transaction(async (tx) => {
      await tx.query("LOCK TABLE core.hs_auth_generation IN ACCESS EXCLUSIVE MODE");
      return Promise.race([
        status(b, bearer(s.member.token)),
        Bun.sleep(15_000).then(() => "still waiting on the generation's lock"),
      ]);
    });
    expect(answered).toBe(200);
  });

  test("revoked API token, signed-out session, changed password, disabled user: refused by the instance that made the change at once, by the other when heard", async () => {
    const s = await seeded();
    const session = await login({ deps: a.deps, email: s.member.email, password: TEST_PASSWORD });
    const other = await login({ deps: a.deps, email: s.admin.email, password: TEST_PASSWORD });
    const credentials = {
      apiToken: bearer(s.apiToken.token),
      session: cookieOf(session.cookie),
      adminSession: cookieOf(other.cookie),
      adminAccess: bearer(s.admin.token),
    };
    for (const t of [a, b])
      for (const h of Object.values(credentials))
        expect([await status(t, h), await status(t, h)]).toEqual([200, 200]);
    await bothHearing();

    await revokeApiToken({ deps: a.deps, actor: systemActor, tokenId: s.apiToken.id });
    expect(await status(a, credentials.apiToken)).toBe(401);
    await accessChangesSettled(b.deps);
    expect(await status(b, credentials.apiToken)).toBe(401);
    expect(await status(b, credentials.session)).toBe(200);

    await logout({ deps: a.deps, cookie: session.cookie });
    expect(await status(a, credentials.session)).toBe(401);
    await accessChangesSettled(b.deps);
    expect(await status(b, credentials.session)).toBe(401);

    await setPassword({
      deps: a.deps,
      actor: systemActor,
      userId: s.admin.userId,
      password: `${TEST_PASSWORD}!`,
    });
    expect(await status(a, credentials.adminSession)).toBe(401);
    await accessChangesSettled(b.deps);
    expect(await status(b, credentials.adminSession)).toBe(401);
    expect(await status(b, credentials.adminAccess)).toBe(401);

    const fresh = await seeded();
    for (const t of [a, b])
      expect([
        await status(t, bearer(fresh.member.token)),
        await status(t, bearer(fresh.member.token)),
      ]).toEqual([200, 200]);
    await disableUser({ deps: a.deps, actor: systemActor, userId: fresh.member.userId });
    expect(await status(a, bearer(fresh.member.token))).toBe(401);
    await accessChangesSettled(b.deps);
    expect(await status(b, bearer(fresh.member.token))).toBe(401);
  });

  test("a grant written elsewhere is shown by the other instance's pages once heard (its page cache read again)", async () => {
    const s = await seeded();
    const created = await a.app.request("/entity", {
      method: "POST",
      headers: { ...bearer(s.admin.token), "content-type": "application/json" },
      body: JSON.stringify({
        org_id: s.org.id,
        tags: [
          { tag_name: "id", value_s: `hidden-${s.org.id}` },
          { tag_name: "site" },
          { tag_name: "dis", value_s: "Hidden wing" },
        ],
      }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: number };
    const explorer = async () => {
      const res = await b.app.request("/explorer?filter=site", {
        headers: { ...bearer(s.member.token), accept: "text/html" },
      });
      expect(res.status).toBe(200);
      return (await res.text()).includes("Hidden wing");
    };
    await bothHearing();
    expect([await explorer(), await explorer()]).toEqual([true, true]);
    // another process hides the entity from the member (plain SQL on the shared primary)
    await locker.query("INSERT INTO core.user_entity_rev_permission (user_id, entity_id) VALUES ($1, $2)", [
      s.member.userId,
      id,
    ]);
    await accessChangesSettled(b.deps);
    expect(await explorer()).toBe(false);
    await locker.query("DELETE FROM core.user_entity_rev_permission WHERE user_id = $1", [s.member.userId]);
    await accessChangesSettled(b.deps);
    expect(await explorer()).toBe(true);
  });

  test("while B's connections are cut it misses a revocation; listening again, it refuses it", async () => {
    const s = await seeded();
    for (const h of [bearer(s.apiToken.token), bearer(s.member.token)])
      expect([await status(b, h), await status(b, h)]).toEqual([200, 200]);
    await bothHearing();
    proxy.blackhole();
    await waitFor(() => !hearingAccessChanges(b.deps), 30_000, "B not listening");
    await revokeApiToken({ deps: a.deps, actor: systemActor, tokenId: s.apiToken.id });
    proxy.restore();
    await waitFor(() => hearingAccessChanges(b.deps), 30_000, "B listening again");
    await answering(b.dbs.primary);
    expect(await status(b, bearer(s.apiToken.token))).toBe(401);
    expect(await status(b, bearer(s.member.token))).toBe(200);
  }, 90_000);

  test("B's outage memo outlives a reconnect with no change missed, not one with a revocation missed", async () => {
    const s = await seeded();
    const member = bearer(s.member.token);
    // Haystack `about` answers in an outage for a caller known in the last 15 minutes.
    const about = async () => (await b.app.request(`/api/${s.org.key}/about`, { headers: member })).status;
    /** B's answer with its primary unreachable (new connections hang, the old ones are cut). */
    const cutOff = async () => {
      proxy.blackhole();
      try {
        return await about();
      } finally {
        proxy.restore();
      }
    };
    const deafThenBack = async (meanwhile: () => Promise<unknown>) => {
      proxy.blackhole();
      await waitFor(() => !hearingAccessChanges(b.deps), 30_000, "B not listening");
      await meanwhile();
      proxy.restore();
      await waitFor(() => hearingAccessChanges(b.deps), 30_000, "B listening again");
      await accessMemoChecked(b.deps);
    };
    // Known to B while the primary answers: served from the memo while it does not.
    expect(await about()).toBe(200);
    await bothHearing();
    expect(await cutOff()).toBe(200);
    // Deaf a while, nothing changed meanwhile: still served in the next outage, with no request
    // in between (one would resolve the session again and refill the memo).
    await deafThenBack(async () => {});
    expect(await cutOff()).toBe(200);
    // Deaf while the session is revoked elsewhere: not served from the memo any more.
    await deafThenBack(() =>
      locker.query("UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1", [s.member.userId]),
    );
    expect(await cutOff()).not.toBe(200);
    await answering(b.dbs.primary);
    expect(await about()).toBe(401);
  }, 120_000);

  test("across a restart of the primary: revocations are refused, credentials are kept again after it", async () => {
    const s = await seeded();
    for (const t of [a, b])
      expect([await status(t, bearer(s.member.token)), await status(t, bearer(s.member.token))]).toEqual([
        200, 200,
      ]);
    await bothHearing();
    await cluster.stop("fast");
    await waitFor(
      () => !hearingAccessChanges(a.deps) && !hearingAccessChanges(b.deps),
      30_000,
      "listeners down",
    );
    await cluster.start();
    // the first change after the restart, before or after B listens again
    await waitFor(
      async () => {
        try {
          await locker.query("UPDATE core.hs_session SET revoked_at = now() WHERE user_id = $1", [
            s.member.userId,
          ]);
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      "primary answering",
    );
    await answering(b.dbs.primary);
    expect(await status(b, bearer(s.member.token))).toBe(401);
    await bothHearing();
    await accessChangesSettled(b.deps);
    expect(await status(b, bearer(s.member.token))).toBe(401);
    expect(await status(a, bearer(s.member.token))).toBe(401);
    // a credential resolved now is kept again without reading the generation
    expect([await status(b, bearer(s.admin.token)), await status(b, bearer(s.admin.token))]).toEqual([
      200, 200,
    ]);
    const answered = await locker.transaction(async (tx) => {
      await tx.query("LOCK TABLE core.hs_auth_generation IN ACCESS EXCLUSIVE MODE");
      return Promise.race([
        status(b, bearer(s.admin.token)),
        Bun.sleep(15_000).then(() => "still waiting on the generation's lock"),
      ]);
    });
    expect(answered).toBe(200);
  }, 120_000);
});
